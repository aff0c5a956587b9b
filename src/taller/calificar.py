"""Calificar una clase entera: muchas entregas de una lección, cada una aislada.

Una ENTREGA es una carpeta o un .zip:
- si contiene el archivo del ejercicio (``app.py``…, en su raíz o en
  ``lessons/NN_slug/ejercicio/``), es la entrega de un estudiante, que se llama como ella;
- si no, es una clase: cada subcarpeta o .zip que contiene (la descarga de Moodle, por
  ejemplo) es la entrega de un estudiante, y el archivo se busca dentro a cualquier profundidad.

Cada entrega se copia a una carpeta temporal propia y se comprueba en su propio proceso,
con límites de tiempo, memoria y salida (``taller.motor``). Nada de lo que haga una entrega
detiene la calificación de las demás.
"""

import csv
import json
import os
import re
import shutil
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from taller import motor

IGNORADAS = {"__MACOSX", ".git", "__pycache__", ".venv", "venv", "node_modules", "instance", ".pytest_cache"}
MAX_BYTES_ZIP = 100 * 1024 * 1024
MAX_ARCHIVOS_ZIP = 5000


@dataclass
class Entrega:
    """La entrega de un estudiante: la carpeta con su ejercicio, o por qué no se pudo preparar."""

    estudiante: str
    carpeta: Path | None = None
    problema: str | None = None


# ── Encontrar las entregas ───────────────────────────────────────────────────


def nombre_de_estudiante(nombre):
    """El identificador del estudiante a partir del nombre de su carpeta o .zip."""
    nombre = re.sub(r"\.zip$", "", nombre, flags=re.IGNORECASE)
    nombre = re.sub(r"_assignsubmission_.*$", "", nombre)  # sufijo de las descargas de Moodle
    return re.sub(r"[^\w .@-]", "_", nombre).strip() or "sin_nombre"


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
    encontrados = [
        p.parent for p in carpeta.rglob(archivo)
        if p.is_file() and not IGNORADAS.intersection(p.relative_to(carpeta).parts)
    ]
    return min(encontrados, key=lambda p: (len(p.parts), str(p))) if encontrados else None


def abrir(ruta, temporal):
    """La carpeta de ``ruta``: ella misma, o su .zip extraído en ``temporal``. Devuelve (carpeta, problema)."""
    if ruta.is_dir():
        return ruta, None
    destino = Path(tempfile.mkdtemp(prefix="zip-", dir=temporal))
    return destino, extraer_zip(ruta, destino)


def ejercicio_de_una_entrega(carpeta, archivo, leccion):
    """Si ``carpeta`` es la entrega de un solo estudiante, la carpeta de su ejercicio; si no, None.

    Lo es si tiene el archivo en su raíz (o en lessons/NN_slug/ejercicio/), o si solo contiene
    una carpeta que lo tiene (un .zip que envuelve el proyecto en una carpeta).
    """
    if encontrado := buscar_ejercicio(carpeta, archivo, leccion, profundo=False):
        return encontrado
    contenido = [p for p in carpeta.iterdir() if p.name not in IGNORADAS and not p.name.startswith(".")]
    if len(contenido) == 1 and contenido[0].is_dir():
        return buscar_ejercicio(contenido[0], archivo, leccion, profundo=False)
    return None


def descubrir(rutas, leccion, archivo, temporal):
    """Las entregas que hay en ``rutas`` (carpetas y .zip)."""
    entregas = []
    for ruta in map(Path, rutas):
        if not ruta.exists():
            entregas.append(Entrega(nombre_de_estudiante(ruta.name), problema=f"No existe {ruta}."))
            continue
        carpeta, problema = abrir(ruta, temporal)
        if problema:
            entregas.append(Entrega(nombre_de_estudiante(ruta.name), problema=problema))
        elif ejercicio := ejercicio_de_una_entrega(carpeta, archivo, leccion):
            entregas.append(Entrega(nombre_de_estudiante(ruta.name), ejercicio))
        else:
            for hija in sorted(carpeta.iterdir()):
                if hija.name in IGNORADAS or hija.name.startswith(".") or not (
                        hija.is_dir() or hija.suffix.lower() == ".zip"):
                    continue
                entregas.append(entrega_de_estudiante(hija, leccion, archivo, temporal))
    return nombres_unicos(entregas)


def entrega_de_estudiante(ruta, leccion, archivo, temporal):
    estudiante = nombre_de_estudiante(ruta.name)
    carpeta, problema = abrir(ruta, temporal)
    if problema:
        return Entrega(estudiante, problema=problema)
    ejercicio = buscar_ejercicio(carpeta, archivo, leccion, profundo=True)
    if ejercicio is None:
        return Entrega(estudiante, problema=f"No se encontró {archivo} en la entrega.")
    return Entrega(estudiante, ejercicio)


def nombres_unicos(entregas):
    vistos = {}
    for entrega in entregas:
        base = entrega.estudiante
        vistos[base] = vistos.get(base, 0) + 1
        if vistos[base] > 1:
            entrega.estudiante = f"{base}-{vistos[base]}"
    return entregas


# ── Calificar ────────────────────────────────────────────────────────────────


def calificar_una(entrega, comprobaciones, limite):
    """El documento de resultados de una entrega, comprobada sobre una copia propia."""
    if entrega.problema:
        return motor.documento_de_error(entrega.problema)
    with tempfile.TemporaryDirectory(prefix="entrega-", dir=motor.carpeta_temporal()) as temporal:
        copia = Path(temporal) / "entrega"
        shutil.copytree(entrega.carpeta, copia, symlinks=False, ignore=shutil.ignore_patterns(*IGNORADAS))
        return motor.comprobar(comprobaciones, copia, limite=limite, bifurcar=True)


