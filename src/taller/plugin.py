"""Plugin de pytest del taller: fixtures de las comprobaciones, dependencias y mensajes.

Funciona igual con ``pytest checks/01_api_rest --objetivo solutions/01_api_rest``
que dentro del motor (``taller comprobar``); en ese caso, además, envía cada
resultado al proceso padre por el descriptor de archivo ``TALLER_CANAL``.
"""

import json
import os
import secrets
import time
from pathlib import Path

import pytest

from taller import cargador, jaula, protocolo
from taller.cargador import ErrorDeCarga, linea_del_error
from taller.comprobaciones import Cliente, FalloDeComprobacion
from taller.jaula import Sesion
from taller.navegador import navegador  # noqa: F401  (fixture)
from taller.puente import Espia, FabricaRemota, ModuloRemoto, Puente

ESTRUCTURA = "test_estructura"
LIMITE_POR_DEFECTO = 10.0  # segundos de una comprobación
LIMITE_SALIDA = 1000  # caracteres de la salida del estudiante que se guardan por comprobación
CLAVE_ESTADO = pytest.StashKey["Estado"]()


def pytest_addoption(parser):
    parser.addoption(
        "--objetivo",
        default=os.environ.get("TALLER_OBJETIVO"),
        help="carpeta con el app.py que se comprueba (por defecto, el ejercicio de la lección)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "comprobacion(tarea, puntos, depende_de, limite): comprobación del taller")
    config.stash[CLAVE_ESTADO] = Estado()


def pytest_unconfigure(config):
    estado = config.stash.get(CLAVE_ESTADO, None)
    if estado is not None:
        estado.cerrar()


class Estado:
    """Lo que el plugin recuerda durante una ejecución."""

    def __init__(self):
        self.resultados = {}  # id de la comprobación → "pass" | "fail" | "error" | "skip"
        self.descripciones = {}  # id → frase del docstring
        self.informes = {}  # id → datos del resultado que se están reuniendo
        self.errores_de_coleccion = []
        self.ocultas_sin_ejecutar = 0
        previos = os.environ.get("TALLER_PREVIOS")
        if previos:  # lo que ya se comprobó en un proceso anterior que se detuvo
            for id_, previo in json.loads(Path(previos).read_text(encoding="utf-8")).items():
                self.resultados[id_] = previo["estado"]
                self.descripciones[id_] = previo["descripcion"]
        canal = os.environ.get("TALLER_CANAL")
        self.canal = os.fdopen(int(canal), "w", encoding="utf-8", buffering=1) if canal else None
        self.limite = float(os.environ.get("TALLER_LIMITE", LIMITE_POR_DEFECTO))
        self.sesiones = {}  # carpeta del objetivo → Sesion con la fábrica de recintos
        self.puentes = {}  # (objetivo, tipo, ruta) → Puente
        self.activos = []  # los puentes que usa la comprobación en curso
        self.plazo = None  # cuándo vence la comprobación en curso (time.monotonic)
        self.fabrica = None

    def sesion_para(self, objetivo):
        """La sesión de la fábrica para ``objetivo``: la que abrió el motor o, con pytest a secas, una propia."""
        clave = str(objetivo)
        if clave not in self.sesiones:
            heredada = os.environ.get("TALLER_SESION")
            if heredada:
                datos = json.loads(heredada)
                import socket

                conexion = socket.socket(fileno=int(datos["fd"]))
                self.sesiones[clave] = Sesion(conexion, datos["info"])
            else:  # pytest checks/NN --objetivo DIR (quien mantiene el taller): sin motor
                if self.fabrica is None:
                    self.fabrica = jaula.Fabrica()
                self.sesiones[clave] = self.fabrica.sesion(Path(objetivo), servicios=["redis"])
        return self.sesiones[clave]

    def limite_de(self, item):
        marca = item.get_closest_marker("comprobacion")
        return (marca.kwargs.get("limite") if marca else None) or self.limite

    def cerrar(self):
        for puente in self.puentes.values():
            puente.matar()
        if self.fabrica is not None:
            for sesion in self.sesiones.values():
                sesion.conexion.close()
            self.fabrica.cerrar()

    def enviar(self, evento):
        if self.canal:
            self.canal.write(json.dumps(evento, ensure_ascii=False) + "\n")
            self.canal.flush()


def estado_de(config):
    return config.stash[CLAVE_ESTADO]


# ── Metadatos de cada comprobación ───────────────────────────────────────────


def descripcion(item):
    """La frase que lee el estudiante: la primera línea del docstring."""
    doc = (item.function.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else item.name


def metadatos(item):
    marca = item.get_closest_marker("comprobacion")
    datos = marca.kwargs if marca else {}
    return {
        "id": item.nodeid,
        "nombre": item.name,
        "descripcion": descripcion(item),
        "tarea": datos.get("tarea"),
        "puntos": datos.get("puntos", 1),
        "oculta": datos.get("oculta", False),
        "limite": datos.get("limite"),
        "depende_de": list(dependencias(item)),
    }


def dependencias(item):
    """Los ids de las comprobaciones que deben pasar antes que ``item``.

    Toda comprobación que usa el objetivo (las fixtures ``fabrica`` o ``modulo``) depende
    de ``test_estructura`` si su archivo la tiene.
    """
    marca = item.get_closest_marker("comprobacion")
    nombres = list(marca.kwargs.get("depende_de", ())) if marca else []
    archivo = item.nodeid.split("::")[0]
    usa_el_objetivo = "fabrica" in item.fixturenames or "modulo" in item.fixturenames
    if item.name != ESTRUCTURA and usa_el_objetivo and hasattr(item.module, ESTRUCTURA):
        nombres.insert(0, ESTRUCTURA)
    return [f"{archivo}::{nombre}" for nombre in nombres]


def tareas_de(items):
    """Los títulos de las tareas, del diccionario ``TAREAS`` de cada archivo de comprobaciones."""
    tareas = {}
    for item in items:
        for numero, titulo in getattr(item.module, "TAREAS", {}).items():
            tareas[str(numero)] = titulo
    return tareas


def pytest_collectreport(report):
    """Un archivo de comprobaciones que no se puede cargar es un fallo del taller: se anota."""
    if report.failed:
        estado = estado_de_sesion()
        if estado:
            estado.errores_de_coleccion.append(str(report.longrepr)[-1500:])


def es_comprobacion(item):
    """Solo las pruebas marcadas con @comprobacion son del taller (no las de tests/ ni los cuadernos)."""
    return item.get_closest_marker("comprobacion") is not None


def es_oculta(item):
    marca = item.get_closest_marker("comprobacion")
    return bool(marca and marca.kwargs.get("oculta"))


def pytest_collection_modifyitems(session, config, items):
    """Con ``TALLER_SIN_OCULTAS`` (el autocontrol del estudiante) las comprobaciones ocultas no se ejecutan."""
    estado = estado_de(config)
    if os.environ.get("TALLER_SIN_OCULTAS"):
        ocultas = [item for item in items if es_comprobacion(item) and es_oculta(item)]
        estado.ocultas_sin_ejecutar = len(ocultas)
        if ocultas:
            config.hook.pytest_deselected(items=ocultas)
            items[:] = [item for item in items if item not in ocultas]


def pytest_collection_finish(session):
    estado = estado_de(session.config)
    items = [item for item in session.items if es_comprobacion(item)]
    for item in items:
        estado.descripciones[item.nodeid] = descripcion(item)
    estado.enviar(
        {
            "evento": "coleccion",
            "comprobaciones": [metadatos(item) for item in items],
            "tareas": tareas_de(items),
            "errores": estado.errores_de_coleccion,
            "ocultas_sin_ejecutar": estado.ocultas_sin_ejecutar,
        }
    )


_configuracion: list[pytest.Config] = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _configuracion[:] = [session.config]


def estado_de_sesion():
    """El estado de la sesión en curso (los hooks de colección no reciben la configuración)."""
    return estado_de(_configuracion[0]) if _configuracion else None


# ── Dependencias: una comprobación no se ejecuta si falló aquello de lo que depende ──


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not es_comprobacion(item):
        return
    estado = estado_de(item.config)
    for dependencia in dependencias(item):
        resultado = estado.resultados.get(dependencia)
        if resultado is not None and resultado != "pass":
            frase = estado.descripciones.get(dependencia, dependencia.split("::")[-1])
            pytest.skip(f"No se ejecutó porque no pasó «{frase}».")


# ── Resultados y mensajes ────────────────────────────────────────────────────


def mensaje_de(excinfo, objetivo):
    """El mensaje en español de una excepción, y si es un fallo ("fail") o un error ("error")."""
    e = excinfo.value
    if isinstance(e, FalloDeComprobacion):
        texto = e.mensaje + (f"\nPista: {e.ayuda}" if e.ayuda else "")
        return "fail", texto
    if isinstance(e, ErrorDeCarga):
        return "error", str(e)
    if isinstance(e, AssertionError):
        return "fail", str(e) or "Una aserción de la comprobación no se cumplió."
    lugar = linea_del_error(e, objetivo) if objetivo else None
    donde = f" ({lugar})" if lugar else ""
    return "error", f"Error inesperado durante la comprobación: {type(e).__name__}: {e}{donde}"


def recortar_salida(texto):
    """El principio y el final de la salida (donde suele estar el error), sin pasar de LIMITE_SALIDA."""
    if len(texto) <= LIMITE_SALIDA:
        return texto
    inicio, final = LIMITE_SALIDA // 4, LIMITE_SALIDA - LIMITE_SALIDA // 4
    omitidos = len(texto) - inicio - final
    return (
        f"{texto[:inicio]}\n… [salida recortada: se omiten {omitidos} de {len(texto)} caracteres] …\n{texto[-final:]}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    informe = yield
    if not es_comprobacion(item):
        return informe  # una prueba normal, no una comprobación del taller
    estado = estado_de(item.config)
    datos = estado.informes.setdefault(item.nodeid, {"estado": "pass", "mensaje": None, "salida": ""})
    if informe.skipped and datos["estado"] == "pass":  # en la preparación (dependencias) o dentro de la comprobación
        razon = informe.longrepr[2] if isinstance(informe.longrepr, tuple) else str(informe.longrepr)
        datos.update(estado="skip", mensaje=razon.removeprefix("Skipped: "))
    elif informe.failed and datos["estado"] == "pass" and call.excinfo is None:
        datos.update(estado="fail", mensaje="La comprobación falló sin excepción (¿xfail estricto?).")
    elif informe.failed and datos["estado"] == "pass":
        objetivo = item.funcargs.get("objetivo") if hasattr(item, "funcargs") else None
        datos["estado"], datos["mensaje"] = mensaje_de(call.excinfo, objetivo)
        if isinstance(call.excinfo.value, (FalloDeComprobacion, ErrorDeCarga)):
            informe.longrepr = datos["mensaje"]
    salida = "".join(contenido for _, contenido in informe.sections if contenido)
    datos["salida"] += salida
    return informe


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Avisa al motor de que empieza una comprobación y le envía su resultado al terminar."""
    if not es_comprobacion(item):
        return (yield)
    estado = estado_de(item.config)
    estado.enviar({"evento": "inicio", "id": item.nodeid})
    estado.plazo = time.monotonic() + estado.limite_de(item)
    estado.activos = []
    try:
        resultado = yield
    finally:
        estado.plazo = None
    datos = estado.informes.pop(item.nodeid, {"estado": "error", "mensaje": "No se obtuvo resultado.", "salida": ""})
    datos["salida"] = (datos["salida"] + "".join(p.leer_salida() for p in estado.activos)).strip("\n")
    estado.resultados[item.nodeid] = datos["estado"]
    estado.enviar(
        {
            "evento": "resultado",
            "id": item.nodeid,
            "estado": datos["estado"],
            "mensaje": datos["mensaje"],
            "salida": recortar_salida(datos["salida"]),
        }
    )
    return resultado


# ── Fixtures: el objetivo solo se toca a través del puente ───────────────────


def objetivo_por_defecto(ruta_comprobacion):
    """``checks/NN_slug/…`` → ``lessons/NN_slug/ejercicio``."""
    carpeta = Path(ruta_comprobacion).resolve().parent
    while carpeta.parent.name != "checks" and carpeta != carpeta.parent:
        carpeta = carpeta.parent
    return carpeta.parent.parent / "lessons" / carpeta.name / "ejercicio"


@pytest.fixture
def objetivo(request):
    """La carpeta que se comprueba (la original; el recinto trabaja sobre una copia)."""
    opcion = request.config.getoption("objetivo")
    if opcion:
        return (request.config.invocation_params.dir / opcion).resolve()
    return objetivo_por_defecto(request.path)


def _entrada(carpeta, modulo):
    """El archivo o paquete que carga el recinto: ``MODULO`` del archivo de comprobaciones, o la app."""
    nombre = getattr(modulo, "MODULO", None)
    if nombre:
        return "modulo", Path(carpeta) / nombre
    entrada = getattr(cargador, "entrada_del_objetivo", None)
    return "app", entrada(Path(carpeta)) if entrada else Path(carpeta) / "app.py"


@pytest.fixture
def puente(request, objetivo):
    """El puente con el recinto de este objetivo (uno por objetivo y tipo; se reinicia solo si se cae)."""
    estado = estado_de(request.config)
    sesion = estado.sesion_para(objetivo)
    tipo, ruta = _entrada(sesion.info["objetivo"], request.module)
    clave = (str(objetivo), tipo, str(ruta))
    if clave not in estado.puentes:
        estado.puentes[clave] = Puente(sesion.conexion, sesion.info, tipo, ruta)
    actual = estado.puentes[clave]
    actual.limite = estado.limite_de(request.node)
    actual.plazo = estado.plazo
    estado.activos.append(actual)
    yield actual
    actual.parar_servidos()  # lo servido para esta comprobación (app.servir) no sigue en la siguiente


@pytest.fixture
def carpeta(puente):
    """Una carpeta vacía para esta comprobación donde la app puede escribir (su base de datos, por ejemplo)."""
    return puente.carpeta_nueva()


@pytest.fixture
def modulo(puente):
    """El módulo del objetivo que nombra la variable ``MODULO`` del archivo de comprobaciones.

    Para lecciones cuyo ejercicio no es una app Flask (por ejemplo ``MODULO = "jwt_manual.py"``).
    """
    puente.pedir("describir", nombre="__name__")  # carga el módulo (o lanza ErrorDeCarga)
    return ModuloRemoto(puente, puente.ruta)


@pytest.fixture
def fabrica(puente):
    """La función ``create_app`` del objetivo, que crea la app en el recinto."""
    puente.recinto()
    if puente.error_de_carga:
        raise ErrorDeCarga(puente.error_de_carga)
    return FabricaRemota(puente)


BASES_EN_POSTGRES: list[str] = []  # las creadas con TALLER_COMPROBAR_EN_POSTGRES en este proceso


def base_de_datos_de_prueba(carpeta: Path) -> str:
    """La base de datos de una comprobación: un SQLite en su ``carpeta``.

    Con ``TALLER_COMPROBAR_EN_POSTGRES`` (la URL de un servidor PostgreSQL), una base nueva de ese
    servidor por carpeta, que se borra al terminar: lo usan las pruebas del taller para pasar las
    comprobaciones de la lección 10 a la solución sobre PostgreSQL, sin jaula. Nunca al calificar:
    la jaula no tiene red, y una entrega no debe tocar el servidor de la máquina.
    """
    servidor = os.environ.get("TALLER_COMPROBAR_EN_POSTGRES")
    if not servidor:
        return f"sqlite:///{Path(carpeta) / 'comprobacion.sqlite'}"
    import atexit

    import psycopg

    nombre = f"taller_comprobacion_{secrets.token_hex(6)}"
    with psycopg.connect(servidor, autocommit=True) as conexion:
        conexion.execute(f"CREATE DATABASE {nombre}")
    BASES_EN_POSTGRES.append(nombre)
    atexit.register(borrar_base_de_datos, servidor, nombre)
    return servidor.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + nombre


def borrar_base_de_datos(servidor: str, nombre: str) -> None:
    import psycopg

    with psycopg.connect(servidor, autocommit=True) as conexion:
        conexion.execute(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")


def configuracion_de_prueba(carpeta):
    """La configuración con la que se crea la app en cada comprobación."""
    return {
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,  # un fallo de la app se ve como el 500 que vería un cliente
        "SQLALCHEMY_DATABASE_URI": base_de_datos_de_prueba(Path(carpeta)),
        "SECRET_KEY": secrets.token_hex(32),
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "BCRYPT_LOG_ROUNDS": 4,
    }


@pytest.fixture
def crear_app(fabrica, objetivo, carpeta):
    """Crea la app del objetivo; llamarla dos veces es «reiniciar» sobre la misma base de datos."""
    base = configuracion_de_prueba(carpeta)

    def crear(**cambios):
        try:
            return fabrica({**base, **cambios})
        except ErrorDeCarga:
            raise
        except Exception as e:
            raise ErrorDeCarga(getattr(e, "mensaje_del_taller", None) or f"create_app(config) lanzó {e!r}") from None

    return crear


@pytest.fixture
def app(crear_app):
    """La app del objetivo con una base de datos nueva para esta comprobación."""
    return crear_app()


@pytest.fixture
def client(app):
    """Un ``Cliente`` de pruebas cuyas respuestas se describen en español."""
    return Cliente(app)


@pytest.fixture
def espiar(puente):
    """``espiar("bcrypt.checkpw")`` cuenta las llamadas del objetivo a esa función durante esta comprobación."""
    espias = []

    def crear(nombre):
        espias.append(Espia(puente, nombre))
        return espias[-1]

    yield crear
    if espias and puente.conexion is not None:
        try:
            puente.pedir("quitar_espias")
        except ErrorDeCarga:
            pass


class BaseDeDatos:
    """La base SQLite de una app: se lee de una copia (el objetivo no interviene) y se cambia en el recinto."""

    def __init__(self, puente, carpeta):
        self.puente, self.carpeta, self.copias = puente, carpeta, 0

    @staticmethod
    def ruta(app):
        return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")

    def leer(self, app, consulta, *parametros):
        import sqlite3

        self.copias += 1
        copia = self.puente.copia_segura(self.ruta(app), self.carpeta / f"copia-{self.copias}.sqlite")
        if copia is None:
            raise ErrorDeCarga(f"No se encontró la base de datos de la app en {self.ruta(app)}.")
        conexion = sqlite3.connect(f"file:{copia}?mode=ro", uri=True)
        try:
            conexion.execute("PRAGMA trusted_schema = OFF")
            return conexion.execute(consulta, parametros).fetchall()
        finally:
            conexion.close()

    def escribir(self, app, consulta, *parametros):
        r = self.puente.pedir(
            "sql", ruta=self.ruta(app), consulta=consulta, parametros=protocolo.codificar(list(parametros))
        )
        if "error" in r:
            raise ErrorDeCarga(f"No se pudo cambiar la base de datos de la app: {r['error']}")


@pytest.fixture
def base_de_datos(puente, tmp_path):
    """``base_de_datos.leer(app, "SELECT …")`` y ``base_de_datos.escribir(app, "UPDATE …", …)``."""
    return BaseDeDatos(puente, tmp_path)


@pytest.fixture
def redis_de_prueba(puente, request):
    """(url para la app, prefijo, cliente de las comprobaciones) de un Redis de verdad.

    En la jaula es un Redis propio de la entrega (en su red); fuera, el de 127.0.0.1:6379 (base 6),
    o el de ``TALLER_REDIS_URL``.
    """
    import redis

    prefijo = f"comprobacion-{secrets.token_hex(4)}:"
    if "redis_socket" in puente.info:
        puente.recinto()
        url = f"redis://127.0.0.1:{jaula.PUERTO_REDIS}/0"
        cliente = redis.Redis(unix_socket_path=puente.info["redis_socket"], socket_timeout=2)
    else:
        url = os.environ.get("TALLER_REDIS_URL", "redis://127.0.0.1:6379/6")
        cliente = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        cliente.ping()
    except redis.RedisError:
        motivo = (
            f"No hay Redis en {url}: arráncalo (redis-server, o «sudo apt install redis-server») "
            "o indica otro con TALLER_REDIS_URL."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(motivo + " En CI no se salta.")
        pytest.skip(motivo)
    yield url, prefijo, cliente
    claves = list(cliente.scan_iter(f"{prefijo}*"))
    if claves:
        cliente.delete(*claves)
    cliente.close()


@pytest.fixture
def servir_a_la_app(puente):
    """``servir_a_la_app(wsgi)`` sirve una app de confianza (un proveedor OpenID Connect…) y da su URL.

    La URL (``http://127.0.0.1:PUERTO``) vale para la app del estudiante, también en la jaula, y para
    las comprobaciones y su navegador (ver ``taller.servidores``). Se deja de servir al acabar.
    """
    from contextlib import ExitStack

    from taller.servidores import servir_al_recinto

    with ExitStack() as pila:
        yield lambda wsgi: pila.enter_context(servir_al_recinto(puente, wsgi))


@pytest.fixture
def redis_colgado(puente):
    """La URL de un «Redis» que acepta conexiones y no contesta nunca."""
    if puente.info.get("jaula"):
        yield f"redis://127.0.0.1:{jaula.PUERTO_COLGADO}/0"
        return
    import socket

    escucha = socket.socket()
    escucha.bind(("127.0.0.1", 0))
    escucha.listen(50)
    yield f"redis://127.0.0.1:{escucha.getsockname()[1]}/0"
    escucha.close()
