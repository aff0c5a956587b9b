"""Un navegador de verdad para las pruebas y las comprobaciones: Playwright con el Chromium de Debian.

Playwright (de PyPI) no puede descargar sus navegadores aquí (``playwright install``
necesita internet), así que se lanza el ``chromium`` del sistema. Es el único sitio
del taller que lo lanza: las pruebas de ``tests/`` y las comprobaciones de ``checks/``
usan la fixture ``navegador``::

    def test_algo(navegador):
        pagina = navegador.pagina()          # un contexto nuevo (cookies propias) y su página
        pagina.goto("http://127.0.0.1:5000/")

Si falta Chromium, la prueba falla (nunca se salta) con un mensaje en español que dice
cómo instalarlo.
"""

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from taller.comprobaciones import Fallo

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ARGUMENTOS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIMITE_MS = 10_000  # lo más que espera cada acción de una página (ir a una URL, un clic, esperar un texto…)
NOMBRES = ("chromium", "chromium-browser", "google-chrome")
COMO_INSTALAR = "Instálalo con «sudo apt-get install chromium» (o indica su ruta con TALLER_CHROMIUM)."


class ChromiumNoDisponible(Fallo):
    """No hay un Chromium que lanzar: la prueba falla con este mensaje."""


def ruta_de_chromium():
    """La ruta del Chromium del sistema: ``TALLER_CHROMIUM`` o el primero de ``NOMBRES`` en el PATH."""
    propia = os.environ.get("TALLER_CHROMIUM")
    if propia:
        if not (os.path.isfile(propia) and os.access(propia, os.X_OK)):
            raise ChromiumNoDisponible(f"TALLER_CHROMIUM apunta a «{propia}», que no es un programa ejecutable.")
        return propia
    for nombre in NOMBRES:
        ruta = shutil.which(nombre)
        if ruta:
            return ruta
    raise ChromiumNoDisponible(
        "Estas pruebas necesitan un navegador de verdad y no encuentro Chromium en el PATH. " + COMO_INSTALAR
    )


class SinLimiteDeMemoria:
    """Quita el límite de memoria virtual (``RLIMIT_AS``) mientras nacen Playwright y Chromium.

    Chromium reserva al arrancar unos 96 GB de memoria virtual (las jaulas de V8 y de
    PartitionAlloc; medido con Debian 13) y no arranca con un ``RLIMIT_AS`` menor, como
    el que ``taller.motor`` pone al proceso de las comprobaciones. Esos procesos son de
    confianza (no ejecutan código del estudiante): nacen sin límite y después este
    proceso recupera el suyo. Quitar un límite duro exige ``CAP_SYS_RESOURCE``.
    """

    def __enter__(self):
        import resource

        self.antes = resource.getrlimit(resource.RLIMIT_AS)
        if self.antes[0] == resource.RLIM_INFINITY:
            return self
        try:
            resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            gb = self.antes[0] / 1024**3
            raise ChromiumNoDisponible(
                f"Este proceso tiene un límite de memoria virtual (RLIMIT_AS) de {gb:.1f} GB y Chromium necesita "
                "reservar unos 96 GB al arrancar; sin CAP_SYS_RESOURCE no se puede quitar. Ejecuta estas pruebas "
                "sin ese límite (ulimit -v unlimited)."
            ) from None
        return self

    def __exit__(self, *excepcion):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, self.antes)


def lanzar(playwright):
    """Lanza Chromium sin interfaz con los argumentos que funcionan aquí (también como root y sin red)."""
    ruta = ruta_de_chromium()
    try:
        return playwright.chromium.launch(executable_path=ruta, args=ARGUMENTOS, headless=True)
    except Exception as e:  # Playwright lanza su propio Error con el registro del navegador
        raise ChromiumNoDisponible(f"No se pudo lanzar Chromium ({ruta}): {str(e).splitlines()[0]}") from None


class Navegador:
    """Fábrica de páginas: cada ``pagina()`` es un contexto nuevo (sus propias cookies y almacenamiento)."""

    def __init__(self, chromium, limite_ms=LIMITE_MS):
        self.chromium, self.limite_ms = chromium, limite_ms
        self.contextos = []

    def contexto(self, **opciones):
        contexto = self.chromium.new_context(**opciones)
        contexto.set_default_timeout(self.limite_ms)
        contexto.set_default_navigation_timeout(self.limite_ms)
        self.contextos.append(contexto)
        return contexto

    def pagina(self, contexto=None, **opciones):
        """Una página nueva; en ``contexto`` si se da (comparte sus cookies), o en un contexto nuevo."""
        return (contexto or self.contexto(**opciones)).new_page()

    def cerrar(self):
        for contexto in self.contextos:
            try:
                contexto.close()
            except Exception:  # el navegador ya se cerró: no hay nada que cerrar
                pass
        self.contextos = []


CLAVE_CHROMIUM: pytest.StashKey["Browser"] = pytest.StashKey()


def chromium_de_la_sesion(config):
    """El Chromium compartido por toda la sesión de pytest (lanzarlo cuesta 1-2 s; un contexto, milisegundos).

    Se lanza la primera vez que se pide y se cierra al terminar la sesión.
    """
    chromium = config.stash.get(CLAVE_CHROMIUM, None)
    if chromium is None:
        from playwright.sync_api import sync_playwright

        ruta_de_chromium()  # antes de arrancar Playwright: el mensaje claro si falta
        with SinLimiteDeMemoria():  # el proceso de Playwright y Chromium heredan los límites al nacer
            playwright = sync_playwright().start()
            try:
                chromium = lanzar(playwright)
            except BaseException:
                playwright.stop()
                raise
        config.stash[CLAVE_CHROMIUM] = chromium

        def cerrar():
            try:
                chromium.close()
            finally:
                playwright.stop()

        config.add_cleanup(cerrar)
    return chromium


@pytest.fixture
def navegador(request):
    """Un ``Navegador``: ``navegador.pagina()`` abre una página en un contexto limpio; todo se cierra al acabar."""
    fabrica = Navegador(chromium_de_la_sesion(request.config))
    yield fabrica
    fabrica.cerrar()
