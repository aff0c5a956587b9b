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

Desde la lección 02 cada ejercicio es la solución de la lección anterior más
lo nuevo. Los módulos que pasan sin cambios los declara
``solutions/NN_slug/hereda.toml``::

    de = "04_refresh_tokens"                 # la lección de la que hereda
    modulos = ["api/config.py", "api/modelos.py"]   # también plantillas y scripts (se copian tal cual)

``taller sincronizar`` los escribe en la solución desde el módulo original
(siguiendo la cadena de herencias hasta la lección que lo escribió), sin marcas
y con una primera línea que dice de dónde vienen; nadie los copia a mano.
"""

import re
import tomllib
from pathlib import Path

MARCA = re.compile(r"^(?P<sangria>\s*)# \[(?P<tipo>solución|ejercicio|fin)\]\s*(?P<resto>.*)$")
IGNORADOS = ("__pycache__", "instance", ".pytest_cache", "hereda.toml")
HEREDA = "hereda.toml"
CABECERA = "# Generado por «taller sincronizar» desde {origen}: edítalo allí.\n"
CABECERA_LEIDA = re.compile(
    r"^# Generado por «taller sincronizar» desde (?P<origen>solutions/(?P<leccion>\d\d)_\S+?): edítalo allí\.\n"
)
CABECERA_EJERCICIO = "# Viene de la solución de la lección {leccion} ({origen}): no hace falta que lo cambies.\n"


class ErrorDeMarcas(ValueError):
    """Las marcas de una solución están mal puestas."""


def descomentar(linea, sangria, archivo, numero):
    """Quita ``# `` tras la sangría del bloque; una línea ``#`` sola queda vacía."""
    if linea.strip() == "#":
        return ""
    if not linea.startswith(sangria + "# "):
        raise ErrorDeMarcas(
            f"{archivo}:{numero}: las líneas de [ejercicio] deben empezar por «# » con la sangría del bloque."
        )
    return sangria + linea[len(sangria) + 2 :]


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


def quitar_marcas(texto, archivo="<texto>"):
    """El código de la solución sin las marcas: lo que pasa tal cual a la lección siguiente."""
    salida = []
    modo, inicio = "normal", 0
    for numero, linea in enumerate(texto.splitlines(keepends=True), start=1):
        marca = MARCA.match(linea)
        if marca:
            tipo = marca["tipo"]
            if tipo == "solución" and modo == "normal":
                modo, inicio = "solución", numero
            elif tipo == "ejercicio" and modo in ("normal", "solución"):
                modo, inicio = "ejercicio", inicio if modo == "solución" else numero
            elif tipo == "fin" and modo != "normal":
                modo = "normal"
            else:
                raise ErrorDeMarcas(f"{archivo}:{numero}: marca [{tipo}] fuera de lugar.")
        elif modo != "ejercicio":
            salida.append(linea)
    if modo != "normal":
        raise ErrorDeMarcas(f"{archivo}:{inicio}: falta la marca [fin] del bloque que empieza aquí.")
    # Sin los bloques [ejercicio] quedan huecos: como mucho dos líneas en blanco seguidas, ninguna al final.
    return re.sub(r"\n{4,}", "\n\n\n", "".join(salida)).rstrip("\n") + "\n"


class ErrorDeHerencia(ValueError):
    """Un ``hereda.toml`` que no se puede cumplir (una lección o un módulo que no existe)."""


def herencia(solucion):
    """``(lección de la que hereda, [módulos heredados])`` según ``hereda.toml``, o ``(None, [])``."""
    archivo = Path(solucion) / HEREDA
    if not archivo.is_file():
        return None, []
    datos = tomllib.loads(archivo.read_text(encoding="utf-8"))
    return datos["de"], list(datos.get("modulos", []))


def origen_de(solucion, modulo):
    """La carpeta de la solución que escribió ``modulo`` (la primera, hacia atrás, que no lo hereda)."""
    solucion = Path(solucion)
    de, modulos = herencia(solucion)
    vistas = {solucion.name}
    while modulo in modulos:
        anterior = solucion.parent / de
        if not (anterior / modulo).is_file() or anterior.name in vistas:
            raise ErrorDeHerencia(f"{solucion.name}/{HEREDA}: hereda {modulo} de {de}, que no lo tiene.")
        vistas.add(anterior.name)
        solucion = anterior
        de, modulos = herencia(solucion)
    return solucion


