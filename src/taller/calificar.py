"""Calificar una clase entera: muchas entregas de una lección, cada una aislada.

Una ENTREGA es una carpeta o un .zip de un estudiante, que se llama como ella; el archivo
del ejercicio (``app.py``…) se busca dentro a cualquier profundidad (también dentro de un
.zip que haya en ella, un nivel). Con ``clase=True`` cada ENTREGA es una clase: cada
subcarpeta o .zip que contiene (la descarga de Moodle, por ejemplo) es un estudiante. Así
el .zip de un estudiante nunca puede ocupar la fila de otro.

Cada entrega se comprueba en su propia jaula (``taller.jaula``), con un presupuesto de tiempo
(``taller.motor``). Nada de lo que haga una entrega detiene la calificación de las demás ni
llega a la carpeta de salida: todo lo que se escribe sale de los documentos de resultados,
con el texto del estudiante neutralizado (caracteres de control, Markdown, fórmulas de CSV).
"""

import csv
import json
import os
import re
import stat
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from taller import motor

IGNORADAS = {"__MACOSX", ".git", "__pycache__", ".venv", "venv", "node_modules", "instance", ".pytest_cache"}
MAX_BYTES_ZIP = 100 * 1024 * 1024  # también el máximo de una carpeta
MAX_ARCHIVOS_ZIP = 5000  # también el máximo de una carpeta


@dataclass
class Entrega:
    """La entrega de un estudiante: la carpeta con su ejercicio, o por qué no se pudo preparar."""

    estudiante: str
    carpeta: Path | None = None
    problema: str | None = None
    aviso: str | None = None


# ── Encontrar las entregas ───────────────────────────────────────────────────


def nombre_de_estudiante(nombre):
    """El identificador del estudiante a partir del nombre de su carpeta o .zip (seguro como nombre de archivo)."""
    nombre = re.sub(r"\.zip$", "", nombre, flags=re.IGNORECASE)
    nombre = re.sub(r"_assignsubmission_.*$", "", nombre)  # sufijo de las descargas de Moodle
    nombre = re.sub(r"[^\w .@-]", "_", nombre).strip(" .")  # sin «/», control, «..» ni puntos al principio
    return nombre[:100] or "sin_nombre"


def nombre_en_utf8(miembro):
    """El nombre de un miembro del .zip: muchos programas guardan UTF-8 sin marcarlo (y se leería como cp437)."""
    if miembro.flag_bits & 0x800:
        return miembro.filename
    try:
        return miembro.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return miembro.filename


def extraer_zip(archivo, destino):
    """Extrae ``archivo`` en ``destino`` con cuidado (sin rutas fuera, sin bombas). Devuelve un problema o None."""
    try:
        with zipfile.ZipFile(archivo) as paquete:
            miembros = paquete.infolist()
            if len(miembros) > MAX_ARCHIVOS_ZIP:
                return f"El .zip tiene {len(miembros)} archivos (el máximo es {MAX_ARCHIVOS_ZIP})."
            if sum(m.file_size for m in miembros) > MAX_BYTES_ZIP:
                return f"El .zip ocupa más de {MAX_BYTES_ZIP // 2**20} MB descomprimido."
            for miembro in miembros:
                miembro.filename = nombre_en_utf8(miembro)
                ruta = Path(miembro.filename)
                if ruta.is_absolute() or ".." in ruta.parts:
                    return f"El .zip contiene una ruta no permitida: {miembro.filename}"
                if stat.S_ISLNK(miembro.external_attr >> 16):
                    return f"El .zip contiene un enlace simbólico ({miembro.filename}): no se admiten."
            for miembro in miembros:
                paquete.extract(miembro, destino)
    except (zipfile.BadZipFile, OSError) as e:
        return f"No se pudo abrir el .zip: {e}"
    return None


def buscar_ejercicio(carpeta, archivo, leccion, profundo):
    """La carpeta que contiene ``archivo`` dentro de ``carpeta``, o None.

    Primero en la raíz y en ``lessons/NN_slug/ejercicio/`` (una copia del taller entero);
    con ``profundo``, además a cualquier profundidad (la más cercana a la raíz).
    """
    for candidata in (carpeta, carpeta / "lessons" / leccion.nombre / "ejercicio"):
        if (candidata / archivo).is_file():
            return candidata
    if not profundo:
        return None
    niveles = len(Path(archivo).parts)  # «api/__init__.py»: la carpeta del ejercicio está dos niveles arriba
    encontrados = [
        p.parents[niveles - 1]
        for p in carpeta.rglob(archivo)
        if p.is_file() and not IGNORADAS.intersection(p.relative_to(carpeta).parts)
    ]
    return min(encontrados, key=lambda p: (len(p.parts), str(p))) if encontrados else None


