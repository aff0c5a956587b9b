"""Genera el punto de partida del estudiante (``lessons/NN/ejercicio``) desde la solución.

La solución marca sus bloques así::

    # [solución] tarea 2: valida, guarda y responde 201.
    ...código de la solución...
    # [ejercicio]
    # return por_implementar()
    # [fin]

En el ejercicio, el bloque se convierte en ``# TODO (tarea 2): valida…`` seguido
de las líneas de ``[ejercicio]`` sin comentar. Un bloque que empieza directamente
con ``# [ejercicio]`` solo existe en el ejercicio. Así el ejercicio no puede
desviarse de la solución: una prueba lo regenera y lo compara con el que está
en el repositorio.
"""

import re
from pathlib import Path

MARCA = re.compile(r"^(?P<sangria>\s*)# \[(?P<tipo>solución|ejercicio|fin)\]\s*(?P<resto>.*)$")
IGNORADOS = ("__pycache__", "instance", ".pytest_cache")


class ErrorDeMarcas(ValueError):
    """Las marcas de una solución están mal puestas."""


def descomentar(linea, sangria, archivo, numero):
    """Quita ``# `` tras la sangría del bloque; una línea ``#`` sola queda vacía."""
    if linea.strip() == "#":
        return ""
    if not linea.startswith(sangria + "# "):
        raise ErrorDeMarcas(f"{archivo}:{numero}: las líneas de [ejercicio] deben empezar por «# » con la sangría del bloque.")
    return sangria + linea[len(sangria) + 2:]


def linea_todo(resto):
    """``tarea 2: valida…`` → ``# TODO (tarea 2): valida…``."""
    tarea, dos_puntos, texto = resto.partition(":")
    return f"# TODO ({tarea.strip()}):{texto}" if dos_puntos else f"# TODO: {resto}".rstrip(": ")


def generar_codigo(texto, archivo="<texto>"):
    """El código del ejercicio a partir del de la solución."""
    salida = []
    modo, sangria, inicio = "normal", "", 0
    for numero, linea in enumerate(texto.splitlines(keepends=True), start=1):
        marca = MARCA.match(linea)
        if marca:
            tipo = marca["tipo"]
            if tipo == "solución" and modo == "normal":
                modo, sangria, inicio = "solución", marca["sangria"], numero
                salida.append(f"{sangria}{linea_todo(marca['resto'])}\n")
            elif tipo == "ejercicio" and modo in ("normal", "solución"):
                if modo == "normal":
                    sangria, inicio = marca["sangria"], numero
                modo = "ejercicio"
            elif tipo == "fin" and modo != "normal":
                modo = "normal"
            else:
                raise ErrorDeMarcas(f"{archivo}:{numero}: marca [{tipo}] fuera de lugar.")
        elif modo == "normal":
            salida.append(linea)
        elif modo == "ejercicio":
            salida.append(descomentar(linea.rstrip("\n"), sangria, archivo, numero) + "\n")
    if modo != "normal":
        raise ErrorDeMarcas(f"{archivo}:{inicio}: falta la marca [fin] del bloque que empieza aquí.")
    return "".join(salida)


def archivos_de(carpeta):
    """Los archivos de una carpeta, sin cachés ni la carpeta instance/."""
    carpeta = Path(carpeta)
    return sorted(
        p for p in carpeta.rglob("*")
        if p.is_file() and not any(parte in IGNORADOS for parte in p.relative_to(carpeta).parts)
    )


def ejercicio_esperado(solucion):
    """``{ruta relativa: bytes}`` del ejercicio que se genera desde ``solucion``."""
    solucion = Path(solucion)
    esperado = {}
    for origen in archivos_de(solucion):
        relativo = origen.relative_to(solucion)
        if origen.suffix == ".py":
            esperado[relativo] = generar_codigo(origen.read_text(encoding="utf-8"), str(relativo)).encode("utf-8")
        else:
            esperado[relativo] = origen.read_bytes()
    return esperado


def generar_ejercicio(solucion, destino):
    """Escribe en ``destino`` el ejercicio generado desde ``solucion``. Devuelve las rutas escritas."""
    escritos = []
    for relativo, contenido in ejercicio_esperado(solucion).items():
        final = Path(destino) / relativo
        final.parent.mkdir(parents=True, exist_ok=True)
        final.write_bytes(contenido)
        escritos.append(final)
    return escritos


def diferencias(solucion, ejercicio):
    """Los archivos de ``ejercicio`` que no coinciden con lo que se generaría desde ``solucion``."""
    distintos = []
    for relativo, contenido in ejercicio_esperado(solucion).items():
        actual = Path(ejercicio) / relativo
        if not actual.is_file() or actual.read_bytes() != contenido:
            distintos.append(str(relativo))
    return distintos
