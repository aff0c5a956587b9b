"""Apps WSGI de confianza (un proveedor OpenID Connect, un sustituto de GitHub) servidas en hilos.

``servir(app)`` sirve una app en 127.0.0.1 y un puerto libre, para las pruebas. ``servir_al_recinto``
hace lo mismo para que también la alcance la app del estudiante, que en la jaula vive en su propia
red (solo ``lo``): el recinto abre un socket que escucha en 127.0.0.1:P de su red y lo pasa por el
puente (``Puente.escuchar_en_el_recinto``); aquí se valida, porque llega de un proceso en el que no
se confía, y se escucha también en 127.0.0.1:P de esta red, la de las comprobaciones y su navegador.
Las dos escuchas sirven la misma app: la URL ``http://127.0.0.1:P`` vale a los dos lados (así el
emisor de un proveedor es el mismo para la app y para el navegador). El recinto no gana con ello
acceso a nada más: solo puede conectar con el socket que él mismo abrió.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

from taller.protocolo import ErrorDelRecinto
from taller.puente import FalloDelRecinto

if TYPE_CHECKING:
    from taller.puente import Puente

INTENTOS = 5  # puertos del recinto que se prueban si el mismo puerto ya está ocupado a este lado


@contextmanager
def servir_en(escucha: socket.socket, app: Callable) -> Iterator[None]:
    """Sirve ``app`` en un hilo, en el socket ``escucha`` (que ya escucha); se para al salir."""
    servidor = make_server("127.0.0.1", 0, app, threaded=True, fd=escucha.fileno())
    hilo = threading.Thread(target=servidor.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    hilo.start()
    try:
        yield
    finally:
        servidor.shutdown()
        hilo.join(timeout=5)
        servidor.server_close()


def escucha_local(puerto: int = 0) -> socket.socket:
    """Un socket que escucha en 127.0.0.1:``puerto`` (0: uno libre) de esta red."""
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


def escucha_validada(fd: int) -> socket.socket:
    """El socket del descriptor ``fd`` que envió el recinto, si es lo prometido; si no, ErrorDelRecinto.

    Lo prometido: TCP sobre IPv4, escuchando, en 127.0.0.1 y un puerto sin privilegios. El descriptor es nuestro en cualquier caso
    (se cierra si no vale): un recinto que miente no deja nada abierto a este lado.
    """
    try:
        escucha = socket.socket(fileno=fd)
    except OSError as e:
        os.close(fd)
        raise ErrorDelRecinto(f"envió un descriptor que no es un socket ({e.strerror})") from None
    try:
        escuchando = escucha.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        direccion: Any = escucha.getsockname()
        if escucha.family != socket.AF_INET or escucha.type != socket.SOCK_STREAM:
            raise ErrorDelRecinto("envió un socket que no es TCP sobre IPv4")
        if not escuchando:
            raise ErrorDelRecinto("envió un socket que no escucha")
        if direccion[0] != "127.0.0.1":
            raise ErrorDelRecinto(f"envió un socket que escucha en {direccion[0]}, no en 127.0.0.1")
        if not 1024 <= direccion[1] < 65536:  # el recinto no puede abrir uno con privilegios: no lo abrió él
            raise ErrorDelRecinto(f"envió un socket en un puerto con privilegios ({direccion[1]})")
    except BaseException:
        escucha.close()
        raise
    return escucha


@contextmanager
def servir_al_recinto(puente: Puente, app: Callable) -> Iterator[str]:
    """Sirve ``app`` (de confianza) para el recinto de ``puente`` y para las comprobaciones; da su URL.

    En la jaula hay dos redes y dos escuchas en el mismo puerto. Sin jaula hay una red y el socket
    del recinto ya es de ella: basta con ese.
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