def revisar_carpeta(carpeta):
    """Por qué no se admite una carpeta de entrega (enlaces simbólicos, demasiados archivos o bytes), o None."""
    archivos, total = 0, 0
    for raiz, carpetas, nombres in os.walk(carpeta):
        for nombre in carpetas + nombres:
            ruta = Path(raiz) / nombre
            if ruta.is_symlink():
                return f"La entrega contiene un enlace simbólico ({ruta.relative_to(carpeta)}): no se admiten."
        carpetas[:] = [c for c in carpetas if c not in IGNORADAS]
        archivos += len(nombres)
        total += sum((Path(raiz) / n).stat().st_size for n in nombres)
        if archivos > MAX_ARCHIVOS_ZIP:
            return f"La entrega tiene más de {MAX_ARCHIVOS_ZIP} archivos."
        if total > MAX_BYTES_ZIP:
            return f"La entrega ocupa más de {MAX_BYTES_ZIP // 2**20} MB."
    return None


def abrir(ruta, temporal):
    """La carpeta de ``ruta``: ella misma, o su .zip extraído en ``temporal``. Devuelve (carpeta, problema)."""
    if ruta.is_symlink():
        return None, f"{ruta.name} es un enlace simbólico: no se admiten."
    if ruta.is_dir():
        return ruta, revisar_carpeta(ruta)
    destino = Path(tempfile.mkdtemp(prefix="zip-", dir=temporal))
    return destino, extraer_zip(ruta, destino)


def descubrir(rutas, leccion, archivo, temporal, clase=False):
    """Las entregas que hay en ``rutas`` (carpetas y .zip): cada una es un estudiante; con ``clase``, una clase."""
    entregas = []
    for ruta in map(Path, rutas):
        if not ruta.exists():
            entregas.append(Entrega(nombre_de_estudiante(ruta.name), problema=f"No existe {ruta}."))
        elif not clase:
            entregas.append(entrega_de_estudiante(ruta, leccion, archivo, temporal))
        elif ruta.is_dir():
            for hija in sorted(ruta.iterdir()):
                if (
                    hija.name in IGNORADAS
                    or hija.name.startswith(".")
                    or not (hija.is_dir() or hija.suffix.lower() == ".zip")
                ):
                    continue
                entregas.append(entrega_de_estudiante(hija, leccion, archivo, temporal))
        else:  # un .zip con la clase entera
            carpeta, problema = abrir(ruta, temporal)
            if problema:
                entregas.append(Entrega(nombre_de_estudiante(ruta.name), problema=problema))
                continue
            entregas += descubrir([carpeta], leccion, archivo, temporal, clase=True)
    return nombres_unicos(entregas)


def entrega_de_estudiante(ruta, leccion, archivo, temporal):
    """La entrega de un estudiante: su carpeta o su .zip (y, dentro, un .zip más como mucho)."""
    estudiante = nombre_de_estudiante(ruta.name)
    carpeta, problema = abrir(ruta, temporal)
    if problema:
        return Entrega(estudiante, problema=problema)
    ejercicio = buscar_ejercicio(carpeta, archivo, leccion, profundo=True)
    if ejercicio is None:  # la descarga de Moodle guarda el .zip que subió el estudiante tal cual
        for interior in sorted(carpeta.glob("*.zip")) + sorted(carpeta.glob("*.ZIP")):
            dentro, problema = abrir(interior, temporal)
            if problema:
                return Entrega(estudiante, problema=problema)
            ejercicio = buscar_ejercicio(dentro, archivo, leccion, profundo=True)
            if ejercicio:
                break
    if ejercicio is None:
        return Entrega(estudiante, problema=f"No se encontró {archivo} en la entrega.")
    return Entrega(estudiante, ejercicio)


def nombres_unicos(entregas):
    """Cada estudiante con un nombre propio: los repetidos reciben un sufijo (y un aviso)."""
    vistos = {}
    for entrega in entregas:
        base = entrega.estudiante
        vistos[base] = vistos.get(base, 0) + 1
        if vistos[base] > 1:
            entrega.estudiante = f"{base}-{vistos[base]}"
            entrega.aviso = f"Había otra entrega llamada «{base}»: esta se llama «{entrega.estudiante}»."
    return entregas


# ── Calificar ────────────────────────────────────────────────────────────────


