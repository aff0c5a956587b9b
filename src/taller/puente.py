"""El lado de confianza del puente: lo que las comprobaciones ven del objetivo.

Las comprobaciones nunca importan el código del estudiante: trabajan con representantes
(``AppRemota``, ``ModuloRemoto``) cuyas operaciones viajan al recinto (``taller.recinto``)
por un socket y vuelven validadas (``taller.protocolo``). Si el recinto se cae o se cuelga,
se mata entero (sus procesos mueren con él) y la comprobación siguiente recibe uno nuevo.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import stat
import time
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers

from taller import jaula, protocolo
from taller.cargador import ErrorDeCarga
from taller.protocolo import ErrorDelRecinto, RecintoCaido, RecintoColgado

MAX_REINICIOS = 25  # recintos nuevos que puede necesitar una entrega
MAX_SALIDA = 20_000  # caracteres del principio (y del final) de la salida del estudiante que se guardan


def causa_de_salida(codigo: int | None) -> str:
    """Por qué terminó el recinto, en palabras del estudiante."""
    if codigo is not None and codigo < 0:
        senal = -codigo
        if senal == signal.SIGXFSZ:
            return f"Tu código escribió demasiado (más de {jaula.LIMITE_ARCHIVO // 2**20} MB) y el proceso se detuvo."
        if senal in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return f"El intérprete de Python se cayó ({signal.Signals(senal).name}) durante esta comprobación."
        if senal == signal.SIGKILL:
            return "El proceso se detuvo a la fuerza: quizá usó demasiada memoria."
        if senal == signal.SIGXCPU:
            return "Tu código usó demasiado tiempo de CPU y el proceso se detuvo."
        return f"El proceso recibió la señal {signal.Signals(senal).name} y se detuvo."
    return (
        f"El proceso terminó de golpe (código de salida {codigo}) durante esta comprobación. "
        "¿Llama tu código a os._exit() o sys.exit()? Una app nunca debe terminar el proceso."
    )


class FalloDelRecinto(ErrorDeCarga):
    """El recinto murió o no respondió: el mensaje (en español) dice por qué."""


class Puente:
    """La conexión de las comprobaciones con el recinto de una entrega (y con su sesión, para reiniciarlo)."""

    def __init__(self, sesion: socket.socket, info: dict, tipo: str, ruta: Path) -> None:
        self.sesion, self.info, self.tipo, self.ruta = sesion, info, tipo, ruta
        self.conexion: socket.socket | None = None
        self.salvavidas: int | None = None
        self.salida: int | None = None
        self.reinicios = 0
        self.plazo: float | None = None  # instante en que vence la comprobación en curso
        self.limite = 10.0
        self.carpetas = 0
        self.error_de_carga: str | None = None
        self._bufer = ""
        self._omitidos = 0

    # ── El recinto ──

    def recinto(self) -> socket.socket:
        """La conexión con el recinto; lo crea (y carga el objetivo) si no hay uno vivo."""
        if self.conexion is not None:
            return self.conexion
        if self.reinicios >= MAX_REINICIOS:
            raise FalloDelRecinto(
                f"El recinto de tu código se reinició {MAX_REINICIOS} veces (se cayó o se colgó "
                "en cada comprobación); las demás no se ejecutan."
            )
        self.reinicios += 1
        jaula.enviar(self.sesion, {"op": "recinto"})
        mensaje, fds = jaula.recibir(self.sesion)
        if mensaje is None or len(fds) != 3:
            raise FalloDelRecinto("No se pudo crear el recinto donde se ejecuta tu código (fallo del taller).")
        self.conexion = socket.socket(fileno=fds[0])
        self.salvavidas, self.salida = fds[1], fds[2]
        respuesta = self._pedir(
            {"op": "cargar", "tipo": self.tipo, "ruta": str(self.ruta), "carpeta": self.info["objetivo"]}
        )
        self.error_de_carga = respuesta.get("error")
        return self.conexion

    def matar(self) -> None:
        """Cierra el salvavidas: el init del recinto termina y con él todos sus procesos."""
        for fd in (self.salvavidas, self.salida):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.conexion is not None:
            self.conexion.close()
        self.conexion = self.salvavidas = self.salida = None

    def _pedir(self, mensaje: dict, fds: tuple[int, ...] = (), recibidos: list[int] | None = None) -> dict:
        """Envía ``mensaje`` y espera la respuesta; los descriptores que la acompañen van a ``recibidos``."""
        conexion = self.conexion
        assert conexion is not None
        plazo = self.plazo if self.plazo is not None else time.monotonic() + self.limite
        try:
            protocolo.enviar(conexion, mensaje, fds)
            if recibidos is None:
                respuesta = protocolo.recibir(conexion, plazo)
            else:
                respuesta, llegados = protocolo.recibir_con_fds(conexion, plazo)
                recibidos.extend(llegados)
        except RecintoColgado:
            self.matar()
            raise FalloDelRecinto(
                f"La comprobación no terminó en {self.limite:g} s y se detuvo. "
                "¿Hay un bucle infinito o una espera sin fin en tu código?"
            ) from None
        except (RecintoCaido, OSError):
            codigo = self._codigo_de_salida()
            self.matar()
            raise FalloDelRecinto(causa_de_salida(codigo)) from None
        except ErrorDelRecinto as e:
            self.matar()
            raise FalloDelRecinto(f"Tu código respondió algo que no sigue el protocolo del taller ({e}).") from None
        return respuesta

    def _codigo_de_salida(self) -> int | None:
        """El código con que terminó el recinto: su init lo escribe al final de la salida."""
        limite = time.monotonic() + 1
        while self.salida is not None and time.monotonic() < limite:
            self._leer()
            for linea in reversed(self._bufer.splitlines()):
                if linea.startswith(MARCA_FIN):
                    try:
                        return int(linea[len(MARCA_FIN) :])
                    except ValueError:
                        return None
            time.sleep(0.02)
        return None

    def pedir(self, op: str, fds: tuple[int, ...] = (), **argumentos: Any) -> dict:
        """Una operación en el recinto (creándolo si hace falta). Lanza FalloDelRecinto si no hay respuesta."""
        self.recinto()
        if self.error_de_carga:
            raise ErrorDeCarga(self.error_de_carga)
        return self._pedir({"op": op, **argumentos}, fds)

    def escuchar_en_el_recinto(self) -> socket.socket:
        """Un socket que escucha en 127.0.0.1 de la red del recinto: lo que se sirva en él, la app lo alcanza.

        Lo abre el recinto y llega por el puente; se valida (``servidores.escucha_validada``) y, si no es
        lo prometido o no llega a tiempo, es un FalloDelRecinto, nunca una espera sin fin.
        """
        from taller.servidores import escucha_validada

        self.recinto()
        recibidos: list[int] = []
        try:
            self._pedir({"op": "escuchar"}, recibidos=recibidos)
        except FalloDelRecinto:
            for fd in recibidos:
                os.close(fd)
            raise
        for fd in recibidos[1:]:
            os.close(fd)
        if len(recibidos) != 1:
            self.matar()
            raise FalloDelRecinto("El recinto no envió el socket que escucha (fallo del taller o de tu código).")
        try:
            return escucha_validada(recibidos[0])
        except ErrorDelRecinto as e:
            self.matar()
            raise FalloDelRecinto(f"Tu código respondió algo que no sigue el protocolo del taller ({e}).") from None

    def _leer(self) -> None:
        """Vacía lo pendiente de la salida; si es mucho, se quedan el principio y el final."""
        while self.salida is not None:
            listo, _, _ = select.select([self.salida], [], [], 0)
            datos = os.read(self.salida, 1 << 20) if listo else b""
            if not datos:
                return
            self._bufer += datos.decode("utf-8", "replace")
            if len(self._bufer) > 4 * MAX_SALIDA:
                self._omitidos += len(self._bufer) - 2 * MAX_SALIDA
                self._bufer = self._bufer[:MAX_SALIDA] + self._bufer[-MAX_SALIDA:]

    def leer_salida(self) -> str:
        """Lo que el código del estudiante escribió en stdout/stderr desde la última lectura."""
        self._leer()
        texto, self._bufer = self._bufer, ""
        if self._omitidos:
            texto = f"{texto[:MAX_SALIDA]}\n… [se omiten {self._omitidos} caracteres] …\n{texto[MAX_SALIDA:]}"
            self._omitidos = 0
        return "\n".join(linea for linea in texto.split("\n") if not linea.startswith(MARCA_FIN))

    # ── Carpetas y archivos de la caja ──

    def carpeta_nueva(self) -> Path:
        """Una carpeta vacía dentro de la caja (donde el recinto puede escribir), para una comprobación."""
        self.carpetas += 1
        carpeta = Path(self.info["caja"]) / f"comprobacion-{self.carpetas:03d}"
        carpeta.mkdir()
        if self.info["jaula"]:
            # Sin seguir enlaces: la caja es del estudiante, que puede cambiar la carpeta recién creada
            # por un enlace a cualquier sitio antes del chown (que se hace como root).
            fd = os.open(carpeta, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                os.fchown(fd, self.info["uid"], self.info["uid"])
            finally:
                os.close(fd)
        return carpeta

    def copia_segura(self, ruta: str | Path, destino: Path) -> Path | None:
        """Copia un archivo que escribió el recinto sin salir de su caja, sin seguir enlaces y sin bloquearse.

        Todo lo que hay en la caja es del estudiante: cualquier carpeta del camino puede ser un
        enlace (que, seguido como root, lee fuera de la caja) y el archivo, un FIFO (que deja
        la apertura esperando para siempre). Se baja carpeta a carpeta con ``O_NOFOLLOW`` desde
        la caja, y el archivo se abre con ``O_NONBLOCK`` y solo se copia si es un archivo normal.
        """
        caja = Path(self.info["caja"])
        try:
            partes = Path(os.path.normpath(ruta)).relative_to(caja).parts
        except ValueError:
            return None
        if not partes or ".." in partes:
            return None
        try:
            carpeta = os.open(caja, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return None
        try:
            for parte in partes[:-1]:
                siguiente = os.open(parte, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=carpeta)
                os.close(carpeta)
                carpeta = siguiente
            fd = os.open(partes[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=carpeta)
        except OSError:
            return None
        finally:
            os.close(carpeta)
        with os.fdopen(fd, "rb") as origen:
            if not stat.S_ISREG(os.fstat(origen.fileno()).st_mode):
                return None
            with open(destino, "wb") as copia:
                shutil.copyfileobj(origen, copia)
        return destino


MARCA_FIN = jaula.MARCA_FIN


# ── Representantes del objetivo ──────────────────────────────────────────────


def _mro_a_clase(mro: list, cache: dict) -> type:
    """La clase local que representa una excepción remota: las integradas son las de verdad."""
    import builtins

    bases: list[type] = []
    for modulo, nombre in reversed(mro[1:]):
        if modulo == "builtins" and isinstance(getattr(builtins, nombre, None), type):
            bases = [getattr(builtins, nombre)]
        else:
            bases = [_clase_remota(modulo, nombre, tuple(bases), cache)]
    modulo, nombre = mro[0]
    if modulo == "builtins" and isinstance(getattr(builtins, nombre, None), type):
        return getattr(builtins, nombre)
    return _clase_remota(modulo, nombre, tuple(bases), cache)


def _clase_remota(modulo: str, nombre: str, bases: tuple, cache: dict) -> type:
    clave = (modulo, nombre)
    if clave not in cache:
        bases = bases or (ExcepcionRemota,)
        try:
            cache[clave] = type(nombre, bases, {"__module__": f"objetivo.{modulo}"})
        except (TypeError, ValueError):
            # Bases incompatibles, o un nombre que type() no admite («A\x00»): sin este caso el puente
            # lanzaba su propio ValueError, que un «except ValueError» de la comprobación aceptaría.
            seguro = nombre if nombre.isidentifier() else "ExcepcionRemota"
            cache[clave] = type(seguro, (ExcepcionRemota,), {"__module__": f"objetivo.{modulo}"})
    return cache[clave]


def _clase_del_objetivo_integrada(nombre: str, cache: dict) -> type:
    """Lo que ven las comprobaciones cuando una clase del módulo es una integrada (``FirmaInvalida = Exception``).

    Una comprobación usa esa clase como la excepción que espera (``except modulo.FirmaInvalida``).
    Si fuera la integrada de verdad, ``Exception`` aceptaría cualquier cosa: el NotImplementedError
    del esqueleto o un FalloDelRecinto. Se devuelve una subclase propia de la integrada: sigue
    siendo una excepción (o lo que fuera), pero nada de lo que lance el objetivo es instancia suya.
    """
    import builtins

    integrada = getattr(builtins, nombre, None)
    bases = (integrada,) if isinstance(integrada, type) else ()
    return _clase_remota("builtins (alias del objetivo)", nombre, bases, cache)


PROHIBIDAS = (SystemExit, KeyboardInterrupt, GeneratorExit, StopIteration, StopAsyncIteration)


class ExcepcionRemota(Exception):
    """Una excepción lanzada por el código del estudiante, reconstruida a este lado."""


def excepcion(datos: Any, cache: dict) -> BaseException:
    """La excepción local que corresponde a la descripción ``datos`` del recinto."""
    if not isinstance(datos, dict) or not isinstance(datos.get("mro"), list) or not datos["mro"]:
        return ExcepcionRemota("una excepción sin describir")
    mro = [
        (protocolo.texto(m, 200), protocolo.texto(n, 200))
        for m, n in (p for p in datos["mro"] if isinstance(p, list) and len(p) == 2)
    ]
    if not mro:
        return ExcepcionRemota("una excepción sin describir")
    clase = _mro_a_clase(mro, cache)
    mensaje = protocolo.texto(datos.get("mensaje", ""), 5000)
    # Las que cambian el flujo del código de confianza no se reconstruyen: SystemExit y compañía
    # detendrían pytest, y un StopIteration dentro de map() o next() acaba un bucle sin error.
    if not issubclass(clase, BaseException) or issubclass(clase, PROHIBIDAS):
        return ExcepcionRemota(mensaje)
    try:
        return clase(mensaje)
    except Exception:
        return ExcepcionRemota(mensaje)


class RespuestaCruda:
    """Lo poco de la respuesta de Flask que usan las comprobaciones, reconstruido del recinto."""

    def __init__(self, estado: int, cabeceras: list, cuerpo: bytes) -> None:
        self.status_code = estado
        self.headers = Headers(cabeceras)
        self.datos = cuerpo

    @property
    def mimetype(self) -> str | None:
        tipo = self.headers.get("Content-Type")
        return tipo.split(";")[0].strip().lower() if tipo else None

    def get_data(self, as_text: bool = False) -> Any:
        return self.datos.decode("utf-8", "replace") if as_text else self.datos

    def get_json(self, silent: bool = False) -> Any:
        if self.mimetype != "application/json" and not (self.mimetype or "").endswith("+json"):
            return None
        try:
            return json.loads(self.datos)
        except ValueError:
            if silent:
                return None
            raise


class ConfigRemota(dict):
    """La configuración de una app remota: lo que enviaron las comprobaciones, y lo demás se pregunta."""

    def __init__(self, app: AppRemota, enviada: dict) -> None:
        super().__init__(enviada)
        self.app = app

    def __missing__(self, clave: str) -> Any:
        respuesta = self.app.puente.pedir("config", app=self.app.id, clave=clave)
        if not respuesta.get("existe"):
            raise KeyError(clave)
        return protocolo.decodificar(respuesta.get("valor"))

    def get(self, clave: str, defecto: Any = None) -> Any:
        try:
            return self[clave]
        except KeyError:
            return defecto


class ResultadoDeOrden:
    """Como el ``Result`` de Click: ``exit_code``, ``output`` y ``exception``."""

    def __init__(self, codigo: int, salida: str, excepcion_: BaseException | None) -> None:
        self.exit_code, self.output, self.exception = codigo, salida, excepcion_


class CorredorRemoto:
    def __init__(self, app: AppRemota) -> None:
        self.app = app

    def invoke(self, args: list | None = None, input: str | None = None, **_: Any) -> ResultadoDeOrden:
        r = self.app.puente.pedir("cli", app=self.app.id, args=[str(a) for a in args or []], entrada=input)
        datos = r.get("excepcion")
        return ResultadoDeOrden(
            protocolo.entero(r.get("codigo"), -(2**31), 2**31),
            protocolo.texto(r.get("salida", ""), 50_000),
            excepcion(datos, {}) if datos else None,
        )


class ClienteRemoto:
    """Un cliente de pruebas de Flask que vive en el recinto (con su tarro de cookies)."""

    def __init__(self, app: AppRemota) -> None:
        self.app = app
        self.id = protocolo.entero(app.puente.pedir("cliente", app=app.id).get("cliente"), 0, 10**6)

    def open(self, ruta: str, method: str = "GET", headers: dict | None = None, data: Any = None) -> tuple:
        cuerpo = None
        if data is not None:
            cuerpo = protocolo.a_base64(data.encode("utf-8") if isinstance(data, str) else bytes(data))
        cabeceras = [[str(k), str(v)] for k, v in (headers or {}).items()]
        r = self.app.puente.pedir(
            "peticion", cliente=self.id, metodo=method, ruta=ruta, cabeceras=cabeceras, cuerpo=cuerpo
        )
        respuesta = RespuestaCruda(
            protocolo.entero(r.get("estado"), 100, 999),
            protocolo.pares_de_texto(r.get("cabeceras")),
            protocolo.binario(r.get("cuerpo")),
        )
        return respuesta, protocolo.texto_o_nada(r.get("excepcion"), 500)


class AppRemota:
    """La app del estudiante, creada en el recinto: ``config``, ``test_client()`` y ``test_cli_runner()``."""

    def __init__(self, puente: Puente, id_: int, config: dict) -> None:
        self.puente, self.id = puente, id_
        self.config = ConfigRemota(self, config)

    def test_client(self) -> ClienteRemoto:
        return ClienteRemoto(self)

    def test_cli_runner(self) -> CorredorRemoto:
        return CorredorRemoto(self)

    def servir(self) -> str:
        """Sirve la app por HTTP de verdad y devuelve su URL (``http://127.0.0.1:PUERTO``).

        El socket que escucha se crea aquí, en la red de las comprobaciones (y de un navegador),
        y se pasa al recinto, que solo puede aceptar conexiones en él.
        """
        escucha = socket.socket()
        escucha.bind(("127.0.0.1", 0))
        escucha.listen(64)
        try:
            r = self.puente.pedir("servir", app=self.id, fds=(escucha.fileno(),))
            if "error" in r:
                raise ErrorDeCarga(f"No se pudo servir la app: {protocolo.texto(r['error'], 500)}")
            return f"http://127.0.0.1:{escucha.getsockname()[1]}"
        finally:
            escucha.close()

    def ruta_de_prueba(self, ruta: str, tipo: str, mensaje: str = "") -> None:
        """Añade una ruta de las comprobaciones: ``abortar`` (``/<int:estado>`` → abort) o ``fallo`` (lanza)."""
        self.puente.pedir("ruta_de_prueba", app=self.id, ruta=ruta, tipo=tipo, mensaje=mensaje)


class FabricaRemota:
    """``create_app`` del objetivo: llamarla crea la app en el recinto y devuelve su representante."""

    def __init__(self, puente: Puente) -> None:
        self.puente = puente
        self.excepciones: dict = {}

    def __call__(self, config: dict | None = None) -> AppRemota:
        config = dict(config or {})
        r = self.puente.pedir("crear_app", config=protocolo.codificar(config))
        if "app" in r:
            return AppRemota(self.puente, protocolo.entero(r["app"], 0, 10**6), config)
        if "excepcion" in r:
            e = excepcion(r["excepcion"], self.excepciones)
            e.mensaje_del_taller = protocolo.texto(r.get("error", ""), 5000)  # type: ignore[attr-defined]
            raise e
        raise ErrorDeCarga(protocolo.texto(r.get("error", "create_app falló."), 5000))


class FuncionRemota:
    def __init__(self, modulo: ModuloRemoto, nombre: str) -> None:
        self.modulo, self.__name__ = modulo, nombre

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        r = self.modulo._puente.pedir(
            "llamar", nombre=self.__name__, args=protocolo.codificar(list(args)), kwargs=protocolo.codificar(kwargs)
        )
        if "excepcion" in r:
            raise excepcion(r["excepcion"], self.modulo._clases)
        return protocolo.decodificar(r.get("valor"))


class ModuloRemoto:
    """El módulo del objetivo (por ejemplo ``jwt_manual.py``): atributos y funciones a través del puente."""

    def __init__(self, puente: Puente, archivo: Path) -> None:
        self._puente = puente
        self._clases: dict = {}
        self.__file__ = str(archivo)

    def __getattr__(self, nombre: str) -> Any:
        if nombre.startswith("__"):
            raise AttributeError(nombre)
        r = self._puente.pedir("describir", nombre=nombre)
        tipo = r.get("tipo")
        if tipo == "funcion":
            return FuncionRemota(self, nombre)
        if tipo == "clase" and isinstance(r.get("mro"), list) and r["mro"]:
            mro = [tuple(p) for p in r["mro"] if isinstance(p, list) and len(p) == 2]
            if mro and mro[0][0] == "builtins":
                return _clase_del_objetivo_integrada(protocolo.texto(mro[0][1], 200), self._clases)
            return _mro_a_clase(mro, self._clases)
        if tipo == "valor":
            return protocolo.decodificar(r.get("valor"))
        if tipo == "modulo":
            return ObjetoModulo(protocolo.texto(r.get("nombre", "?"), 200))
        raise AttributeError(nombre)

    def modulos_importados(self) -> list[str]:
        """Los nombres de los módulos que el objetivo tiene en sus variables globales."""
        r = self._puente.pedir("modulos")
        return [protocolo.texto(n, 200) for n in r.get("modulos", []) if isinstance(n, str)][:500]


class ObjetoModulo:
    def __init__(self, nombre: str) -> None:
        self.__name__ = nombre


class Espia:
    """Las llamadas que el objetivo hace a una función espiada (``bcrypt.checkpw``…), solo para esta comprobación."""

    def __init__(self, puente: Puente, nombre: str) -> None:
        self.puente, self.nombre = puente, nombre
        r = puente.pedir("espiar", nombre=nombre)
        if "error" in r:
            raise ErrorDelRecinto(str(r["error"]))

    @property
    def llamadas(self) -> list:
        r = self.puente.pedir("llamadas", nombre=self.nombre)
        lista = r.get("llamadas", [])
        if not isinstance(lista, list):
            raise ErrorDelRecinto("una lista de llamadas mal formada")
        return [protocolo.decodificar(a) for a in lista]
