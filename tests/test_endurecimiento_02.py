"""Los arreglos de la lección 02 que heredan las lecciones 04–07 (issue 11), atacados en cada solución.

Cada uno vive en un módulo de la lección 02 (``cuerpo.py``, ``auth.py``,
``usuarios.py``) y llega a las demás con ``taller sincronizar``: un texto con un
surrogate suelto, un token sin ``exp`` o sin ``iat``, un ``sub`` en cifras de
ancho completo, emails que se ven iguales, las cabeceras de seguridad y una
cabecera ``Authorization`` enorme, también contra un servidor de verdad.
"""

import http.client
import threading
import time

import jwt
import pytest
from conftest import RAIZ, cargar_app, config_de_prueba
from werkzeug.serving import make_server

from taller.comprobaciones import bearer

SOLUCIONES = ["02_login_jwt", "04_refresh_tokens", "05_revocacion", "06_roles", "07_errores"]
TOKEN_INVALIDO = {
    "02_login_jwt": 422,
    "04_refresh_tokens": 422,
    "05_revocacion": 422,
    "06_roles": 422,
    "07_errores": 401,
}
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}


@pytest.fixture(params=SOLUCIONES)
def solucion(request, tmp_path):
    app = cargar_app(f"solutions/{request.param}/api")(config_de_prueba(tmp_path, "api.sqlite"))
    return request.param, app, app.test_client()


def token_de(client):
    assert client.post("/auth/registro", json=ANA).status_code == 201
    r = client.post("/auth/login", json={"email": ANA["email"], "password": ANA["password"]})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"]


def reemitir(app, token, **cambios):
    datos = {**jwt.decode(token, options={"verify_signature": False}), **cambios}
    datos = {clave: valor for clave, valor in datos.items() if valor is not None}
    return jwt.encode(datos, app.config["JWT_SECRET_KEY"], algorithm="HS256")


@pytest.mark.parametrize(
    "cuerpo",
    [
        '{"email": "ana@example.com", "password": "\\ud800\\ud800\\ud800\\ud800", "nombre": "Ana"}',
        '{"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "\\udfff"}',
        '{"email": "\\ud800@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}',
    ],
)
def test_un_surrogate_suelto_da_400_en_el_registro_y_en_el_login(solucion, cuerpo):
    _, _, client = solucion
    for ruta in ("/auth/registro", "/auth/login"):
        r = client.post(ruta, data=cuerpo, content_type="application/json")
        assert r.status_code == 400, (ruta, r.status_code, r.get_json())
        assert "Unicode" in r.get_json()["error"]


def test_un_surrogate_suelto_da_400_al_escribir_un_articulo(solucion):
    nombre, _, client = solucion
    r = client.post(
        "/api/articulos",
        data='{"titulo": "\\ud800"}',
        content_type="application/json",
        headers=bearer(token_de(client)),
    )
    # desde la 06, un usuario sin rol de editor no llega a leer el cuerpo: 403
    assert r.status_code == (403 if nombre in ("06_roles", "07_errores") else 400), r.get_json()


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_un_token_sin_exp_o_sin_iat_es_invalido_y_nunca_un_500(solucion, claim):
    nombre, app, client = solucion
    falso = reemitir(app, token_de(client), **{claim: None})
    r = client.get("/api/perfil", headers=bearer(falso))
    assert r.status_code == TOKEN_INVALIDO[nombre], (claim, r.status_code, r.get_json())


@pytest.mark.parametrize("sub", ["１", "01", "+1", " 1", "1 ", "٣"])
def test_solo_el_sub_que_emite_la_app_es_de_un_usuario(solucion, sub):
    nombre, app, client = solucion
    r = client.get("/api/perfil", headers=bearer(reemitir(app, token_de(client), sub=sub)))
    assert r.status_code in (401, 422), (sub, r.status_code, r.get_json())


@pytest.mark.parametrize("email", ["ＡＮＡ＠ｅｘａｍｐｌｅ．ｃｏｍ", " Ana@Example.com "])
def test_un_email_que_se_ve_igual_es_la_misma_cuenta(solucion, email):
    _, _, client = solucion
    token_de(client)
    assert client.post("/auth/registro", json={**ANA, "email": email}).status_code == 409
    assert client.post("/auth/login", json={"email": email, "password": ANA["password"]}).status_code == 200


