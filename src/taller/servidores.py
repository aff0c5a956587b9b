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
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from taller.puente import FalloDelRecinto

if TYPE_CHECKING:
    from taller.puente import Puente

INTENTOS = 5  # puertos del recinto que se prueban si el mismo puerto ya está ocupado a este lado
MAX_CONEXIONES = 32  # conexiones abiertas a la vez en un servidor; las de más se cierran al llegar
ESPERA = 5.0  # segundos que el servidor espera cada trozo de una petición (o la siguiente, en keep-alive)
ESPERA_AL_PARAR = 2.0  # segundos que se espera al hilo que acepta conexiones al parar


class _Manejador(WSGIRequestHandler):
    timeout = ESPERA  # StreamRequestHandler: el plazo de cada lectura y escritura del socket


class ServidorAcotado(ThreadedWSGIServer):
    """Un servidor WSGI con hilos que el código del estudiante no puede agotar ni dejar en marcha.

    La app del recinto le abre conexiones: como mucho ``MAX_CONEXIONES`` a la vez (un hilo de
    este proceso cada una), y ``cerrar_conexiones`` termina las que queden al parar. Sin eso,
    conexiones a medio enviar (slowloris) dejaban cientos de hilos vivos de una comprobación a otra.
    """

    def __init__(self, escucha: socket.socket, app: Callable) -> None:
        super().__init__("127.0.0.1", 0, app, handler=_Manejador, fd=escucha.fileno())
        self.timeout = 0.02  # handle_request espera como mucho esto: el bucle ve pronto que debe parar
        self.abiertas: set[socket.socket] = set()
        self.cerrojo = threading.Lock()
        self.parado = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.cerrojo:
            admitida = not self.parado and len(self.abiertas) < MAX_CONEXIONES
            if admitida:
                self.abiertas.add(request)
        if admitida:
            super().process_request(request, client_address)
        else:
            self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.cerrojo:
                self.abiertas.discard(request)

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


@contextmanager
def servir_en(escucha: socket.socket, app: Callable) -> Iterator[None]:
    """Sirve ``app`` en un hilo, en el socket ``escucha`` (que ya escucha); se para al salir.

    Parar nunca espera sin límite: se cortan las conexiones abiertas, un ``shutdown`` del socket
    despierta un ``accept`` bloqueado y al hilo que acepta se le espera ``ESPERA_AL_PARAR`` segundos.
    """
    servidor = ServidorAcotado(escucha, app)
    parar = threading.Event()

    def aceptar() -> None:
        while not parar.is_set():
            servidor.handle_request()

    hilo = threading.Thread(target=aceptar, daemon=True)
    hilo.start()
    try:
        yield
    finally:
        parar.set()
        servidor.cerrar_conexiones()
        try:
            servidor.socket.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        fin = time.monotonic() + ESPERA_AL_PARAR
        hilo.join(timeout=ESPERA_AL_PARAR)
        while servidor.abiertas and time.monotonic() < fin:  # los hilos de las conexiones cortadas
            time.sleep(0.01)
        servidor.server_close()


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


@contextmanager
def servir_al_recinto(puente: Puente, app: Callable) -> Iterator[str]:
    """Sirve ``app`` (de confianza) para el recinto de ``puente`` y para las comprobaciones; da su URL.

    En la jaula hay dos redes y dos escuchas en el mismo puerto. Sin jaula hay una red y la escucha
    «del recinto» ya es de ella: basta con esa.
    """
    with ExitStack() as pila:
        for _ in range(INTENTOS):
            remota = pila.enter_context(puente.escuchar_en_el_recinto())
            puerto = remota.getsockname()[1]
            escuchas = [remota]
            if puente.info.get("jaula"):
                try:
                    escuchas.append(pila.enter_context(escucha_local(puerto)))
                except OSError as e:
                    if e.errno != errno.EADDRINUSE:
                        raise
                    continue  # el puerto está ocupado en esta red: otro puerto del recinto
            for escucha in escuchas:
                pila.enter_context(servir_en(escucha, app))
            yield f"http://127.0.0.1:{puerto}"
            return
        raise FalloDelRecinto(
            f"Ningún puerto que abrió el recinto estaba libre en la red de las comprobaciones ({INTENTOS} intentos)."
        )