def calificar_una(entrega, comprobaciones, limite, presupuesto=motor.PRESUPUESTO):
    """El documento de resultados de una entrega (su sesión la copia a una caja propia)."""
    if entrega.problema:
        return motor.documento_de_error(entrega.problema)
    return motor.comprobar(comprobaciones, entrega.carpeta, limite=limite, bifurcar=True, presupuesto=presupuesto)


def _trabajo(argumentos):
    return calificar_una(*argumentos)


def calificar(
    entregas,
    comprobaciones,
    trabajos=2,
    limite=motor.LIMITE_POR_COMPROBACION,
    al_terminar=None,
    presupuesto=motor.PRESUPUESTO,
):
    """Califica ``entregas`` con ``trabajos`` procesos en paralelo. Devuelve {estudiante: documento}."""
    motor.precargar()  # los procesos de trabajo lo heredan: cada entrega no paga el arranque de Flask
    motor.fabrica()  # antes de bifurcar los procesos de trabajo: la fábrica no ha visto ninguna entrega
    tareas = [(e, comprobaciones, limite, presupuesto) for e in entregas]
    resultados = {}
    if trabajos <= 1:
        for entrega, tarea in zip(entregas, tareas):
            resultados[entrega.estudiante] = _trabajo(tarea)
            if al_terminar:
                al_terminar(entrega, resultados[entrega.estudiante])
        return resultados
    with ProcessPoolExecutor(max_workers=trabajos, mp_context=get_context("fork")) as grupo:
        futuros = {grupo.submit(_trabajo, tarea): entrega for entrega, tarea in zip(entregas, tareas)}
        for futuro in as_completed(futuros):
            entrega = futuros[futuro]
            try:
                resultados[entrega.estudiante] = futuro.result()
            except Exception as e:  # un fallo del propio taller: la entrega queda sin calificar, las demás siguen
                resultados[entrega.estudiante] = motor.documento_de_error(f"Fallo del calificador: {e!r}")
            if al_terminar:
                al_terminar(entrega, resultados[entrega.estudiante])
    return resultados


# ── Lo que se escribe en --salida ────────────────────────────────────────────


def escribir(salida, leccion, resultados, formato="taller"):
    """Escribe calificaciones.csv, resultados/*.json, retroalimentacion/*.md (y gradescope/*/results.json)."""
    salida = Path(salida)
    for carpeta in ("resultados", "retroalimentacion"):
        (salida / carpeta).mkdir(parents=True, exist_ok=True)
    for estudiante, doc in resultados.items():
        (salida / "resultados" / f"{estudiante}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (salida / "retroalimentacion" / f"{estudiante}.md").write_text(
            retroalimentacion(leccion, estudiante, doc), encoding="utf-8"
        )
        if formato == "gradescope":
            destino = salida / "gradescope" / estudiante
            destino.mkdir(parents=True, exist_ok=True)
            (destino / "results.json").write_text(
                json.dumps(gradescope(doc), ensure_ascii=False, indent=2), encoding="utf-8"
            )
    escribir_csv(salida / "calificaciones.csv", resultados)


def modelo_de_columnas(resultados):
    """Las tareas y comprobaciones de la lección, del primer documento que las tenga."""
    for doc in resultados.values():
        if doc.get("tests"):
            return doc.get("tasks", []), [(p["id"], p["max_score"]) for p in doc["tests"]]
    return [], []


def porcentaje(doc):
    return round(100 * doc["score"] / doc["max_score"], 1) if doc.get("max_score") else 0.0


def celda(valor):
    """Una celda de CSV que ninguna hoja de cálculo ejecuta como fórmula (OWASP «CSV injection»)."""
    if not isinstance(valor, str):
        return valor
    valor = motor.limpiar(valor)
    return "'" + valor if valor[:1] in ("=", "+", "-", "@", "\t", "\r") else valor


def escribir_csv(archivo, resultados):
    """Una fila por estudiante; la primera fila de datos tiene los puntos posibles."""
    tareas, pruebas = modelo_de_columnas(resultados)
    maximo = sum(t["max_score"] for t in tareas)
    cabecera = [
        "estudiante",
        *[f"tarea {t['task_id']}: {t['name']}" for t in tareas],
        *[p for p, _ in pruebas],
        "total",
        "porcentaje",
        "estado",
        "mensaje",
    ]
    with open(archivo, "w", newline="", encoding="utf-8") as f:
        escritor = csv.writer(f)
        escritor.writerow([celda(c) for c in cabecera])
        escritor.writerow(
            ["(puntos posibles)", *[t["max_score"] for t in tareas], *[m for _, m in pruebas], maximo, 100.0, "", ""]
        )
        for estudiante in sorted(resultados):
            doc = resultados[estudiante]
            por_tarea = {t.get("task_id"): t.get("score", 0) for t in doc.get("tasks", [])}
            por_prueba = {p.get("id"): p.get("score", 0) for p in doc.get("tests", [])}
            escritor.writerow(
                [
                    celda(c)
                    for c in [
                        estudiante,
                        *[por_tarea.get(t["task_id"], 0) for t in tareas],
                        *[por_prueba.get(p, 0) for p, _ in pruebas],
                        doc.get("score", 0),
                        porcentaje(doc),
                        ESTADOS.get(doc.get("status"), "desconocido"),
                        primera_linea(doc.get("message")),
                    ]
                ]
            )