def heredados_esperados(solucion):
    """``{ruta relativa: bytes}`` de los módulos que ``solucion`` hereda, tal como los escribe ``sincronizar``."""
    solucion = Path(solucion)
    _, modulos = herencia(solucion)
    esperado = {}
    for modulo in modulos:
        origen = origen_de(solucion, modulo)
        if origen == solucion:
            raise ErrorDeHerencia(f"{solucion.name}/{HEREDA}: {modulo} no existe en la lección de la que hereda.")
        nombre = f"{origen.parent.name}/{origen.name}/{modulo}"
        if not modulo.endswith(".py"):  # una plantilla o un script: tal cual (no admiten un comentario de Python)
            esperado[Path(modulo)] = (origen / modulo).read_bytes()
            continue
        texto = quitar_marcas((origen / modulo).read_text(encoding="utf-8"), nombre)
        if CABECERA_LEIDA.match(texto):
            raise ErrorDeHerencia(f"{nombre} es un módulo generado: no puede ser el original de {modulo}.")
        esperado[Path(modulo)] = (CABECERA.format(origen=nombre) + texto).encode("utf-8")
    return esperado


def heredados_desactualizados(solucion):
    """Los módulos heredados de ``solucion`` que no coinciden con su original."""
    return [
        str(relativo)
        for relativo, contenido in heredados_esperados(solucion).items()
        if not (Path(solucion) / relativo).is_file() or (Path(solucion) / relativo).read_bytes() != contenido
    ]


def olvidados(solucion):
    """Los .py de la lección de la que hereda ``solucion`` que esta ni hereda ni tiene (un módulo que falta)."""
    solucion = Path(solucion)
    de, _ = herencia(solucion)
    if de is None:
        return []
    anterior = solucion.parent / de
    return [
        str(p.relative_to(anterior))
        for p in archivos_de(anterior)
        if p.suffix == ".py" and not (solucion / p.relative_to(anterior)).is_file()
    ]


def escribir_heredados(solucion):
    """Escribe en ``solucion`` los módulos que hereda. Devuelve las rutas escritas."""
    escritos = []
    for relativo, contenido in heredados_esperados(solucion).items():
        final = Path(solucion) / relativo
        final.parent.mkdir(parents=True, exist_ok=True)
        final.write_bytes(contenido)
        escritos.append(final)
    return escritos


def para_el_estudiante(texto):
    """La cabecera de un módulo heredado, dicha para quien hace el ejercicio."""
    if cabecera := CABECERA_LEIDA.match(texto):
        return CABECERA_EJERCICIO.format(**cabecera.groupdict()) + texto[cabecera.end() :]
    return texto


def archivos_de(carpeta):
    """Los archivos de una carpeta, sin cachés ni la carpeta instance/."""
    carpeta = Path(carpeta)
    return sorted(
        p
        for p in carpeta.rglob("*")
        if p.is_file() and not any(parte in IGNORADOS for parte in p.relative_to(carpeta).parts)
    )


def ejercicio_esperado(solucion):
    """``{ruta relativa: bytes}`` del ejercicio que se genera desde ``solucion``."""
    solucion = Path(solucion)
    esperado = {}
    for origen in archivos_de(solucion):
        relativo = origen.relative_to(solucion)
        if origen.suffix == ".py":
            codigo = generar_codigo(origen.read_text(encoding="utf-8"), str(relativo))
            esperado[relativo] = para_el_estudiante(codigo).encode("utf-8")
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


def sobrantes(solucion, ejercicio):
    """Los .py de ``ejercicio`` que ya no se generan desde ``solucion`` (p. ej. el app.py de antes del paquete)."""
    esperado = ejercicio_esperado(solucion)
    ejercicio = Path(ejercicio)
    if not ejercicio.is_dir():
        return []
    return [
        str(p.relative_to(ejercicio))
        for p in archivos_de(ejercicio)
        if p.suffix == ".py" and p.relative_to(ejercicio) not in esperado
    ]


def diferencias(solucion, ejercicio):
    """Los archivos de ``ejercicio`` que no coinciden con lo que se generaría desde ``solucion``."""
    distintos = []
    for relativo, contenido in ejercicio_esperado(solucion).items():
        actual = Path(ejercicio) / relativo
        if not actual.is_file() or actual.read_bytes() != contenido:
            distintos.append(str(relativo))
    return distintos
