"""El motor de comprobación: ejecuta las comprobaciones de una lección contra un objetivo.

Tres clases de procesos, de más a menos confianza:

- este, el motor, que nunca importa ni las comprobaciones ni el objetivo;
- el de las comprobaciones (``taller.ejecutor``, pytest con ``taller.plugin``), que envía
  cada resultado por un tubo y habla con el objetivo solo a través del puente (``taller.puente``);
- el recinto (``taller.recinto``), en la jaula (``taller.jaula``): el único donde se ejecuta
  el código del estudiante. Lo que haga allí no llega al tubo de los resultados.

El motor vigila el reloj desde fuera: el límite de cada comprobación (que el proceso de
las comprobaciones ya aplica al recinto) y un presupuesto total por entrega; lo que no
se llegó a ejecutar se informa con el motivo.
"""

import atexit
import gc
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMITE_POR_COMPROBACION = 10.0  # segundos
PRESUPUESTO = 60.0  # segundos de reloj para todas las comprobaciones de una entrega
MARGEN = 5.0  # segundos más allá del límite de una comprobación antes de detener el proceso de comprobaciones
MAX_LANZAMIENTOS = 8  # procesos de comprobaciones que puede necesitar una entrega
LIMITE_ARRANQUE = 60.0  # segundos hasta recibir la lista de comprobaciones
LIMITE_ARCHIVOS = 64 * 1024 * 1024  # bytes que el hijo puede escribir en un archivo
ESTRUCTURA = "test_estructura"
FALLO_DEL_TALLER = (
    "No se pudieron cargar las comprobaciones de la lección. "
    "Esto es un fallo del taller, no de tu código; avisa a quien lo mantiene.\n"
)


def carpeta_temporal():
    """Dónde crear las carpetas temporales: en memoria (/dev/shm) si se puede.

    Cada comprobación crea su base de datos SQLite; en disco, cada commit espera a un fsync.
    """
    from taller import jaula

    return jaula.carpeta_temporal()


_fabrica = None


def fabrica():
    """La fábrica de recintos de este proceso; se crea la primera vez (antes de ver ninguna entrega)."""
    global _fabrica
    from taller import jaula

    if _fabrica is None:
        nueva = _fabrica = jaula.Fabrica()
        creador = os.getpid()

        def cerrar() -> None:  # solo en el proceso que la creó, no en los hijos bifurcados que salen
            if os.getpid() == creador:
                nueva.cerrar()

        atexit.register(cerrar)
    return _fabrica


def usa_navegador(carpeta):
    """Si las comprobaciones de ``carpeta`` abren Chromium (la fixture ``navegador``)."""
    return any("navegador" in a.read_text(encoding="utf-8") for a in Path(carpeta).glob("test_*.py"))


def servicios_de(carpeta):
    """Los servicios que piden las comprobaciones de ``carpeta`` (un Redis propio si usan ``redis_de_prueba``)."""
    return (
        ["redis"]
        if any("redis_de_prueba" in a.read_text(encoding="utf-8") for a in Path(carpeta).glob("test_*.py"))
        else []
    )


def poner_limites():
    """Límites del proceso de las comprobaciones (se ejecuta en el hijo justo antes de arrancar).

    Ese proceso ya no ejecuta código del estudiante (vive en su recinto, con sus propios límites):
    solo se acota lo que escribe en un archivo. Sin límite de memoria virtual, porque un Chromium
    de las comprobaciones de navegador reserva decenas de GB de memoria virtual al arrancar.
    """
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMITE_ARCHIVOS, LIMITE_ARCHIVOS))


