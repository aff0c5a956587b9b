"""La jaula donde corre el código del estudiante, y la fábrica que la crea.

Tres procesos de confianza y uno que no lo es:

- la **fábrica** (``Fabrica``) se bifurca del motor antes de ver ninguna entrega, con
  Flask y compañía ya importados; por cada entrega abre una **sesión** (un hijo suyo) que
  prepara la caja de la entrega: una carpeta propia (un tmpfs de tamaño limitado, con root)
  con la copia del objetivo;
- por cada recinto que piden las comprobaciones, la sesión crea un **init**: con root y en
  Linux, el proceso 1 de espacios de nombres nuevos (PID, red, montajes, IPC, UTS), que
  levanta ``lo``, arranca los servicios que pida la lección (un Redis propio) y muere con él
  todo lo de dentro;
- el **recinto** (``taller.recinto``), hijo del init: con root, ``chroot`` a una raíz mínima
  (el sistema y Python en solo lectura, la caja, /tmp propio; nada de checks/, solutions/,
  otras entregas, la salida ni el home), un uid sin privilegios propio de la entrega,
  ``no_new_privs``, límites de recursos y un entorno vacío. Solo ahí se importa el objetivo.

Se usan los mecanismos del núcleo directamente (``unshare``, ``mount``, ``chroot``,
``setresuid``, ``prctl``) con ``ctypes`` y la biblioteca estándar: así el recinto se bifurca
de un proceso con todo ya importado (una entrega cuesta milisegundos, no un intérprete
nuevo), cosa que ``bwrap`` o un contenedor no permiten. Sin root o fuera de Linux (el
portátil de un estudiante) quedan el proceso aparte, el puente y los límites; la jaula no.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from taller import protocolo

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40

LIMITE_MEMORIA = 2 * 1024**3  # bytes de memoria virtual del recinto
LIMITE_ARCHIVO = 64 * 1024**2  # bytes de un archivo
LIMITE_CAJA = 256 * 1024**2  # bytes de la caja (tmpfs) de una entrega
# Inodos de cada tmpfs donde escribe el recinto. Sin límite, un tmpfs admite millones de archivos
# vacíos que no cuentan en su tamaño y ocupan memoria del núcleo (≈1 kB cada uno): gigabytes.
INODOS_CAJA, INODOS_TMP = 50_000, 10_000
LIMITE_PROCESOS = 64  # procesos del uid de la entrega
LIMITE_CPU = 300  # segundos de CPU de un recinto
UID_BASE = 2_000_000  # uids de las entregas: UID_BASE + 2·pid de su sesión (+1, su Redis)
PUERTO_REDIS, PUERTO_COLGADO = 6379, 6399
LIMITE_MEMORIA_REDIS = 512 * 1024**2  # bytes de memoria virtual del Redis de una entrega
ORDENES_DE_REDIS_DESACTIVADAS = (
    "CONFIG",
    "SAVE",
    "BGSAVE",
    "BGREWRITEAOF",
    "REPLICAOF",
    "SLAVEOF",
    "MODULE",
    "DEBUG",
    "SHUTDOWN",
    "MIGRATE",
    "ACL",
    "FAILOVER",
    "SYNC",
    "PSYNC",
)
MARCA_FIN = "\x00taller-fin:"  # la línea con que el init anota en la salida cómo terminó el recinto
ENTORNO = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONHASHSEED": "0",
}

T = TypeVar("T")

_libc = ctypes.CDLL(None, use_errno=True)


def _sistema(nombre: str, *argumentos: object) -> None:
    if getattr(_libc, nombre)(*argumentos) != 0:
        codigo = ctypes.get_errno()
        raise OSError(codigo, f"{nombre}: {os.strerror(codigo)}")


def _b(texto: str | Path | None) -> bytes | None:
    return None if texto is None else os.fsencode(str(texto))


def montar(origen: str | Path | None, destino: str | Path, tipo: str | None, opciones: int, datos: str | None = None):
    _sistema("mount", _b(origen), _b(destino), _b(tipo), ctypes.c_ulong(opciones), _b(datos))


def desmontar(destino: str | Path) -> None:
    try:
        _sistema("umount2", _b(destino), MNT_DETACH)
    except OSError:
        pass


LINUX = sys.platform.startswith("linux")  # fuera de Linux (el portátil de un estudiante): sin jaula


def prctl(opcion: int, valor: int) -> None:
    """``prctl(2)``; fuera de Linux no existe y no hace nada (sin jaula, no hace falta)."""
    if LINUX:
        _sistema("prctl", opcion, ctypes.c_ulong(valor), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


# ── Qué protecciones hay en esta máquina ─────────────────────────────────────

_jaula_disponible: bool | None = None


def jaula_disponible() -> bool:
    """True si se pueden crear espacios de nombres y cambiar de uid (root en Linux); se prueba una vez."""
    global _jaula_disponible
    if _jaula_disponible is None:
        _jaula_disponible = False
        if sys.platform.startswith("linux") and os.geteuid() == 0:
            pid = os.fork()
            if pid == 0:
                try:
                    _sistema("unshare", CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
                    os._exit(0)
                except BaseException:
                    os._exit(1)
            _jaula_disponible = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    return _jaula_disponible


def protecciones(jaula: bool) -> list[str]:
    """Las protecciones activas, en palabras de quien califica."""
    comunes = [
        "el código del estudiante corre en un proceso aparte, al que las comprobaciones solo hablan por un puente",
        "límites de memoria, tamaño de archivo y tiempo",
        "un entorno vacío",
    ]
    if not jaula:
        return comunes
    return comunes + [
        "un usuario sin privilegios propio de cada entrega",
        "espacios de nombres propios (procesos, red solo local, montajes)",
        "una raíz mínima: sin checks/, solutions/, otras entregas ni la carpeta de salida",
        "una caja de tamaño limitado",
        "no_new_privs",
    ]


# ── Mensajes con descriptores: los marcos de taller.protocolo sobre un socket Unix ──


def enviar(conexion: socket.socket, mensaje: dict, fds: tuple[int, ...] = ()) -> None:
    protocolo.enviar(conexion, mensaje, fds)


def recibir(conexion: socket.socket) -> tuple[dict | None, list[int]]:
    """(mensaje, descriptores); (None, []) si el otro extremo cerró."""
    try:
        return protocolo.recibir_con_fds(conexion)
    except protocolo.ErrorDelRecinto:
        return None, []


# ── La fábrica ───────────────────────────────────────────────────────────────


class Fabrica:
    """El proceso que crea las sesiones; se bifurca una vez, antes de ver ninguna entrega."""

    def __init__(self) -> None:
        self.jaula = jaula_disponible()
        self.carpeta = Path(tempfile.mkdtemp(prefix="taller-fabrica-"))
        self.ruta = self.carpeta / "fabrica.sock"
        escucha = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        escucha.bind(str(self.ruta))
        escucha.listen(64)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            codigo = 0
            try:
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                # Solo el socket que escucha: un descriptor heredado (la tubería del Playwright de pytest,
                # por ejemplo) abierto aquí impediría que su otro extremo viera el final y terminara.
                os.closerange(3, escucha.fileno())
                os.closerange(escucha.fileno() + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
                olvidar_entorno()
                _fabrica(escucha, self.jaula)
            except BaseException:
                codigo = 1
            finally:
                os._exit(codigo)
        escucha.close()

    def sesion(self, objetivo: Path, servicios: list[str]) -> Sesion:
        conexion = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conexion.connect(str(self.ruta))
        enviar(conexion, {"objetivo": str(objetivo), "servicios": servicios})
        info, _ = recibir(conexion)
        if info is None or "error" in info:
            conexion.close()
            raise OSError((info or {}).get("error", "la fábrica de recintos no respondió"))
        return Sesion(conexion, info)

    def cerrar(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        shutil.rmtree(self.carpeta, ignore_errors=True)


def olvidar_entorno() -> None:
    """Borra de la memoria de este proceso (y de lo que se bifurque de él) el entorno de quien califica.

    Vaciar ``os.environ`` no basta: el bloque de entorno con que arrancó el proceso sigue en su
    pila y cada recinto, bifurcado de aquí, la hereda; un estudiante la lee con ``ctypes`` y
    encuentra las variables del docente (medido: ``TALLER_SECRETO=…`` en ``[stack]``). Se ponen a
    cero ese bloque y las copias que guarda ``os.environ``, y queda el entorno mínimo.
    """
    datos = getattr(os.environ, "_data", {})
    desplazamiento = bytes.__basicsize__ - 1  # dónde empiezan los bytes de un objeto bytes
    for clave, valor in list(datos.items()):
        for bloque in (clave, valor):
            if isinstance(bloque, bytes) and len(bloque) > 1:  # b"" y los de un carácter son compartidos
                ctypes.memset(id(bloque) + desplazamiento, 0, len(bloque))
    datos.clear()  # sin unsetenv: las entradas apuntan al bloque que se borra abajo
    try:
        campos = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        inicio, fin = int(campos[47]), int(campos[48])  # env_start y env_end (campos 50 y 51 de proc(5))
    except (OSError, ValueError, IndexError):
        inicio = fin = 0
    if hasattr(_libc, "clearenv"):  # glibc; fuera de Linux basta con vaciar os.environ
        _libc.clearenv()  # environ vacío: nadie apunta ya al bloque original
    if 0 < inicio < fin:
        ctypes.memset(inicio, 0, fin - inicio)
    os.environ.update(ENTORNO)


@dataclass
class Sesion:
    """La sesión de una entrega: su conexión con la fábrica y lo que se sabe de su caja."""

    conexion: socket.socket
    info: dict = field(default_factory=dict)


def _fabrica(escucha: socket.socket, jaula: bool) -> None:
    signal.signal(signal.SIGCHLD, lambda *_: _recoger())
    while True:
        try:
            conexion, _ = escucha.accept()
        except InterruptedError:
            continue
        pid = os.fork()
        if pid == 0:
            escucha.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            codigo = 0
            try:
                _sesion(conexion, jaula)
            except BaseException:
                codigo = 1
            finally:
                os._exit(codigo)
        conexion.close()


def _recoger(vigilado: int | None = None) -> int | None:
    """Recoge los hijos que terminaron; devuelve el código de salida de ``vigilado`` si es uno de ellos."""
    codigo = None
    while True:
        try:
            pid, estado = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return codigo
        if pid == 0:
            return codigo
        if pid == vigilado:
            codigo = os.waitstatus_to_exitcode(estado)


# ── La sesión de una entrega ─────────────────────────────────────────────────


def _sesion(conexion: socket.socket, jaula: bool) -> None:
    peticion, _ = recibir(conexion)
    if peticion is None:
        return
    base = Path(tempfile.mkdtemp(prefix="taller-caja-", dir=carpeta_temporal()))
    base.chmod(0o711)  # el Redis de la entrega (otro uid) llega a su carpeta; nadie puede listarla
    caja = base / "caja"
    caja.mkdir()
    uid = UID_BASE + 2 * os.getpid() if jaula else os.getuid()
    recintos: list[int] = []
    try:
        if jaula:
            montar(
                "tmpfs",
                caja,
                "tmpfs",
                MS_NOSUID | MS_NODEV,
                f"size={LIMITE_CAJA},nr_inodes={INODOS_CAJA},mode=0755,uid={uid},gid={uid}",
            )
        objetivo = caja / "objetivo"
        shutil.copytree(
            peticion["objetivo"],
            objetivo,
            symlinks=True,
            ignore=shutil.ignore_patterns("__pycache__", ".git", ".venv", "venv", "node_modules"),
        )
        for carpeta in ("home", "tmp"):
            (caja / carpeta).mkdir()
        if jaula:
            for ruta in [caja, *caja.rglob("*")]:
                os.lchown(ruta, uid, uid)
        info = {
            "caja": str(caja),
            "objetivo": str(objetivo),
            "uid": uid,
            "jaula": jaula,
            "servicios": peticion["servicios"],
            "protecciones": protecciones(jaula),
        }
        if jaula and "redis" in peticion["servicios"]:
            servicios = base / "servicios"
            servicios.mkdir(mode=0o700)
            os.chown(servicios, uid + 1, uid + 1)
            info["redis_socket"] = str(servicios / "redis.sock")
        enviar(conexion, info)
        while True:
            mensaje, _ = recibir(conexion)
            if mensaje is None:
                return
            pid, fds = _nuevo_recinto(base, info)
            recintos.append(pid)
            enviar(conexion, {"pid": pid}, fds)
            for fd in fds:
                os.close(fd)
    finally:
        for pid in recintos:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _recoger()
        if jaula:
            desmontar(caja)
        shutil.rmtree(base, ignore_errors=True)


def carpeta_temporal() -> str | None:
    """Dónde crear las carpetas temporales: en memoria (/dev/shm) si se puede."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _nuevo_recinto(base: Path, info: dict) -> tuple[int, tuple[int, ...]]:
    """Crea init + recinto; devuelve el pid del init y (puente, salvavidas, salida) para las comprobaciones."""
    puente_fuera, puente_dentro = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    salvavidas_dentro, salvavidas_fuera = os.pipe()
    salida, lectura_salida = _archivo_de_salida(base)
    listo_lectura, listo_escritura = os.pipe()
    pid = os.fork()
    if pid == 0:
        codigo = 70
        try:
            puente_fuera.close()
            os.close(salvavidas_fuera)
            os.close(lectura_salida)
            os.close(listo_lectura)
            codigo = _arrancar(base, info, puente_dentro, salvavidas_dentro, salida, listo_escritura)
        except BaseException:
            _informar_fallo()
        finally:
            os._exit(codigo)
    puente_dentro.close()
    os.close(salvavidas_dentro)
    os.close(salida)
    os.close(listo_escritura)
    # El pid del init (dentro de unshare, el padre intermedio lo cuenta por el tubo).
    datos = os.read(listo_lectura, 32)
    os.close(listo_lectura)
    pid_init = int(datos) if datos.strip().isdigit() else pid
    fds: tuple[int, ...] = (os.dup(puente_fuera.fileno()), salvavidas_fuera, lectura_salida)
    puente_fuera.close()
    if info["jaula"]:
        # La red del recinto, para que las comprobaciones abran en ella sus propios sockets (en_la_red).
        # Es la de ``pid``, el hijo que hizo unshare: un hijo sin recoger no puede cambiar de pid.
        try:
            fds += (os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC),)
        except OSError:  # el hijo ya terminó (la jaula falló): el puente lo dirá si alguien necesita la red
            pass
    return pid_init if pid_init > 0 else pid, fds


