"""El motor de comprobación: ejecuta las comprobaciones de una lección contra un objetivo.

Las comprobaciones corren en un proceso hijo (``taller.ejecutor``) que envía cada
resultado por un tubo. El padre vigila el reloj desde fuera: si una comprobación
pasa de su límite, o el proceso muere (``os._exit``, una señal), el padre la da
por fallida con un mensaje claro y lanza otro hijo con las que faltan. El
código del estudiante nunca puede tumbar al motor ni esconder un resultado.

Este módulo no importa Flask ni pytest: arrancar ``taller`` es rápido.
"""

import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMITE_POR_COMPROBACION = 10.0  # segundos
LIMITE_ARRANQUE = 60.0  # segundos hasta recibir la lista de comprobaciones
LIMITE_ARCHIVOS = 64 * 1024 * 1024  # bytes que el hijo puede escribir en un archivo
LIMITE_MEMORIA = 2 * 1024 * 1024 * 1024  # bytes de memoria virtual del hijo
ESTRUCTURA = "test_estructura"
FALLO_DEL_TALLER = (
    "No se pudieron cargar las comprobaciones de la lección. "
    "Esto es un fallo del taller, no de tu código; avisa a quien lo mantiene.\n"
)


def carpeta_temporal():
    """Dónde crear las carpetas temporales: en memoria (/dev/shm) si se puede.

    Cada comprobación crea su base de datos SQLite; en disco, cada commit espera a un fsync.
    """
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def poner_limites():
    """Límites del proceso hijo (se ejecuta en el hijo justo antes de arrancar)."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMITE_ARCHIVOS, LIMITE_ARCHIVOS))
    resource.setrlimit(resource.RLIMIT_AS, (LIMITE_MEMORIA, LIMITE_MEMORIA))


class ProcesoBifurcado:
    """Un hijo creado con ``os.fork``: lo poco de la interfaz de ``Popen`` que usa el motor."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, estado = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(estado)
        return self.returncode

    def wait(self):
        if self.returncode is None:
            _, estado = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(estado)
        return self.returncode


def precargar():
    """Importa lo pesado (pytest, Flask, SQLAlchemy…) una vez, antes de bifurcar un hijo por entrega."""
    import importlib

    for nombre in ("pytest", "flask", "flask_sqlalchemy", "sqlalchemy", "flask_jwt_extended", "jwt", "bcrypt",
                   "requests", "hypothesis", "taller.plugin", "taller.ejecutor"):
        try:
            importlib.import_module(nombre)
        except ImportError:
            pass
    # Lo importado no se libera nunca: fuera del alcance del recolector, los gc.collect() de pytest
    # en cada hijo son baratos y no copian esas páginas de memoria (copy-on-write).
    gc.freeze()


def lanzar_hijo(carpeta, objetivo, ids, previos, temporal, entorno_extra, bifurcar=False):
    """Arranca el ejecutor; devuelve el proceso, el extremo de lectura del tubo y su registro.

    Con ``bifurcar=True`` el hijo es un ``os.fork`` de este proceso (rápido si se llamó antes
    a ``precargar``); si no, un intérprete nuevo (``python -m taller.ejecutor``).
    """
    lectura, escritura = os.pipe()
    archivo_previos = Path(temporal) / "previos.json"
    archivo_previos.write_text(json.dumps(previos), encoding="utf-8")
    entorno = {
        "TALLER_CANAL": str(escritura),
        "TALLER_PREVIOS": str(archivo_previos),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "TMPDIR": str(temporal),  # también las carpetas tmp_path de pytest
        **entorno_extra,
    }
    argumentos = [str(carpeta), str(objetivo), *ids]
    registro = open(Path(temporal) / "hijo.log", "w+b")
    if bifurcar:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # el hijo: nunca vuelve de aquí
            codigo = 70
            try:
                os.close(lectura)
                os.setsid()
                poner_limites()
                os.chdir(temporal)
                nulo = os.open(os.devnull, os.O_RDONLY)
                os.dup2(nulo, 0)
                os.dup2(registro.fileno(), 1)
                os.dup2(registro.fileno(), 2)
                os.environ.update(entorno)
                tempfile.tempdir = None  # que lea el TMPDIR nuevo
                from taller import ejecutor

                codigo = int(ejecutor.main(argumentos))
            finally:
                os._exit(codigo)
        proceso = ProcesoBifurcado(pid)
    else:
        proceso = subprocess.Popen(
            [sys.executable, "-m", "taller.ejecutor", *argumentos],
            pass_fds=(escritura,),
            env={**os.environ, **entorno},
            cwd=temporal,
            stdin=subprocess.DEVNULL,
            stdout=registro,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=poner_limites,
        )
    os.close(escritura)
    return proceso, lectura, registro