def primera_linea(texto):
    return (texto or "").strip().split("\n", 1)[0]


ESTADOS = {"pass": "todo correcto", "fail": "con fallos", "error": "no se pudo comprobar"}
SIMBOLOS = {"pass": "✔", "fail": "✘", "error": "✘", "skip": "–"}


def codigo_md(texto):
    """``texto`` (que viene del estudiante) como código en línea de Markdown: nunca se interpreta."""
    texto = motor.limpiar(texto or "").replace("\n", " ")
    comillas = "`" * (max((len(m) for m in re.findall(r"`+", texto)), default=0) + 1)
    relleno = " " if texto.startswith("`") or texto.endswith("`") or not texto.strip() else ""
    return f"{comillas}{relleno}{texto}{relleno}{comillas}"


def bloque_md(texto, sangria=""):
    """``texto`` como bloque de código cercado: ni Markdown ni HTML de la entrega llegan vivos al lector."""
    texto = motor.limpiar(texto or "")
    cerca = "`" * max(3, max((len(m) for m in re.findall(r"`+", texto)), default=0) + 1)
    return [f"{sangria}{cerca}text", *[f"{sangria}{linea}" for linea in texto.splitlines()], f"{sangria}{cerca}"]


def retroalimentacion(leccion, estudiante, doc):
    """La retroalimentación en Markdown que puede leer el estudiante (lo que viene de su código, como código)."""
    lineas = [
        f"# Lección {leccion.numero} · {leccion.titulo}",
        "",
        f"Estudiante: {codigo_md(estudiante)}",
        "",
        f"**Nota: {doc.get('score', 0)}/{doc.get('max_score', 0)} puntos ({porcentaje(doc):g} %)**",
        "",
    ]
    if doc.get("status") == "error":
        lineas += ["No se pudo comprobar tu entrega:", "", *bloque_md(doc.get("message")), ""]
    for tarea in doc.get("tasks", []):
        lineas += [f"## Tarea {tarea['task_id']} · {tarea['name']} ({tarea['score']}/{tarea['max_score']})", ""]
        for prueba in (p for p in doc.get("tests", []) if p.get("task_id") == tarea["task_id"]):
            oculta = " (comprobación oculta)" if prueba.get("hidden") else ""
            lineas.append(
                f"- {SIMBOLOS.get(prueba.get('status'), '?')} {prueba['name']}{oculta} "
                f"[{prueba['score']}/{prueba['max_score']}]"
            )
            if prueba.get("status") != "pass" and prueba.get("message") and not prueba.get("hidden"):
                lineas += ["", *bloque_md(prueba["message"], "  "), ""]
        lineas.append("")
    if doc.get("status") == "pass":
        lineas.append("¡Todo correcto!")
    return "\n".join(lineas) + "\n"


def gradescope(doc):
    """El results.json de Gradescope para un documento de resultados."""
    pruebas = []
    for numero, prueba in enumerate(doc["tests"], start=1):
        pruebas.append(
            {
                "name": prueba["name"],
                "number": f"{prueba['task_id'] or 0}.{numero}",
                "score": prueba["score"],
                "max_score": prueba["max_score"],
                "status": "passed" if prueba["status"] == "pass" else "failed",
                "output": "" if prueba.get("hidden") else (prueba["message"] or ""),
                "visibility": "after_published" if prueba.get("hidden") else "visible",
            }
        )
    return {"score": doc["score"], "output": doc["message"] or "", "visibility": "visible", "tests": pruebas}


def archivo_del_ejercicio(leccion):
    """El archivo que debe tener una entrega: ``api/__init__.py`` (el paquete), ``app.py`` o el primer .py."""
    if (leccion.ejercicio / "api" / "__init__.py").is_file():
        return "api/__init__.py"
    archivos = sorted(p.name for p in leccion.ejercicio.glob("*.py"))
    return "app.py" if "app.py" in archivos or not archivos else archivos[0]


def trabajos_por_defecto():
    return max(1, min(4, os.cpu_count() or 1))