def _archivo_de_salida(base: Path) -> tuple[int, int]:
    """El archivo (sin nombre) donde escribe el recinto su stdout y stderr, dentro de su caja.

    Fuera de la caja (en /dev/shm), cada recinto podía escribir 64 MB de salida sin que contaran
    en los 256 MB de la caja, y hasta 25 recintos por entrega: más de 1,5 GB de memoria de la
    máquina. Con ``O_TMPFILE`` el archivo ocupa sitio en la caja, no tiene nombre que el recinto
    pueda cambiar y se libera al cerrarse su último descriptor. Fuera de Linux, un archivo con nombre
    que se borra en cuanto está abierto. Devuelve (escritura para el recinto, lectura para las comprobaciones).
    """
    if hasattr(os, "O_TMPFILE"):
        try:
            salida = os.open(base / "caja", os.O_TMPFILE | os.O_RDWR | os.O_APPEND, 0o600)
            return salida, os.open(f"/proc/self/fd/{salida}", os.O_RDONLY)
        except OSError:  # un sistema de archivos sin O_TMPFILE (sin jaula, fuera de /dev/shm)
            pass
    ruta = base / f"salida-{time.monotonic_ns()}.log"
    salida = os.open(ruta, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    lectura = os.open(ruta, os.O_RDONLY)
    ruta.unlink()
    return salida, lectura


def _arrancar(base: Path, info: dict, puente: socket.socket, salvavidas: int, salida: int, listo: int) -> int:
    """El hijo de la sesión: con jaula, crea los espacios de nombres y espera al init (su proceso 1)."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if not info["jaula"]:
        os.write(listo, str(os.getpid()).encode())
        os.close(listo)
        return _init(base, info, puente, salvavidas, salida, jaula=False)
    _sistema("unshare", CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    pid = os.fork()
    if pid == 0:
        os.close(listo)
        codigo = 71
        try:
            codigo = _init(base, info, puente, salvavidas, salida, jaula=True)
        except BaseException:
            _informar_fallo()
        finally:
            os._exit(codigo)
    os.write(listo, str(pid).encode())
    os.close(listo)
    puente.close()
    os.close(salvavidas)
    os.close(salida)
    _, estado = os.waitpid(pid, 0)
    return 0


def _init(base: Path, info: dict, puente: socket.socket, salvavidas: int, salida: int, jaula: bool) -> int:
    """El init del recinto: prepara la jaula, lanza el recinto y vive mientras viva el salvavidas."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    raiz = base / "raiz"
    colgado = None
    if jaula:
        montar(None, "/", None, MS_REC | MS_PRIVATE)
        _levantar_lo()
        raiz.mkdir(exist_ok=True)
        _construir_raiz(raiz, Path(info["caja"]))
        if "redis" in info["servicios"]:
            _arrancar_redis(info, base)
        colgado = socket.socket()
        colgado.bind(("127.0.0.1", PUERTO_COLGADO))
        colgado.listen(64)  # acepta conexiones y no contesta nunca: un Redis «colgado»
    despertador_r, despertador_w = os.pipe()
    os.set_blocking(despertador_w, False)
    signal.set_wakeup_fd(despertador_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    pid = os.fork()
    if pid == 0:
        codigo = 72
        try:
            os.close(salvavidas)
            os.close(despertador_r)
            os.close(despertador_w)
            if colgado:
                colgado.close()
            try:
                _entrar(raiz if jaula else None, info, puente, salida)
                from taller import recinto
            except BaseException:
                _informar_fallo()
                raise
            recinto.main(puente)
            codigo = 0
        finally:
            os._exit(codigo)
    puente.close()
    import select

    while True:
        listos, _, _ = select.select([salvavidas, despertador_r], [], [])
        if despertador_r in listos:
            os.read(despertador_r, 512)
            # Un solo waitpid(-1) para todos: con waitpid(pid) y después _recoger(), si el recinto
            # terminaba entre las dos llamadas lo recogía _recoger y su código se perdía (el init
            # seguía esperando y el puente decía «código de salida None»).
            salida_del_recinto = _recoger(pid)
            if salida_del_recinto is not None:
                try:
                    os.write(salida, f"\n{MARCA_FIN}{salida_del_recinto}\n".encode())
                except OSError:  # la caja, llena: el puente no sabrá el código, pero el init termina bien
                    pass
                break
        if salvavidas in listos and not os.read(salvavidas, 512):
            break
    if not jaula:  # sin espacio de PID propio: matar al grupo del recinto a mano
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return 0  # al morir el proceso 1, el núcleo mata todo lo que quede dentro


def _informar_fallo() -> None:
    """Un fallo de la propia jaula (no del estudiante): a stderr, para quien mantiene el taller."""
    import traceback

    try:
        os.write(2, ("Fallo de la jaula del taller:\n" + traceback.format_exc()).encode())
    except OSError:
        pass


def en_la_red(red: int, funcion: Callable[[], T]) -> T:
    """``funcion()`` en la red ``red`` (un descriptor de /proc/PID/ns/net): un socket que crea es de esa red.

    ``setns`` cambia la red de un solo hilo: se hace en uno nuevo, que termina con ``funcion``.
    Así las comprobaciones abren un socket en la red del recinto sin que el recinto tenga copia.
    """
    resultado: list = []

    def dentro() -> None:
        try:
            _sistema("setns", red, CLONE_NEWNET)
            resultado.append((True, funcion()))
        except BaseException as e:
            resultado.append((False, e))

    hilo = threading.Thread(target=dentro)
    hilo.start()
    hilo.join()
    bien, valor = resultado[0]
    if not bien:
        raise valor
    return valor


def _levantar_lo() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING, b"\0" * 14))


