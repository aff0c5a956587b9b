"""Un token de una lección no abre la app de otra, aunque las dos compartan ``JWT_SECRET_KEY``.

Los textos piden exportar un ``JWT_SECRET_KEY`` en la terminal y luego arrancar
las lecciones desde ella: todas firman con la misma clave. Sin ``iss`` ni
``aud`` (RFC 8725, secciones 3.8 y 3.9), el token del usuario 1 de la lección 02
era el del admin 1 de la lección 06: listaba ``/api/admin/usuarios``. Aquí se
repite ese ataque contra las demos y contra las soluciones.
"""

import secrets

import jwt
import pytest
from conftest import cargar_app, config_de_prueba

from taller.comprobaciones import bearer

CLAVE = secrets.token_hex(32)  # la misma para todas, como en una terminal con JWT_SECRET_KEY exportada
ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}


def crear(ruta, carpeta):
    carpeta.mkdir(parents=True, exist_ok=True)
    return cargar_app(ruta)(config_de_prueba(carpeta, "app.sqlite", JWT_SECRET_KEY=CLAVE))


def orden(app, *args):
    resultado = app.test_cli_runner().invoke(args=list(args))
    assert resultado.exit_code == 0, resultado.output


def token_de(client, ruta_login):
    r = client.post(ruta_login, json={"email": ADA["email"], "password": ADA["password"]})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]


@pytest.fixture
def token_de_la_demo_02(tmp_path):
    """El access token de Ada, usuaria 1 de la demo de la lección 02."""
    app = crear("lessons/02_login_jwt/app.py", tmp_path / "02")
    orden(app, "crear-usuario", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"])
    return token_de(app.test_client(), "/api/login")


def test_el_token_de_la_demo_02_no_es_admin_en_la_demo_06(tmp_path, token_de_la_demo_02):
    app_06 = crear("lessons/06_roles/app.py", tmp_path / "06")
    orden(app_06, "crear-admin", "otra@example.com", "--nombre", "Otra", "--password", "contraseña-de-otra")
    client = app_06.test_client()
    assert jwt.decode(token_de_la_demo_02, options={"verify_signature": False})["sub"] == "1"  # el id del admin
    for ruta in ("/api/perfil", "/api/admin/usuarios", "/admin/panel"):
        r = client.get(ruta, headers=bearer(token_de_la_demo_02))
        assert r.status_code == 422, (ruta, r.status_code, r.get_json())
        assert r.get_json() in ({"msg": "Invalid issuer"}, {"msg": "Invalid audience"})


def test_el_token_de_la_demo_02_no_entra_en_las_demos_04_05_y_07(tmp_path, token_de_la_demo_02):
    for ruta, esperado in (
        ("lessons/04_refresh_tokens/app.py", 422),
        ("lessons/05_revocacion/app.py", 422),
        ("lessons/07_errores/app.py", 401),
    ):
        app = crear(ruta, tmp_path / ruta.split("/")[1])
        orden(app, "crear-usuario", "otra@example.com", "--nombre", "Otra", "--password", "contraseña-de-otra")
        r = app.test_client().get("/api/perfil", headers=bearer(token_de_la_demo_02))
        assert r.status_code == esperado, (ruta, r.status_code, r.get_json())


def test_cada_demo_acepta_sus_propios_tokens(tmp_path):
    app_06 = crear("lessons/06_roles/app.py", tmp_path / "06")
    orden(app_06, "crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"])
    client = app_06.test_client()
    token = token_de(client, "/auth/login")
    assert client.get("/api/admin/usuarios", headers=bearer(token)).status_code == 200
    datos = jwt.decode(
        token,
        CLAVE,
        algorithms=["HS256"],
        audience="taller-flask-jwt/leccion-06/demo",
        issuer="taller-flask-jwt/leccion-06",
    )
    assert datos["sub"] == "1"


def test_el_token_de_la_solucion_02_no_es_admin_en_la_solucion_06_ni_en_la_07(tmp_path):
    app_02 = crear("solutions/02_login_jwt/api", tmp_path / "s02")
    client_02 = app_02.test_client()
    assert client_02.post("/auth/registro", json=ADA).status_code == 201
    token = token_de(client_02, "/auth/login")
    for ruta, esperado in (("solutions/06_roles/api", 422), ("solutions/07_errores/api", 401)):
        app = crear(ruta, tmp_path / ruta.split("/")[1])
        orden(app, "crear-admin", "otra@example.com", "--nombre", "Otra", "--password", "contraseña-de-otra")
        client = app.test_client()
        for destino in ("/api/perfil", "/api/admin/usuarios"):
            r = client.get(destino, headers=bearer(token))
            assert r.status_code == esperado, (ruta, destino, r.status_code, r.get_json())


def test_el_token_de_la_demo_no_abre_la_solucion_de_la_misma_leccion(tmp_path):
    """Misma lección, otra app: la demo y la API del ejercicio tienen el mismo iss pero distinto aud."""
    demo = crear("lessons/06_roles/app.py", tmp_path / "demo")
    orden(demo, "crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"])
    token = token_de(demo.test_client(), "/auth/login")
    solucion = crear("solutions/06_roles/api", tmp_path / "solucion")
    orden(solucion, "crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"])
    r = solucion.test_client().get("/api/admin/usuarios", headers=bearer(token))
    assert (r.status_code, r.get_json()) == (422, {"msg": "Audience doesn't match"})