def olvidar_asyncio():
    """En un hijo bifurcado, sin el bucle de asyncio del padre (p. ej. el de su Playwright, que seguiría
    «en marcha» y haría fallar el Playwright de las comprobaciones de navegador)."""
    import asyncio

    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


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

    for nombre in (
        "pytest",
        "flask",
        "flask_sqlalchemy",
        "sqlalchemy",
        "flask_jwt_extended",
        "jwt",
        "bcrypt",
        "requests",
        "hypothesis",
        "redis",
        "flask_limiter",
        "taller.plugin",
        "taller.ejecutor",
        "taller.recinto",
    ):
        try:
            importlib.import_module(nombre)
        except ImportError:
            pass
    # Lo importado no se libera nunca: fuera del alcance del recolector, los gc.collect() de pytest
    # en cada hijo son baratos y no copian esas páginas de memoria (copy-on-write).
    gc.freeze()


def lanzar_hijo(carpeta, objetivo, ids, previos, temporal, entorno_extra, bifurcar=False, heredar=()):
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
                olvidar_asyncio()
                from taller import ejecutor

                codigo = int(ejecutor.main(argumentos))
            finally:
                os._exit(codigo)
        proceso: ProcesoBifurcado | subprocess.Popen[bytes] = ProcesoBifurcado(pid)
    else:
        proceso = subprocess.Popen(
            [sys.executable, "-m", "taller.ejecutor", *argumentos],
            pass_fds=(escritura, *heredar),
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
    """Mata el proceso de comprobaciones (el recinto muere con él: pierde su salvavidas)."""
    try:
        os.killpg(proceso.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proceso.wait()


ESTADOS_VALIDOS = {"pass", "fail", "error", "skip"}


def evento_valido(evento):
    """Un evento del proceso de comprobaciones con la forma esperada, o None."""
    if not isinstance(evento, dict) or evento.get("evento") not in ("coleccion", "inicio", "resultado"):
        return None
    if evento["evento"] in ("inicio", "resultado") and not isinstance(evento.get("id"), str):
        return None
    if evento["evento"] == "resultado" and (
        evento.get("estado") not in ESTADOS_VALIDOS
        or not isinstance(evento.get("mensaje"), (str, type(None)))
        or not isinstance(evento.get("salida"), str)
    ):
        return None
    return evento


def eventos(proceso, lectura, limites, fin_del_presupuesto):
    """Los eventos que envía el hijo; el último es ``fin`` (con su código), ``tiempo`` o ``presupuesto``.

    ``limites(id)`` dice cuántos segundos puede durar la comprobación ``id``.
    """
    pendiente = b""
    plazo = time.monotonic() + LIMITE_ARRANQUE
    actual = None
    try:
        while True:
            ahora = time.monotonic()
            if ahora >= fin_del_presupuesto:
                detener(proceso)
                yield {"evento": "presupuesto", "id": actual}
                return
            if ahora >= plazo:
                detener(proceso)
                yield {"evento": "tiempo", "id": actual}
                return
            listo, _, _ = select.select([lectura], [], [], min(plazo, fin_del_presupuesto) - ahora)
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
                try:
                    evento = evento_valido(json.loads(linea))
                except ValueError:
                    evento = None
                if evento is None:
                    continue
                if evento["evento"] == "inicio":
                    actual = evento["id"]
                    plazo = time.monotonic() + limites(actual) + MARGEN
                elif evento["evento"] == "resultado":
                    actual = None
                    plazo = time.monotonic() + LIMITE_ARRANQUE
                yield evento
    finally:
        os.close(lectura)
        if proceso.poll() is None:
            detener(proceso)


def causa_de_salida(codigo):
    """Por qué terminó el proceso de comprobaciones (un fallo del taller: el código del estudiante no corre ahí)."""
    return (
        f"El proceso de las comprobaciones terminó de forma inesperada (código {codigo}). "
        "Es un fallo del taller, no de tu código; avisa a quien lo mantiene."
    )


def cola_del_registro(registro, caracteres=1500):
    registro.seek(0)
    return registro.read().decode("utf-8", "replace")[-caracteres:]


class Ejecucion:
    """Lo que se sabe de las comprobaciones de una entrega mientras se ejecutan (uno o varios intentos)."""

    def __init__(self, limite: float, presupuesto: float) -> None:
        self.limite, self.presupuesto = limite, presupuesto
        self.fin_del_presupuesto = time.monotonic() + presupuesto
        self.comprobaciones: dict[str, dict] = {}  # id → metadatos (vacío hasta el evento «coleccion»)
        self.tareas: dict[str, str] = {}
        self.ocultas_sin_ejecutar = 0
        self.resultados: dict[str, dict] = {}

    def limite_de(self, id_: str | None) -> float:
        return self.comprobaciones.get(id_ or "", {}).get("limite") or self.limite

    def previos(self) -> dict[str, dict]:
        """Lo ya comprobado, para que un proceso nuevo no lo repita (y respete las dependencias)."""
        return {
            i: {"estado": r["estado"], "descripcion": self.comprobaciones[i]["descripcion"]}
            for i, r in self.resultados.items()
        }

    def anotar(self, id_: str, estado: str, mensaje: str) -> None:
        self.resultados[id_] = {"estado": estado, "mensaje": mensaje, "salida": ""}

    def agotar_presupuesto(self, actual: str | None) -> None:
        """Se acabó el tiempo de la entrega: la que estaba en marcha es un error; las demás, no ejecutadas."""
        if actual in self.comprobaciones:
            self.anotar(
                actual,
                "error",
                f"La comprobación seguía en marcha cuando se agotó el tiempo total ({self.presupuesto:g} s).",
            )
        motivo = (
            f"No se ejecutó: se agotó el tiempo total para tu entrega ({self.presupuesto:g} s). ¿Se cuelgan tus rutas?"
        )
        for i in self.comprobaciones:
            self.resultados.setdefault(i, {"estado": "skip", "mensaje": motivo, "salida": ""})

    def interrumpida(self, actual: str, ultimo: dict) -> None:
        """La comprobación ``actual`` no envió su resultado: se pasó de tiempo o el proceso murió."""
        if ultimo["evento"] == "tiempo":
            mensaje = (
                f"La comprobación no terminó en {self.limite_de(actual):g} s y se detuvo. "
                "¿Hay un bucle infinito o una espera sin fin en tu código?"
            )
        else:
            mensaje = causa_de_salida(ultimo.get("codigo"))
        self.anotar(actual, "error", mensaje)

    def pendientes(self) -> list[str]:
        return [i for i in self.comprobaciones if i not in self.resultados]


def comprobar(carpeta, objetivo, limite=LIMITE_POR_COMPROBACION, ocultas=True, bifurcar=False, presupuesto=PRESUPUESTO):
    """Ejecuta las comprobaciones de ``carpeta`` contra ``objetivo`` y devuelve el documento de resultados.

    ``ocultas=False`` deja fuera las comprobaciones marcadas como ocultas (las del autocontrol
    del estudiante); ``bifurcar=True`` crea los hijos con ``os.fork`` (ver ``lanzar_hijo``);
    ``presupuesto``: segundos de reloj para toda la entrega.
    """
    carpeta, objetivo = Path(carpeta).resolve(), Path(objetivo).resolve()
    ejecucion = Ejecucion(limite, presupuesto)
    if usa_navegador(carpeta):  # Playwright no sobrevive a un fork (su bucle y su proceso son del padre)
        bifurcar = False
    try:
        sesion = fabrica().sesion(objetivo, servicios_de(carpeta))
    except OSError as e:
        return documento_de_error(f"No se pudo preparar la entrega: {e}")
    os.set_inheritable(sesion.conexion.fileno(), True)
    entorno = {
        "TALLER_SESION": json.dumps({"fd": sesion.conexion.fileno(), "info": sesion.info}),
        "TALLER_LIMITE": str(limite),
    }
    if not ocultas:
        entorno["TALLER_SIN_OCULTAS"] = "1"

    with sesion.conexion, tempfile.TemporaryDirectory(prefix="taller-", dir=carpeta_temporal()) as temporal:
        ids: list[str] = []
        for _ in range(MAX_LANZAMIENTOS):
            proceso, lectura, registro = lanzar_hijo(
                carpeta,
                objetivo,
                ids,
                ejecucion.previos(),
                temporal,
                entorno,
                bifurcar,
                heredar=(sesion.conexion.fileno(),),
            )
            with registro:
                actual, ultimo = None, {"evento": "fin", "codigo": None}
                for evento in eventos(proceso, lectura, ejecucion.limite_de, ejecucion.fin_del_presupuesto):
                    ultimo = evento
                    if evento["evento"] == "coleccion" and not ejecucion.comprobaciones:
                        if evento.get("errores") or not evento.get("comprobaciones"):
                            return documento_de_error(FALLO_DEL_TALLER + "\n".join(evento.get("errores") or []))
                        ejecucion.comprobaciones = {c["id"]: c for c in evento["comprobaciones"]}
                        ejecucion.tareas = evento["tareas"]
                        ejecucion.ocultas_sin_ejecutar = evento["ocultas_sin_ejecutar"]
                    elif evento["evento"] == "inicio":
                        actual = evento["id"]
                    elif evento["evento"] == "resultado" and evento["id"] in ejecucion.comprobaciones:
                        ejecucion.resultados[evento["id"]] = evento
                        actual = None
                if not ejecucion.comprobaciones:
                    if ultimo["evento"] == "presupuesto":
                        return documento_de_error(f"Se agotó el tiempo total ({presupuesto:g} s) antes de empezar.")
                    return documento_de_error(FALLO_DEL_TALLER + cola_del_registro(registro))
                if ultimo["evento"] == "presupuesto":
                    ejecucion.agotar_presupuesto(actual)
                    break
                if actual is not None and actual in ejecucion.comprobaciones:
                    ejecucion.interrumpida(actual, ultimo)
            ids = ejecucion.pendientes()
            if not ids:
                break
            if actual is None:  # el hijo terminó sin estar en ninguna comprobación: no insistir
                for i in ids:
                    ejecucion.anotar(i, "error", "No llegó a ejecutarse: el proceso de comprobación terminó antes.")
                break
        for i in ejecucion.pendientes():
            ejecucion.anotar(i, "error", "No llegó a ejecutarse.")
    return documento(ejecucion.comprobaciones, ejecucion.tareas, ejecucion.resultados, ejecucion.ocultas_sin_ejecutar)


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def limpiar(texto):
    """El texto sin caracteres de control (ni escapes de terminal, ni cambios de dirección): solo \\n y \\t."""
    if not isinstance(texto, str):
        return texto
    return CONTROL.sub("", texto.replace("\r\n", "\n"))


def documento_de_error(mensaje):
    """El documento de resultados cuando no se pudo comprobar nada."""
    return {
        "version": 3,
        "status": "error",
        "message": limpiar(mensaje),
        "score": 0,
        "max_score": 0,
        "tests": [],
        "tasks": [],
        "hidden_not_run": 0,
    }


def documento(comprobaciones, tareas, resultados, ocultas_sin_ejecutar=0):
    """El documento de resultados (campos de Exercism v3 más puntos, tareas y comprobaciones ocultas)."""
    pruebas = []
    for id_, c in comprobaciones.items():
        r = resultados[id_]
        pruebas.append(
            {
                "id": c["nombre"],
                "name": c["descripcion"],
                "status": r["estado"],
                "message": limpiar(r["mensaje"]),
                "output": limpiar(r["salida"]) or None,
                "task_id": c["tarea"],
                "score": c["puntos"] if r["estado"] == "pass" else 0,
                "max_score": c["puntos"],
                "hidden": c["oculta"],
            }
        )
    tareas_doc = []
    for numero in sorted({c["tarea"] for c in comprobaciones.values() if c["tarea"] is not None}):
        propias = [p for p in pruebas if p["task_id"] == numero]
        tareas_doc.append(
            {
                "task_id": numero,
                "name": tareas.get(str(numero), f"Tarea {numero}"),
                "score": sum(p["score"] for p in propias),
                "max_score": sum(p["max_score"] for p in propias),
            }
        )
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
