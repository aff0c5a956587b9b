"""Apps WSGI de confianza (un proveedor OpenID Connect, un sustituto de GitHub) servidas en hilos.

``servir(app)`` sirve una app en 127.0.0.1 y un puerto libre, para las pruebas. ``servir_al_recinto``
hace lo mismo para que también la alcance la app del estudiante, que en la jaula vive en su propia
red (solo ``lo``): este proceso abre un socket que escucha en 127.0.0.1:P de la red del recinto
(``Puente.escuchar_en_el_recinto``, con ``setns`` en un hilo; el recinto no recibe copia) y otro
en 127.0.0.1:P de esta red, la de las comprobaciones y su navegador. Las dos escuchas sirven la
misma app: la URL ``http://127.0.0.1:P`` vale a los dos lados (así el emisor de un proveedor es el
mismo para la app y para el navegador). El recinto no gana con ello acceso a nada más: solo puede
conectar con ese puerto, y como mucho ``MAX_CONEXIONES`` a la vez.
"""

from __future__ import annotations

import errno
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from taller import jaula, protocolo
from taller.cargador import ErrorDeCarga
from taller.puente import FalloDelRecinto

if TYPE_CHECKING:
    from taller.puente import Puente

INTENTOS = 5  # puertos del recinto que se prueban si el mismo puerto ya está ocupado a este lado
MAX_CONEXIONES = 32  # conexiones abiertas a la vez en un servidor; las de más se cierran al llegar
ESPERA = 5.0  # segundos que el servidor espera cada trozo de una petición (o la siguiente, en keep-alive)
ESPERA_AL_PARAR = 2.0  # segundos que se espera al hilo que acepta conexiones al parar
PAUSA = 0.02  # lo más que espera handle_request: el hilo que acepta ve pronto que debe parar
MAX_BYTES_DE_LA_APP = 64 * 2**20  # lo que la app puede enviar por un reenvío (todas sus conexiones juntas)


