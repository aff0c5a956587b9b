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

Lo que se escribe vive en módulos propios: ``taller.libro`` (los CSV), ``taller.retro`` (la
retroalimentación en Markdown y HTML), ``taller.moodle`` (la hoja de calificación y el .zip de
retroalimentación que importa Moodle) y ``taller.parecidos`` (las señales de copia).
"""

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

from taller import libro, moodle, motor, parecidos, retro

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
    origen: str = ""  # el nombre de la carpeta o .zip tal cual (en Moodle lleva el ID de participante)


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
            hijas = [
                h
                for h in sorted(ruta.iterdir())
                if h.name not in IGNORADAS and not h.name.startswith(".") and (h.is_dir() or h.suffix.lower() == ".zip")
            ]
            for hija in sin_texto_repetido(hijas):
                entregas.append(entrega_de_estudiante(hija, leccion, archivo, temporal))
        else:  # un .zip con la clase entera
            carpeta, problema = abrir(ruta, temporal)
            if problema:
                entregas.append(Entrega(nombre_de_estudiante(ruta.name), problema=problema))
                continue
            entregas += descubrir([carpeta], leccion, archivo, temporal, clase=True)
    return nombres_unicos(entregas)


def sin_texto_repetido(hijas):
    """Las carpetas de una clase sin las ``_onlinetext_`` de quien también entregó archivos (Moodle hace las dos)."""
    con_archivos = {p[1] for p in (moodle.participante(h.name) for h in hijas) if p and p[2] != "onlinetext"}

    def repetida(hija):
        datos = moodle.participante(hija.name)
        return datos is not None and datos[2] == "onlinetext" and datos[1] in con_archivos

    return [h for h in hijas if not repetida(h)]


def entrega_de_estudiante(ruta, leccion, archivo, temporal):
    """La entrega de un estudiante: su carpeta o su .zip (y, dentro, un .zip más como mucho)."""
    estudiante = nombre_de_estudiante(ruta.name)
    entrega = preparar(ruta, estudiante, leccion, archivo, temporal)
    entrega.origen = ruta.name
    return entrega


def preparar(ruta, estudiante, leccion, archivo, temporal):
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
    if ejercicio is None and "_assignsubmission_onlinetext" in ruta.name:
        return Entrega(estudiante, problema=f"Solo hay texto en línea, sin archivos: no se encontró {archivo}.")
    if ejercicio is None:
        return Entrega(estudiante, problema=f"No se encontró {archivo} en la entrega.")
    return Entrega(estudiante, ejercicio)


def nombres_unicos(entregas):
    """Cada estudiante con un nombre propio: los repetidos reciben un sufijo (y un aviso)."""
    vistos: dict[str, int] = {}
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


def completar(resultados, modelo=None):
    """Da a las entregas que no se pudieron cargar el máximo real y las comprobaciones de la lección.

    Sin esto una entrega rota saldría con «0/0». El modelo es otro documento con comprobaciones
    (de esta clase o, si ninguna cargó, el del punto de partida); el formato no cambia: las
    comprobaciones aparecen como no ejecutadas (``skip``) y las tareas con 0 puntos.
    """
    modelo = modelo or libro.modelo(resultados)
    if modelo is None:
        return resultados
    for doc in resultados.values():
        if doc.get("tests") or doc.get("status") != "error":
            continue
        motivo = "No se ejecutó porque no se pudo cargar tu entrega."
        doc["tests"] = [{**p, "status": "skip", "score": 0, "message": motivo, "output": None} for p in modelo["tests"]]
        doc["tasks"] = [{**t, "score": 0} for t in modelo.get("tasks", [])]
        doc["max_score"] = modelo["max_score"]
    return resultados


def escribir(
    salida, leccion, resultados, formato="taller", hoja="es", entregas=(), moodle_hoja=None, moodle_maxima=100
):
    """Escribe los CSV, resultados/*.json, retroalimentacion/*.md y *.html (y gradescope/, y moodle/).

    Devuelve los avisos para el docente.
    """
    salida = Path(salida)
    avisos = []
    for carpeta in ("resultados", "retroalimentacion"):
        (salida / carpeta).mkdir(parents=True, exist_ok=True)
    paginas = {}
    for estudiante, doc in resultados.items():
        (salida / "resultados" / f"{estudiante}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (salida / "retroalimentacion" / f"{estudiante}.md").write_text(
            retro.retroalimentacion(leccion, estudiante, doc), encoding="utf-8"
        )
        paginas[estudiante] = retro.pagina_html(leccion, estudiante, doc)
        (salida / "retroalimentacion" / f"{estudiante}.html").write_text(paginas[estudiante], encoding="utf-8")
        if formato == "gradescope":
            destino = salida / "gradescope" / estudiante
            destino.mkdir(parents=True, exist_ok=True)
            (destino / "results.json").write_text(
                json.dumps(gradescope(doc), ensure_ascii=False, indent=2), encoding="utf-8"
            )
    libro.escribir(salida, resultados, hoja)
    ids = {}
    for entrega in entregas:
        datos = moodle.participante(entrega.origen)
        if datos:
            ids[entrega.estudiante] = (datos[0], datos[1])
    if ids or moodle_hoja:
        (salida / "moodle").mkdir(exist_ok=True)
        texto, avisos_moodle = moodle.hoja(resultados, ids, Path(moodle_hoja) if moodle_hoja else None, moodle_maxima)
        (salida / "moodle" / "hoja_de_calificacion.csv").write_text(texto, encoding="utf-8")
        moodle.zip_de_retroalimentacion(salida / "moodle" / "retroalimentacion.zip", paginas, ids)
        avisos += avisos_moodle
    return avisos


def escribir_parecidos(salida, leccion, entregas):
    """El informe de entregas parecidas (para el docente): parecidos.md. Devuelve los pares."""
    carpetas = {e.estudiante: e.carpeta for e in entregas if e.carpeta is not None}
    pares = parecidos.comparar(carpetas, leccion.solucion, leccion.ejercicio)
    Path(salida, "parecidos.md").write_text(parecidos.informe(pares, len(carpetas)), encoding="utf-8")
    return pares


# Lo que otros módulos ya usaban desde aquí.
celda, codigo_md, bloque_md = libro.celda, retro.codigo_md, retro.bloque_md
primera_linea, porcentaje, retroalimentacion = libro.primera_linea, retro.porcentaje, retro.retroalimentacion


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
