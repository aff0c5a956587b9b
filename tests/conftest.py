"""Fixtures compartidas de las pruebas del proyecto (al estilo del tutorial de Flask, «flaskr»).

Cada app (demo de una lección, punto de partida o solución) se carga por su ruta con
``taller.cargador``, con un nombre de módulo único: así dos ``app.py`` conviven en el
mismo proceso sin el «import file mismatch» de pytest.
"""

import secrets
from collections import Counter
from importlib import import_module
from pathlib import Path

import pytest

from taller.cargador import cargar_fabrica

RAIZ = Path(__file__).resolve().parent.parent
APP_LECCION_01 = RAIZ / "lessons" / "01_api_rest" / "app.py"


def pytest_collection_modifyitems(items):
    """Cada prueba con su propio nombre: ``make test`` reparte por nombre (pytest-xdist) y dos iguales serían una."""
    repetidos = [nombre for nombre, veces in Counter(item.nodeid for item in items).items() if veces > 1]
    if repetidos:
        raise pytest.UsageError(f"Pruebas con el mismo nombre (con -n 2 solo se ejecutaría una): {repetidos[:5]}")


def cargar_app(ruta):
    """La función ``create_app`` del archivo ``ruta`` (relativa a la raíz del repositorio o absoluta)."""
    return cargar_fabrica(RAIZ / ruta)


def modulo_de(fabrica, nombre=None):
    """El módulo de la app que cargó ``cargar_app`` (con ``nombre``, uno de su paquete: ``modulo_de(f, "limites")``)."""
    return import_module(fabrica.__module__ + (f".{nombre}" if nombre else ""))


def config_de_prueba(tmp_path, nombre_db="items.sqlite", **cambios):
    """Configuración de prueba: modo TESTING, una base SQLite propia en ``tmp_path``,
    una clave JWT aleatoria de 32 bytes y bcrypt con coste 4. ``cambios`` la completa."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / nombre_db}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "BCRYPT_LOG_ROUNDS": 4,
        **cambios,
    }


@pytest.fixture
def app(tmp_path):
    """La app de demostración de la lección 01 (CRUD de items) con una base de datos vacía."""
    return cargar_app(APP_LECCION_01)(config_de_prueba(tmp_path))


@pytest.fixture
def client(app):
    """El cliente de pruebas de Flask para ``app``."""
    return app.test_client()