def detener(proceso):
    """Mata el proceso hijo y todo lo que haya lanzado."""
    try:
        os.killpg(proceso.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proceso.wait()


def eventos(proceso, lectura, limites):
    """Los eventos que envía el hijo; el último es ``fin`` (con su código) o ``tiempo``.

    ``limites(id)`` dice cuántos segundos puede durar la comprobación ``id``.
    """
    pendiente = b""
    plazo = time.monotonic() + LIMITE_ARRANQUE
    actual = None
    try:
        while True:
            restante = plazo - time.monotonic()
            if restante <= 0:
                detener(proceso)
                yield {"evento": "tiempo", "id": actual}
                return
            listo, _, _ = select.select([lectura], [], [], restante)
            if not listo:
                continue
            datos = os.read(lectura, 65536)
            if not datos:
                proceso.wait()
                yield {"evento": "fin", "codigo": proceso.returncode}
                return
            pendiente += datos
            *lineas, pendiente = pendiente.split(b"\n")
            for linea in lineas:
                evento = json.loads(linea)
                if evento["evento"] == "inicio":
                    actual = evento["id"]
                    plazo = time.monotonic() + limites(actual)
                elif evento["evento"] == "resultado":
                    actual = None
                    plazo = time.monotonic() + LIMITE_ARRANQUE
                yield evento
    finally:
        os.close(lectura)
        if proceso.poll() is None:
            detener(proceso)


def causa_de_salida(codigo):
    """Por qué terminó el proceso hijo, en palabras del estudiante."""
    if codigo is not None and codigo < 0:
        senal = -codigo
        if senal == signal.SIGXFSZ:
            return f"Tu código escribió demasiado (más de {LIMITE_ARCHIVOS // 2**20} MB) y el proceso se detuvo."
        if senal in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return f"El intérprete de Python se cayó ({signal.Signals(senal).name}) durante esta comprobación."
        if senal == signal.SIGKILL:
            return "El proceso se detuvo a la fuerza: quizá usó demasiada memoria."
        return f"El proceso recibió la señal {signal.Signals(senal).name} y se detuvo."
    return (
        f"El proceso terminó de golpe (código de salida {codigo}) durante esta comprobación. "
        "¿Llama tu código a os._exit() o sys.exit()? Una app nunca debe terminar el proceso."
    )


def cola_del_registro(registro, caracteres=1500):
    registro.seek(0)
    return registro.read().decode("utf-8", "replace")[-caracteres:]


def comprobar(carpeta, objetivo, limite=LIMITE_POR_COMPROBACION, ocultas=True, bifurcar=False):
    """Ejecuta las comprobaciones de ``carpeta`` contra ``objetivo`` y devuelve el documento de resultados.

    ``ocultas=False`` deja fuera las comprobaciones marcadas como ocultas (las del autocontrol
    del estudiante); ``bifurcar=True`` crea los hijos con ``os.fork`` (ver ``lanzar_hijo``).
    """
    carpeta, objetivo = Path(carpeta).resolve(), Path(objetivo).resolve()
    comprobaciones, tareas, resultados, sin_ejecutar = None, {}, {}, 0
    entorno = {} if ocultas else {"TALLER_SIN_OCULTAS": "1"}

    def limites(id_):
        propio = comprobaciones.get(id_, {}).get("limite") if comprobaciones else None
        return propio or limite

    with tempfile.TemporaryDirectory(prefix="taller-", dir=carpeta_temporal()) as temporal:
        ids = []
        while True:
            previos = {i: {"estado": r["estado"], "descripcion": comprobaciones[i]["descripcion"]}
                       for i, r in resultados.items()}
            proceso, lectura, registro = lanzar_hijo(carpeta, objetivo, ids, previos, temporal, entorno, bifurcar)
            with registro:
                actual, ultimo = None, None
                for evento in eventos(proceso, lectura, limites):
                    ultimo = evento
                    if evento["evento"] == "coleccion" and comprobaciones is None:
                        if evento["errores"] or not evento["comprobaciones"]:
                            return documento_de_error(FALLO_DEL_TALLER + "\n".join(evento["errores"]))
                        comprobaciones = {c["id"]: c for c in evento["comprobaciones"]}
                        tareas, sin_ejecutar = evento["tareas"], evento["ocultas_sin_ejecutar"]
                    elif evento["evento"] == "inicio":
                        actual = evento["id"]
                    elif evento["evento"] == "resultado":
                        resultados[evento["id"]] = evento
                        actual = None
                if comprobaciones is None:
                    return documento_de_error(FALLO_DEL_TALLER + cola_del_registro(registro))
                if actual is not None:
                    if ultimo["evento"] == "tiempo":
                        mensaje = (f"La comprobación no terminó en {limites(actual):g} s y se detuvo. "
                                   "¿Hay un bucle infinito o una espera sin fin en tu código?")
                    else:
                        mensaje = causa_de_salida(ultimo.get("codigo"))
                    resultados[actual] = {"estado": "error", "mensaje": mensaje, "salida": ""}
            faltan = [i for i in comprobaciones if i not in resultados]
            if not faltan:
                break
            if actual is None:  # el hijo terminó sin estar en ninguna comprobación: no insistir
                for i in faltan:
                    resultados[i] = {"estado": "error", "salida": "",
                                     "mensaje": "No llegó a ejecutarse: el proceso de comprobación terminó antes."}
                break
            ids = faltan
    return documento(comprobaciones, tareas, resultados, sin_ejecutar)


def documento_de_error(mensaje):
    """El documento de resultados cuando no se pudo comprobar nada."""
    return {"version": 3, "status": "error", "message": mensaje, "score": 0, "max_score": 0, "tests": [], "tasks": [],
            "hidden_not_run": 0}


def documento(comprobaciones, tareas, resultados, ocultas_sin_ejecutar=0):
    """El documento de resultados (campos de Exercism v3 más puntos, tareas y comprobaciones ocultas)."""
    pruebas = []
    for id_, c in comprobaciones.items():
        r = resultados[id_]
        pruebas.append({
            "id": c["nombre"],
            "name": c["descripcion"],
            "status": r["estado"],
            "message": r["mensaje"],
            "output": r["salida"] or None,
            "task_id": c["tarea"],
            "score": c["puntos"] if r["estado"] == "pass" else 0,
            "max_score": c["puntos"],
            "hidden": c["oculta"],
        })
    tareas_doc = []
    for numero in sorted({c["tarea"] for c in comprobaciones.values() if c["tarea"] is not None}):
        propias = [p for p in pruebas if p["task_id"] == numero]
        tareas_doc.append({
            "task_id": numero,
            "name": tareas.get(str(numero), f"Tarea {numero}"),
            "score": sum(p["score"] for p in propias),
            "max_score": sum(p["max_score"] for p in propias),
        })
    estructura = [p for id_, p in zip(comprobaciones, pruebas) if id_.endswith("::" + ESTRUCTURA)]
    if estructura and estructura[0]["status"] != "pass":
        estado, mensaje = "error", estructura[0]["message"]
    else:
        estado, mensaje = ("pass" if all(p["status"] == "pass" for p in pruebas) else "fail"), None
    return {
        "version": 3,
        "status": estado,
        "message": mensaje,
        "score": sum(p["score"] for p in pruebas),
        "max_score": sum(p["max_score"] for p in pruebas),
        "tests": pruebas,
        "tasks": tareas_doc,
        "hidden_not_run": ocultas_sin_ejecutar,
    }
