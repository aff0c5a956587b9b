"""Las apps de la lección 01 funcionan también sobre PostgreSQL (``DATABASE_URL``).

Usa el servidor de ``TALLER_POSTGRES`` (por defecto ``postgresql://postgres@127.0.0.1/postgres``)
y crea una base de datos desechable por prueba. Sin PostgreSQL, estas pruebas se
saltan con el motivo a la vista; en CI (``CI=true``) fallan.
"""

import os
import secrets

import pytest

from taller.cargador import cargar_fabrica
from taller.lecciones import buscar

SERVIDOR = os.environ.get("TALLER_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")


def conectar():
    import psycopg

    return psycopg.connect(SERVIDOR, autocommit=True, connect_timeout=2)


@pytest.fixture
def database_url(monkeypatch):
    """Una base de datos PostgreSQL nueva; ``DATABASE_URL`` apunta a ella mientras dura la prueba."""
    try:
        conexion = conectar()
    except Exception as e:
        pytest.fail(f"No hay PostgreSQL en {SERVIDOR} ({type(e).__name__}): «make test» (.ci/preparar) arranca uno.")
    nombre = f"taller_prueba_{secrets.token_hex(4)}"
    with conexion:
        conexion.execute(f"CREATE DATABASE {nombre}")
        url = SERVIDOR.rsplit("/", 1)[0] + "/" + nombre
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        conexion.execute(f"DROP DATABASE {nombre} WITH (FORCE)")


def test_la_demo_guarda_en_postgresql(database_url):
    app = cargar_fabrica(buscar("01").carpeta / "app.py")({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    client = app.test_client()
    creado = client.post("/api/items", json={"nombre": "En PostgreSQL"})
    assert creado.status_code == 201
    assert client.get(creado.headers["Location"]).get_json() == {
        "id": creado.get_json()["id"],
        "nombre": "En PostgreSQL",
    }


def test_la_solucion_sobre_postgresql_no_reutiliza_ids_y_persiste(database_url):
    fabrica = cargar_fabrica(buscar("01").solucion / "app.py")
    client = fabrica({"TESTING": True}).test_client()
    primero = client.post("/api/articulos", json={"titulo": "Uno"}).get_json()
    segundo = client.post("/api/articulos", json={"titulo": "Dos"}).get_json()
    assert client.delete(f"/api/articulos/{segundo['id']}").status_code == 204
    tercero = client.post("/api/articulos", json={"titulo": "Tres"}).get_json()
    assert tercero["id"] > segundo["id"]
    assert client.patch(f"/api/articulos/{primero['id']}", json={"publicado": True}).status_code == 200
    otra = fabrica({"TESTING": True}).test_client()  # un «reinicio» sobre la misma base de datos
    lista = otra.get("/api/articulos").get_json()
    assert [(a["id"], a["titulo"], a["publicado"]) for a in lista] == [
        (primero["id"], "Uno", True),
        (tercero["id"], "Tres", False),
    ]
    assert lista[0]["creado_en"].endswith("+00:00")