class _Manejador(WSGIRequestHandler):
    timeout = ESPERA  # StreamRequestHandler: el plazo de cada lectura y escritura del socket

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Sin registro de accesos: las peticiones al proveedor del taller no son «la salida de tu programa»."""


class _Acotado:
    """Lo común de los servidores de aquí: conexiones contadas, y al parar, todas cortadas."""

    maximo = MAX_CONEXIONES

    def _preparar(self) -> None:
        self.abiertas: set[socket.socket] = set()
        self.cerrojo = threading.Lock()
        self.parado = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.cerrojo:
            admitida = not self.parado and len(self.abiertas) < self.maximo
            if admitida:
                self.abiertas.add(request)
        if admitida:
            super().process_request(request, client_address)  # type: ignore[misc]
        else:
            self.shutdown_request(request)  # type: ignore[attr-defined]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)  # type: ignore[misc]
        finally:
            self.soltar(request)

    def anotar(self, conexion: socket.socket) -> bool:
        """Cuenta ``conexion`` entre las que se cortan al parar; False si ya se está parando."""
        with self.cerrojo:
            if not self.parado:
                self.abiertas.add(conexion)
            return not self.parado

    def soltar(self, conexion: socket.socket) -> None:
        with self.cerrojo:
            self.abiertas.discard(conexion)

    def cerrar_conexiones(self) -> None:
        """No admite más y corta las abiertas: el hilo de cada una termina en cuanto lee o escribe."""
        with self.cerrojo:
            self.parado = True
            abiertas = list(self.abiertas)
        for conexion in abiertas:
            try:
                conexion.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ServidorAcotado(_Acotado, ThreadedWSGIServer):
    """Un servidor WSGI con hilos que el código del estudiante no puede agotar ni dejar en marcha.

    La app del recinto le abre conexiones: como mucho ``MAX_CONEXIONES`` a la vez (un hilo de
    este proceso cada una), y ``cerrar_conexiones`` termina las que queden al parar. Sin eso,
    conexiones a medio enviar (el ataque *slowloris*) dejaban cientos de hilos vivos de una comprobación a otra.
    """

    timeout = PAUSA

    def __init__(self, escucha: socket.socket, app: Callable) -> None:
        super().__init__("127.0.0.1", 0, app, handler=_Manejador, fd=escucha.fileno())
        self._preparar()


def _copiar(origen: socket.socket, destino: socket.socket, gastar: Callable[[int], bool] | None = None) -> None:
    """Copia lo que llega por ``origen`` a ``destino`` hasta que se acaba (o ``gastar(n)`` dice que no queda);
    después cierra la escritura de ``destino``."""
    try:
        while datos := origen.recv(65536):
            if gastar is not None and not gastar(len(datos)):
                break
            destino.sendall(datos)
    except OSError:
        pass
    try:
        destino.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class _Tubo(socketserver.BaseRequestHandler):
    server: Reenvio

    def handle(self) -> None:
        try:
            remota = self.server.conectar()
        except OSError:
            return
        try:
            if self.server.anotar(remota):
                vuelta = threading.Thread(target=_copiar, args=(remota, self.request, self.server.gastar), daemon=True)
                vuelta.start()
                _copiar(self.request, remota)
                vuelta.join()  # acaba cuando la app cierra, o al parar (cerrar_conexiones)
        finally:
            self.server.soltar(remota)
            remota.close()


class Reenvio(_Acotado, socketserver.ThreadingTCPServer):
    """Reenvía cada conexión que llega a ``escucha`` (en esta red) a la que abre ``conectar()`` (en la del recinto).

    Así las comprobaciones y su navegador llegan a la app servida en la jaula sin que el recinto
    tenga ningún socket de esta red. Solo se conectan a ``escucha`` las comprobaciones. La app puede
    enviar por él ``MAX_BYTES_DE_LA_APP``: una respuesta sin fin (1 GB/s) ya no llena la memoria de
    este proceso, que la leería entera (``requests``).
    """

    timeout = PAUSA
    daemon_threads = True
    maximo = 4 * MAX_CONEXIONES  # un navegador abre varias a la vez; ninguna viene del recinto

    def __init__(self, escucha: socket.socket, conectar: Callable[[], socket.socket]) -> None:
        super().__init__(escucha.getsockname(), _Tubo, bind_and_activate=False)
        self.socket.close()
        self.socket = escucha.dup()
        self.conectar = conectar
        self.restantes = MAX_BYTES_DE_LA_APP
        self._preparar()

    def gastar(self, n: int) -> bool:
        """Descuenta ``n`` bytes de la app; False si ya envió más de ``MAX_BYTES_DE_LA_APP``."""
        with self.cerrojo:
            self.restantes -= n
            return self.restantes >= 0


@contextmanager
def atender(servidor: _Acotado) -> Iterator[None]:
    """Acepta conexiones de ``servidor`` en un hilo hasta salir del bloque; después lo para.

    Parar nunca espera sin límite: se cortan las conexiones abiertas, un ``shutdown`` del socket
    despierta un ``accept`` bloqueado y al hilo que acepta se le espera ``ESPERA_AL_PARAR`` segundos.
    """
    parar = threading.Event()

    def aceptar() -> None:
        while not parar.is_set():
            servidor.handle_request()  # type: ignore[attr-defined]

    hilo = threading.Thread(target=aceptar, daemon=True)
    hilo.start()
    try:
        yield
    finally:
        parar.set()
        servidor.cerrar_conexiones()
        try:
            servidor.socket.shutdown(socket.SHUT_RD)  # type: ignore[attr-defined]
        except OSError:
            pass
        fin = time.monotonic() + ESPERA_AL_PARAR
        hilo.join(timeout=ESPERA_AL_PARAR)
        while servidor.abiertas and time.monotonic() < fin:  # los hilos de las conexiones cortadas
            time.sleep(0.01)
        servidor.server_close()  # type: ignore[attr-defined]


def servir_en(escucha: socket.socket, app: Callable) -> AbstractContextManager[None]:
    """Sirve ``app`` en un hilo, en el socket ``escucha`` (que ya escucha); se para al salir."""
    return atender(ServidorAcotado(escucha, app))


def escucha_local(puerto: int = 0) -> socket.socket:
    """Un socket que escucha en 127.0.0.1:``puerto`` (0: uno libre) de esta red (o de la de ``jaula.en_la_red``)."""
    escucha = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        escucha.bind(("127.0.0.1", puerto))
        escucha.listen(64)
    except OSError:
        escucha.close()
        raise
    return escucha


@contextmanager
def servir(app: Callable) -> Iterator[str]:
    """Sirve ``app`` en 127.0.0.1 y un puerto libre; da su URL (``http://127.0.0.1:PUERTO``)."""
    with escucha_local() as escucha, servir_en(escucha, app):
        yield f"http://127.0.0.1:{escucha.getsockname()[1]}"


def escuchas_en_el_mismo_puerto(puente: Puente, pila: ExitStack) -> tuple[socket.socket, socket.socket | None]:
    """(escucha en la red del recinto, escucha en esta red en el mismo puerto); sin jaula, (la de esta red, None).

    El puerto lo elige el núcleo en esta red (no la app, que podría llenar su red de puertos para escoger
    cuál queda libre); si está ocupado en la red del recinto, se prueba otro. Las dos se cierran con ``pila``.
    """
    if not puente.info.get("jaula"):
        return pila.enter_context(puente.escuchar_en_el_recinto()), None
    for _ in range(INTENTOS):
        with ExitStack() as intento:
            local = intento.enter_context(escucha_local())
            try:
                remota = puente.escuchar_en_el_recinto(local.getsockname()[1])
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    raise
                continue  # el puerto está ocupado en la red del recinto: otro
            pila.enter_context(remota)
            pila.push(intento.pop_all())
            return remota, local
    raise FalloDelRecinto(
        f"Ningún puerto libre en la red de las comprobaciones lo estaba en la del recinto ({INTENTOS} intentos)."
    )


@contextmanager
def servir_al_recinto(puente: Puente, app: Callable) -> Iterator[str]:
    """Sirve ``app`` (de confianza) para el recinto de ``puente`` y para las comprobaciones; da su URL.

    En la jaula hay dos redes y dos escuchas en el mismo puerto. Sin jaula hay una red y la escucha
    «del recinto» ya es de ella: basta con esa.
    """
    with ExitStack() as pila:
        remota, local = escuchas_en_el_mismo_puerto(puente, pila)
        for escucha in filter(None, (remota, local)):
            pila.enter_context(servir_en(escucha, app))
        yield f"http://127.0.0.1:{remota.getsockname()[1]}"


def servir_desde_el_recinto(puente: Puente, app: int) -> str:
    """Pide al recinto que sirva su app número ``app`` por HTTP; da la URL para las comprobaciones y su navegador.

    El recinto sirve en una escucha de su red que se crea aquí. En la jaula, otra en el mismo puerto
    de esta red reenvía cada conexión hasta él (``Reenvio``): el recinto no recibe ningún socket de
    esta red (con uno que ya había escuchado, un núcleo que lo permitiera conectaría con tu PostgreSQL).
    Se sirve hasta el final de la comprobación (``Puente.parar_servidos``).
    """
    with ExitStack() as pila:
        remota, local = escuchas_en_el_mismo_puerto(puente, pila)
        puerto = remota.getsockname()[1]
        r = puente.pedir("servir", app=app, fds=(remota.fileno(),))
        if "error" in r:
            raise ErrorDeCarga(f"No se pudo servir la app: {protocolo.texto(r['error'], 500)}")
        if local is not None:
            puente.servidos.enter_context(atender(Reenvio(local, conectar_en(puente, puerto))))
        return f"http://127.0.0.1:{puerto}"


def conectar_en(puente: Puente, puerto: int) -> Callable[[], socket.socket]:
    """Una función que abre una conexión con 127.0.0.1:``puerto`` de la red del recinto de ``puente``."""
    red = puente.red
    if red is None:
        raise FalloDelRecinto("No se pudo abrir un socket en la red del recinto (fallo del taller).")

    def conectar() -> socket.socket:
        conexion = jaula.en_la_red(red, lambda: socket.create_connection(("127.0.0.1", puerto), timeout=ESPERA))
        conexion.settimeout(None)
        return conexion

    return conectar