@pytest.mark.parametrize(
    "email",
    [
        "ana@example.com.",
        "ana@example.com\u200b",
        "ana\x00@example.com",
        "ana\u200d@example.com",
        "ana@exa\u00admple.com",
    ],
)
def test_un_email_con_caracteres_invisibles_o_punto_final_da_400(solucion, email):
    _, _, client = solucion
    r = client.post("/auth/registro", json={**ANA, "email": email})
    assert r.status_code == 400, (email, r.get_json())


def test_las_respuestas_no_se_guardan_en_caches_y_llevan_las_cabeceras_de_seguridad(solucion):
    _, _, client = solucion
    token = token_de(client)
    for r in (
        client.post("/auth/login", json={"email": ANA["email"], "password": ANA["password"]}),
        client.get("/api/perfil", headers=bearer(token)),
        client.get("/no-existe"),
    ):
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_una_cabecera_authorization_enorme_da_431_en_json(solucion):
    _, _, client = solucion
    r = client.get("/api/perfil", headers=bearer("a" * 9 * 1024))
    assert r.status_code == 431 and r.is_json and "error" in r.get_json()


def test_con_un_servidor_de_verdad_mas_de_64_kb_tambien_es_json(tmp_path):
    """Por encima de 64 KB contesta el servidor de desarrollo antes que Flask: también en JSON y en español."""
    app = cargar_app("solutions/02_login_jwt/api")(config_de_prueba(tmp_path, "api.sqlite"))
    servidor = make_server("127.0.0.1", 0, app)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    try:
        for tamano, estado in ((20_000, 431), (70_000, 431)):
            conexion = http.client.HTTPConnection("127.0.0.1", servidor.server_port, timeout=10)
            conexion.putrequest("GET", "/api/perfil")
            conexion.putheader("Authorization", "Bearer " + "a" * tamano)
            conexion.endheaders()
            respuesta = conexion.getresponse()
            cuerpo = respuesta.read().decode()
            assert respuesta.status == estado, (tamano, respuesta.status, cuerpo)
            assert respuesta.getheader("Content-Type").startswith("application/json"), cuerpo
            assert "<html" not in cuerpo.lower() and '"error"' in cuerpo
            conexion.close()
    finally:
        servidor.shutdown()
        hilo.join(timeout=5)
        time.sleep(0)


def test_el_registro_dice_si_un_email_existe_y_la_leccion_lo_cuenta(solucion):
    """Decisión de la API (lección 02, «Lo que el registro dice de un email»): 409 a un email registrado.

    El login no lo delata (mismo cuerpo, una llamada a checkpw); el registro sí, a propósito, y el texto lo dice.
    """
    _, _, client = solucion
    token_de(client)
    r = client.post("/auth/registro", json={**ANA, "nombre": "Otra"})
    assert r.status_code == 409
    mala = client.post("/auth/login", json={"email": ANA["email"], "password": "no-es-la-buena"})
    nadie = client.post("/auth/login", json={"email": "nadie@example.com", "password": "no-es-la-buena"})
    assert (mala.status_code, mala.get_json()) == (nadie.status_code, nadie.get_json())
    texto = (RAIZ / "lessons" / "02_login_jwt" / "README.md").read_text(encoding="utf-8")
    assert "## Lo que el registro dice de un email" in texto and "409" in texto


def test_lo_que_calcula_un_hash_no_se_llama_cifrar():
    """Un hash no se descifra (lección 03): ninguna solución ni ejercicio define o importa un ``cifrar``."""
    import ast

    nombres = {}
    for modulo in sorted([*RAIZ.glob("solutions/*/api/*.py"), *RAIZ.glob("lessons/*/ejercicio/api/*.py")]):
        arbol = ast.parse(modulo.read_text(encoding="utf-8"))
        for nodo in ast.walk(arbol):
            if (
                isinstance(nodo, (ast.FunctionDef, ast.Name))
                and getattr(nodo, "name", getattr(nodo, "id", "")) == "cifrar"
            ):
                nombres[str(modulo.relative_to(RAIZ))] = nodo.lineno
            elif isinstance(nodo, ast.alias) and nodo.name == "cifrar":
                nombres[str(modulo.relative_to(RAIZ))] = nodo.lineno
    assert not nombres, f"«cifrar» calcula un hash: llámalo hash_de_password en {nombres}"
