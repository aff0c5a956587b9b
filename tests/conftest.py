"""Fixtures compartidas de las pruebas del proyecto (al estilo del tutorial de Flask, «flaskr»).

Cada app (demo de una lección, punto de partida o solución) se carga por su ruta con
``taller.cargador``, con un nombre de módulo único: así dos ``app.py`` conviven en el
mismo proceso sin el «import file mismatch» de pytest.
"""

from pathlib import Path

import pytest

from taller.cargador import cargar_fabrica

RAIZ = Path(__file__).resolve().parent.parent
APP_LECCION_01 = RAIZ / "lessons" / "01_api_rest" / "app.py"


def cargar_app(ruta):
    """La función ``create_app`` del archivo ``ruta`` (relativa a la raíz del repositorio o absoluta)."""
    return cargar_fabrica(RAIZ / ruta)


def config_de_prueba(tmp_path, nombre_db="items.sqlite"):
    """Configuración de prueba: modo TESTING y una base SQLite propia en ``tmp_path``."""
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / nombre_db}"}


@pytest.fixture
def app(tmp_path):
    """La app de demostración de la lección 01 (CRUD de items) con una base de datos vacía."""
    return cargar_app(APP_LECCION_01)(config_de_prueba(tmp_path))


@pytest.fixture
def client(app):
    """El cliente de pruebas de Flask para ``app``."""
    return app.test_client()