def _trabajo(argumentos):
    return calificar_una(*argumentos)


def calificar(entregas, comprobaciones, trabajos=2, limite=motor.LIMITE_POR_COMPROBACION, al_terminar=None):
    """Califica ``entregas`` con ``trabajos`` procesos en paralelo. Devuelve {estudiante: documento}."""
    motor.precargar()  # los procesos de trabajo lo heredan: cada entrega no paga el arranque de Flask
    tareas = [(e, comprobaciones, limite) for e in entregas]
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
            json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        (salida / "retroalimentacion" / f"{estudiante}.md").write_text(
            retroalimentacion(leccion, estudiante, doc), encoding="utf-8")
        if formato == "gradescope":
            destino = salida / "gradescope" / estudiante
            destino.mkdir(parents=True, exist_ok=True)
            (destino / "results.json").write_text(json.dumps(gradescope(doc), ensure_ascii=False, indent=2),
                                                  encoding="utf-8")
    escribir_csv(salida / "calificaciones.csv", resultados)


def modelo_de_columnas(resultados):
    """Las tareas y comprobaciones de la lección, del primer documento que las tenga."""
    for doc in resultados.values():
        if doc["tests"]:
            return doc["tasks"], [(p["id"], p["max_score"]) for p in doc["tests"]]
    return [], []


def porcentaje(doc):
    return round(100 * doc["score"] / doc["max_score"], 1) if doc["max_score"] else 0.0


def escribir_csv(archivo, resultados):
    """Una fila por estudiante; la primera fila de datos tiene los puntos posibles."""
    tareas, pruebas = modelo_de_columnas(resultados)
    maximo = sum(t["max_score"] for t in tareas)
    cabecera = ["estudiante", *[f"tarea {t['task_id']}: {t['name']}" for t in tareas], *[p for p, _ in pruebas],
                "total", "porcentaje", "estado", "mensaje"]
    with open(archivo, "w", newline="", encoding="utf-8") as f:
        escritor = csv.writer(f)
        escritor.writerow(cabecera)
        escritor.writerow(["(puntos posibles)", *[t["max_score"] for t in tareas], *[m for _, m in pruebas],
                           maximo, 100.0, "", ""])
        for estudiante in sorted(resultados):
            doc = resultados[estudiante]
            por_tarea = {t["task_id"]: t["score"] for t in doc["tasks"]}
            por_prueba = {p["id"]: p["score"] for p in doc["tests"]}
            escritor.writerow([
                estudiante,
                *[por_tarea.get(t["task_id"], 0) for t in tareas],
                *[por_prueba.get(p, 0) for p, _ in pruebas],
                doc["score"], porcentaje(doc), ESTADOS[doc["status"]], primera_linea(doc["message"]),
            ])


def primera_linea(texto):
    return (texto or "").strip().split("\n", 1)[0]


ESTADOS = {"pass": "todo correcto", "fail": "con fallos", "error": "no se pudo comprobar"}
SIMBOLOS = {"pass": "✔", "fail": "✘", "error": "✘", "skip": "–"}


def retroalimentacion(leccion, estudiante, doc):
    """La retroalimentación en Markdown que puede leer el estudiante."""
    lineas = [f"# Lección {leccion.numero} · {leccion.titulo}", "", f"Estudiante: {estudiante}", "",
              f"**Nota: {doc['score']}/{doc['max_score']} puntos ({porcentaje(doc):g} %)**", ""]
    if doc["status"] == "error":
        lineas += ["No se pudo comprobar tu entrega:", "", *[f"> {l}" for l in (doc["message"] or "").splitlines()], ""]
    for tarea in doc["tasks"]:
        lineas += [f"## Tarea {tarea['task_id']} · {tarea['name']} ({tarea['score']}/{tarea['max_score']})", ""]
        for prueba in (p for p in doc["tests"] if p["task_id"] == tarea["task_id"]):
            oculta = " (comprobación oculta)" if prueba.get("hidden") else ""
            lineas.append(f"- {SIMBOLOS[prueba['status']]} {prueba['name']}{oculta} "
                          f"[{prueba['score']}/{prueba['max_score']}]")
            if prueba["status"] != "pass" and prueba["message"] and not prueba.get("hidden"):
                lineas += [f"  > {l}" for l in prueba["message"].splitlines()]
        lineas.append("")
    if doc["status"] == "pass":
        lineas.append("¡Todo correcto!")
    return "\n".join(lineas) + "\n"


def gradescope(doc):
    """El results.json de Gradescope para un documento de resultados."""
    pruebas = []
    for numero, prueba in enumerate(doc["tests"], start=1):
        pruebas.append({
            "name": prueba["name"],
            "number": f"{prueba['task_id'] or 0}.{numero}",
            "score": prueba["score"],
            "max_score": prueba["max_score"],
            "status": "passed" if prueba["status"] == "pass" else "failed",
            "output": "" if prueba.get("hidden") else (prueba["message"] or ""),
            "visibility": "after_published" if prueba.get("hidden") else "visible",
        })
    return {"score": doc["score"], "output": doc["message"] or "", "visibility": "visible", "tests": pruebas}


def archivo_del_ejercicio(leccion):
    """El archivo que debe tener una entrega: el primer .py del ejercicio (``app.py`` en casi todas)."""
    archivos = sorted(p.name for p in leccion.ejercicio.glob("*.py"))
    return "app.py" if "app.py" in archivos or not archivos else archivos[0]


def trabajos_por_defecto():
    return max(1, min(4, os.cpu_count() or 1))
