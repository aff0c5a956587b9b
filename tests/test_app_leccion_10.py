"""La API final (solución de la lección 10) en este proceso: lo que su guía afirma, atacado.

Lo que necesita gunicorn, PostgreSQL y Redis está en ``test_produccion_10.py``; el
documento OpenAPI, en ``test_openapi_10.py``.
"""

import json
import secrets
import socket
import time

import pytest
from conftest import RAIZ, cargar_app, config_de_prueba, modulo_de
from sqlalchemy.exc import ProgrammingError

from taller.comprobaciones import bearer

SOLUCION = RAIZ / "solutions" / "10_proyecto_final" / "api"
ADA = {"email": "ada@example.com", "password": "clave-secreta-de-ada", "nombre": "Ada"}


@pytest.fixture(scope="module")
def fabrica():
    return cargar_app(SOLUCION)


def produccion(tmp_path, **cambios):
    config = {
        "ENTORNO": "produccion",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'api.sqlite'}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY": secrets.token_hex(32),
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        **cambios,
    }
    return {clave: valor for clave, valor in config.items() if valor is not None}


def test_produccion_dice_todo_lo_que_falta_de_una_vez(fabrica, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = produccion(tmp_path, SECRET_KEY=None, REDIS_URL=None, SQLALCHEMY_DATABASE_URI=None, DEBUG=True)
    with pytest.raises(RuntimeError) as error:
        fabrica(config)
    for falta in ("DEBUG", "SECRET_KEY", "REDIS_URL", "DATABASE_URL"):
        assert falta in str(error.value)


def test_entorno_del_entorno_elige_produccion(fabrica, tmp_path, monkeypatch):
    """``ENTORNO=produccion`` en el entorno (no en config) también exige lo de producción."""
    monkeypatch.setenv("ENTORNO", "produccion")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        fabrica({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_salud_no_espera_a_un_redis_colgado(fabrica, tmp_path):
    with socket.socket() as colgado:  # acepta conexiones y no contesta nunca
        colgado.bind(("127.0.0.1", 0))
        colgado.listen(5)
        app = fabrica(config_de_prueba(tmp_path, REDIS_URL=f"redis://127.0.0.1:{colgado.getsockname()[1]}/0"))
        antes = time.perf_counter()
        r = app.test_client().get("/salud")
        assert time.perf_counter() - antes < 1
    assert r.status_code == 503 and r.get_json()["redis"] == "no responde"


def test_sin_migrar_la_api_da_503_y_salud_responde(fabrica, tmp_path):
    """En producción la app no migra: hasta ``flask db upgrade``, 503 con la orden; /salud sigue contestando."""
    app = fabrica(produccion(tmp_path, REDIS_URL=None) | {"ENTORNO": "desarrollo", "MIGRAR_AL_ARRANCAR": False})
    client = app.test_client()
    r = client.get("/api/articulos")
    assert r.status_code == 503 and "flask --app api db upgrade" in r.get_json()["error"]
    assert client.get("/salud").status_code == 200
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert (
        fabrica(produccion(tmp_path, REDIS_URL=None) | {"ENTORNO": "desarrollo"})
        .test_client()
        .get("/api/articulos")
        .status_code
        == 200
    )


def test_un_token_de_la_leccion_08_no_entra_en_la_10(fabrica, tmp_path):
    """Misma clave, otra lección: el admin 1 de la 08 no es nadie en la 10 (iss y aud propios)."""
    clave = secrets.token_hex(32)
    (tmp_path / "08").mkdir()
    app_08 = cargar_app(RAIZ / "solutions" / "08_navegador" / "api")(
        config_de_prueba(tmp_path / "08", "app.sqlite", JWT_SECRET_KEY=clave, RATELIMIT_STORAGE_URI="memory://")
    )
    orden = ["crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"]]
    assert app_08.test_cli_runner().invoke(args=orden).exit_code == 0
    token = app_08.test_client().post("/auth/login", json=ADA).get_json()["access_token"]
    (tmp_path / "10").mkdir()
    app_10 = fabrica(config_de_prueba(tmp_path / "10", "app.sqlite", JWT_SECRET_KEY=clave))
    assert app_10.test_cli_runner().invoke(args=orden).exit_code == 0
    r = app_10.test_client().get("/api/admin/usuarios", headers=bearer(token))
    assert (r.status_code, r.get_json()["codigo"]) == (401, "TOKEN_INVALID")


def test_el_log_no_lleva_la_query_ni_tokens_de_una_traza(fabrica, tmp_path, capsys):
    app = fabrica(config_de_prueba(tmp_path))
    client = app.test_client()
    client.post("/auth/registro", json=ADA)
    tokens = client.post("/auth/login", json=ADA).get_json()
    capsys.readouterr()
    client.get(f"/api/articulos?token={tokens['access_token']}")
    app.logger.error(
        "Algo falló con %s", {"refresh_token": tokens["refresh_token"], "otro": [f"Bearer {tokens['access_token']}"]}
    )
    salida = capsys.readouterr().err
    lineas = [json.loads(linea) for linea in salida.splitlines()]
    assert lineas[0]["ruta"] == "/api/articulos" and lineas[0]["estado"] == 200
    assert tokens["access_token"] not in salida and tokens["refresh_token"] not in salida
    assert "[oculto]" in lineas[1]["mensaje"]


def test_tachar_campos_prohibidos_y_jwt_anidados(fabrica):
    logs = modulo_de(fabrica, "logs")
    jwt_falso = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_DEF-123"
    datos = {"Password": "x", "cabeceras": {"Cookie": "s=1"}, "lista": [f"token {jwt_falso} fin"], "n": 3}
    assert logs.tachar(datos) == {
        "Password": "[oculto]",
        "cabeceras": {"Cookie": "[oculto]"},
        "lista": ["token [oculto] fin"],
        "n": 3,
    }


def test_la_base_de_datos_caida_a_mitad_da_503_y_no_500(fabrica, tmp_path):
    """Una consulta que no llega a la base de datos (aquí, su archivo ya no se puede abrir): 503 en el sobre."""
    app = fabrica(config_de_prueba(tmp_path))
    client = app.test_client()
    assert client.get("/api/articulos").status_code == 200
    base = tmp_path / "items.sqlite"
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()  # las conexiones abiertas se cierran, como al reiniciar
    base.unlink()
    base.mkdir()  # donde estaba la base de datos hay ahora una carpeta: SQLite no puede abrirla
    r = client.get("/api/articulos")
    assert (r.status_code, r.get_json()["codigo"]) == (503, "SERVICE_UNAVAILABLE")


def test_los_proveedores_oauth_dependen_del_entorno(fabrica, tmp_path, monkeypatch):
    """Producción ofrece Google (con su id y su secreto del entorno); desarrollo y pruebas, el proveedor del taller."""
    for nombre in ("OAUTH_PROVEEDORES", "OAUTH_GOOGLE_DISCOVERY_URL", "OAUTH_OIDC_DISCOVERY_URL"):
        monkeypatch.delenv(nombre, raising=False)
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_SECRET", secrets.token_urlsafe(32))
    monkeypatch.setenv("OAUTH_OIDC_CLIENT_SECRET", secrets.token_urlsafe(32))
    en_produccion = fabrica(produccion(tmp_path)).config["PROVEEDORES_OAUTH"]
    assert set(en_produccion) == {"google"}
    assert en_produccion["google"]["discovery_url"].startswith("https://accounts.google.com/")
    en_pruebas = fabrica(config_de_prueba(tmp_path)).config["PROVEEDORES_OAUTH"]
    assert set(en_pruebas) == {"oidc"} and en_pruebas["oidc"]["discovery_url"].startswith("http://127.0.0.1:9000/")
    monkeypatch.delenv("OAUTH_GOOGLE_CLIENT_SECRET")  # sin su secreto, Google no se ofrece: 404, no un 500
    app = fabrica(produccion(tmp_path, MIGRAR_AL_ARRANCAR=True))
    r = app.test_client().get("/auth/google/login")
    assert r.status_code == 404 and r.get_json()["codigo"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("mensaje", "se_nombra"),
    [
        ('relation "identidad" does not exist', "la tabla «identidad»"),
        ("no existe la relación «identidad»", "la tabla «identidad»"),  # un PostgreSQL con lc_messages en español
        ('リレーション"identidad"は存在しません', "una tabla"),  # otro idioma: se reconoce por el código 42P01
    ],
    ids=["en_ingles", "en_espanol", "en_otro_idioma"],
)
def test_una_tabla_que_falta_en_postgresql_se_reconoce_por_su_codigo(fabrica, tmp_path, mensaje, se_nombra):
    """El 503 de la tabla que falta no depende del idioma de los mensajes del servidor."""
    esquema = modulo_de(fabrica, "esquema")

    class TablaIndefinida(Exception):  # como psycopg.errors.UndefinedTable: lleva el SQLSTATE
        sqlstate = "42P01"

    error = ProgrammingError("SELECT * FROM identidad", {}, TablaIndefinida(mensaje))
    app = fabrica(config_de_prueba(tmp_path))
    assert esquema.falta_una_tabla(error)
    with app.test_request_context():
        respuesta = esquema.sin_la_tabla(error)
    assert respuesta.status_code == 503 and f"le falta {se_nombra}:" in respuesta.get_json()["error"]
    assert not esquema.falta_una_tabla(ProgrammingError("SELEC", {}, Exception('syntax error at or near "SELEC"')))