def rutas_de_solo_lectura() -> list[Path]:
    """Lo que el recinto necesita leer: el sistema, Python con sus paquetes y el paquete taller."""
    import taller

    rutas = [Path(p) for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")]
    rutas += [Path(p).resolve() for p in {sys.base_prefix, sys.prefix, sys.exec_prefix}]
    rutas.append(Path(taller.__file__).resolve().parent)
    return rutas


def _construir_raiz(raiz: Path, caja: Path) -> None:
    """La raíz del recinto. Primero /dev, /tmp y /proc propios; después, dentro, lo de solo lectura y la caja
    (el taller o su entorno virtual pueden vivir bajo /tmp, como en un clon de CI: se montan encima)."""
    montar("tmpfs", raiz, "tmpfs", MS_NOSUID, "size=16m,mode=0755")
    dev = raiz / "dev"
    dev.mkdir()
    for nombre in ("null", "zero", "full", "random", "urandom"):
        (dev / nombre).touch()
        montar(f"/dev/{nombre}", dev / nombre, None, MS_BIND)
    for carpeta in (dev / "shm", raiz / "tmp"):
        carpeta.mkdir()
        montar("tmpfs", carpeta, "tmpfs", MS_NOSUID | MS_NODEV, f"size=64m,nr_inodes={INODOS_TMP},mode=1777")
    (raiz / "proc").mkdir()
    montar("proc", raiz / "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    rutas = rutas_de_solo_lectura()
    for ruta in rutas:
        if not os.path.lexists(ruta) or any(
            ruta != otra and ruta.is_relative_to(otra) for otra in rutas if not otra.is_symlink()
        ):
            continue
        destino = raiz / ruta.relative_to("/")
        if ruta.is_symlink():
            destino.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(ruta), destino)
            continue
        destino.mkdir(parents=True, exist_ok=True)
        montar(ruta, destino, None, MS_BIND | MS_REC)
        montar(None, destino, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    destino = raiz / caja.relative_to("/")  # la caja, en la misma ruta que fuera
    destino.mkdir(parents=True, exist_ok=True)
    montar(caja, destino, None, MS_BIND)


def _arrancar_redis(info: dict, base: Path) -> None:
    """Un Redis propio de la entrega en 127.0.0.1:6379 de su red, con otro uid y un socket para las comprobaciones."""
    import subprocess

    uid = info["uid"] + 1
    servicios = base / "servicios"

    def como_redis() -> None:
        # El Redis vive fuera del recinto y sin sus límites: el estudiante le manda lo que quiera
        # (respuestas enormes sin leerlas, scripts Lua…). Memoria y archivos acotados aquí.
        for limite, valor in (
            (resource.RLIMIT_AS, LIMITE_MEMORIA_REDIS),
            (resource.RLIMIT_FSIZE, LIMITE_ARCHIVO),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(limite, (valor, valor))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    # Órdenes de administración que el recinto no debe poder usar: CONFIG quitaba el límite de
    # memoria (CONFIG SET maxmemory 0), SAVE y compañía escriben el volcado fuera de la caja.
    desactivadas = [a for orden in ORDENES_DE_REDIS_DESACTIVADAS for a in ("--rename-command", orden, "")]
    ejecutable = shutil.which("redis-server") or "redis-server"
    subprocess.Popen(
        [
            ejecutable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(PUERTO_REDIS),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(servicios),
            "--unixsocket",
            info["redis_socket"],
            "--unixsocketperm",
            "700",
            "--protected-mode",
            "no",
            "--maxmemory",
            "64mb",
            "--loglevel",
            "warning",
            "--client-output-buffer-limit",
            "normal 32mb 16mb 10",
            *desactivadas,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=como_redis,
        close_fds=True,
    )
    limite = time.monotonic() + 3
    while time.monotonic() < limite:
        try:
            socket.create_connection(("127.0.0.1", PUERTO_REDIS), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.005)


def memoria_actual() -> int:
    """Los bytes de memoria virtual que ocupa este proceso (0 si no se sabe)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _entrar(raiz: Path | None, info: dict, puente: socket.socket, salida: int) -> None:
    """Ya en el proceso del recinto: raíz mínima, uid propio, límites, entorno vacío y solo el puente abierto."""
    caja = Path(info["caja"])
    ocupada = memoria_actual()  # nace de un proceso con Flask y compañía ya cargados: el límite va sobre eso
    if raiz is not None:
        os.chroot(raiz)
    os.chdir(info["objetivo"])
    os.setsid()
    for limite, valor in (
        (resource.RLIMIT_AS, ocupada + LIMITE_MEMORIA),
        (resource.RLIMIT_FSIZE, LIMITE_ARCHIVO),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, LIMITE_CPU),
        (resource.RLIMIT_NOFILE, 512),
    ):
        try:
            resource.setrlimit(limite, (valor, valor))
        except (ValueError, OSError):
            if LINUX:  # en Linux todos existen; fuera (macOS) alguno no se puede bajar: se sigue sin él
                raise
    if raiz is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (LIMITE_PROCESOS, LIMITE_PROCESOS))
        os.setgroups([])
        os.setresgid(info["uid"], info["uid"], info["uid"])
        os.setresuid(info["uid"], info["uid"], info["uid"])
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    nulo = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nulo, 0)
    os.dup2(salida, 1)
    os.dup2(salida, 2)
    os.close(nulo)
    os.close(salida)
    os.closerange(3, puente.fileno())
    os.closerange(puente.fileno() + 1, 65536)
    os.environ.clear()
    os.environ.update(ENTORNO, HOME=str(caja / "home"), TMPDIR=str(caja / "tmp"))
    tempfile.tempdir = None
    for nombre in ("SIGCHLD", "SIGPIPE", "SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, nombre), signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)
    _olvidar_el_registro()


def _olvidar_el_registro() -> None:
    """Quita los manejadores de ``logging`` heredados (los de pytest, si la fábrica nació de él).

    Apuntaban a descriptores que ya se cerraron: al reutilizarse para un socket, una línea del
    registro de werkzeug acababa dentro de una respuesta HTTP. Lo que registre la app va a stderr.
    """
    import logging

    for nombre in [None, *list(logging.root.manager.loggerDict)]:
        registrador = logging.getLogger(nombre)
        for manejador in list(registrador.handlers):
            registrador.removeHandler(manejador)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, force=True)
