"""La app de demostración de la lección 09 (``lessons/09_oauth/app.py``): «Iniciar sesión con…».

Todo va por HTTP de verdad en 127.0.0.1: la app, dos proveedores OpenID Connect locales
(``taller.proveedor_oidc``: uno normal y otro con ``OIDC_SOLO_SUB``, que solo pone ``sub``
en el id_token) y un sustituto de GitHub (/login/oauth/…, /user y /user/emails), cada uno
en su hilo y en un puerto libre. Un ``Navegador`` (``requests`` con cookies) sigue las
redirecciones como un navegador y apunta cada URL y cada cabecera ``Location`` que ve:
ninguna lleva un token y ninguna respuesta es un 500. El sustituto, el ``Navegador`` y los
ayudantes del flujo están en ``taller.oauth_pruebas``: los usan también las comprobaciones
del ejercicio (``checks/09_oauth``).

Lo que ya prueba el proveedor y aquí no se repite (``tests/test_proveedor_oidc.py``): una
petición sin ``code_challenge`` o con ``plain`` vuelve con ``invalid_request``
(``test_peticion_incorrecta_vuelve_al_cliente_con_el_error_y_el_state``), una
``redirect_uri`` no registrada no redirige
(``test_redirect_uri_no_registrada_pagina_de_error_sin_redirigir``), un código se canjea
una sola vez y solo con su ``code_verifier``.
"""

import functools
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from conftest import RAIZ, cargar_app, config_de_prueba
from joserfc.jwk import RSAKey

from taller import oauth_pruebas
from taller.oauth_pruebas import (
    GITHUB_ID,
    GITHUB_SECRETO,
    OCTOCAT,
    Diferida,
    cambiar_consulta,
    crear_github,
    entrar,
    hasta_la_vuelta,
    vuelta_de,
)
from taller.servidores import servir

APP_LECCION_09 = "lessons/09_oauth/app.py"
CLIENTE, SECRETO = "taller-demo", secrets.token_urlsafe(32)
CLAVE_PEM = RSAKey.generate_key(2048).as_pem(private=True)
EVA = {"email": "eva@example.org", "password": "contraseña-local-de-eva", "nombre": "Eva (local)"}


# ── Servidores en hilos (taller.servidores, taller.oauth_pruebas) ───────────


@pytest.fixture(scope="module")
def servidores() -> Iterator[dict]:
    """La app (aún sin decidir), los dos proveedores OpenID Connect y el sustituto de GitHub."""
    from taller.proveedor_oidc import create_app as crear_proveedor

    diferida = Diferida()
    with servir(diferida) as base:
        bases = {"app": base, "diferida": diferida}
        contextos = []
        for nombre, solo_sub in (("oidc", False), ("solosub", True)):
            proveedor = crear_proveedor(
                {
                    "OIDC_CLIENT_SECRET": SECRETO,
                    "OIDC_REDIRECT_URIS": [f"{base}/auth/{nombre}/callback"],
                    "OIDC_CLAVE_PRIVADA": CLAVE_PEM,
                    "OIDC_SOLO_SUB": solo_sub,
                }
            )
            contextos.append(servir(proveedor))
            bases[nombre] = proveedor.config["OIDC_EMISOR"] = contextos[-1].__enter__()
        github = crear_github(f"{base}/auth/github/callback")
        contextos.append(servir(github))
        bases["github"] = contextos[-1].__enter__()
        bases["cuenta_github"] = github.config
        try:
            yield bases
        finally:
            for contexto in reversed(contextos):
                contexto.__exit__(None, None, None)


@pytest.fixture
def crear(servidores, tmp_path):
    """Pone en marcha una app de la lección 09 nueva (base de datos vacía) con ``cambios`` en su config."""

    def crear_(**cambios):
        proveedores = {
            nombre: {
                "discovery_url": f"{servidores[nombre]}/.well-known/openid-configuration",
                "client_id": CLIENTE,
                "client_secret": SECRETO,
                "nombre": f"Proveedor {nombre}",
            }
            for nombre in ("oidc", "solosub")
        }
        proveedores["github"] = {
            "client_id": GITHUB_ID,
            "client_secret": GITHUB_SECRETO,
            "nombre": "GitHub",
            "url_web": servidores["github"],
            "url_api": servidores["github"],
        }
        cambios = {"SECRET_KEY": secrets.token_hex(32), "PROVEEDORES_OAUTH": proveedores, **cambios}
        config = config_de_prueba(tmp_path, "oauth.sqlite", **cambios)
        servidores["diferida"].app = cargar_app(APP_LECCION_09)(config)
        servidores["cuenta_github"]["CUENTA"] = OCTOCAT
        return servidores["app"]

    return crear_


@pytest.fixture
def app09(crear):
    """La URL de una app de la lección 09 recién creada, con la configuración de pruebas."""
    return crear()


# ── Un navegador que lo apunta todo (taller.oauth_pruebas) ──────────────────

Navegador = functools.partial(oauth_pruebas.Navegador, prefijo="leccion09_")


def perfil(nav, app) -> dict:
    r = nav.get(f"{app}/api/perfil")
    assert r.status_code == 200, r.text
    return r.json()


# ── El flujo ─────────────────────────────────────────────────────────────────


def test_el_flujo_completo_crea_el_usuario_e_inicia_sesion(app09):
    nav = Navegador()
    r = nav.get(app09)
    assert "Iniciar sesión con Proveedor oidc" in r.text and "Iniciar sesión con GitHub" in r.text
    r = entrar(nav, app09)
    assert r.status_code == 200 and r.url == f"{app09}/"
    assert "Has iniciado sesión como <strong>Ana Torres</strong> (ana@example.org)" in r.text
    datos = perfil(nav, app09)
    assert datos["email"] == "ana@example.org" and datos["nombre"] == "Ana Torres"
    assert datos["identidades"] == [{"proveedor": "oidc", "sub": "1001"}]
    nav.sin_tokens_en_las_urls()


def test_nuestros_tokens_van_en_cookies_httponly_samesite_lax(app09):
    nav = Navegador()
    vuelta = vuelta_de(nav, app09)
    assert nav.cookie("leccion09_sesion"), "la sesión de la app (state, nonce, verifier) tiene su propio nombre"
    r = nav.get(vuelta, allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (302, "/")
    cabeceras = r.raw.headers.getlist("Set-Cookie")
    acceso = next(c for c in cabeceras if c.startswith("leccion09_acceso="))
    assert "HttpOnly" in acceso and "SameSite=Lax" in acceso and "Path=/" in acceso
    refresco = next(c for c in cabeceras if c.startswith("leccion09_refresco="))
    assert "HttpOnly" in refresco and "Path=/auth/refresh" in refresco
    claims = jwt.decode(nav.cookie("leccion09_acceso"), options={"verify_signature": False})
    assert claims["sub"] == "1" and claims["iss"] == "taller-leccion-09" and claims["aud"] == "taller-leccion-09-api"


def test_fuera_de_pruebas_las_cookies_son_secure(crear):
    app = crear(TESTING=False)
    r = requests.get(f"{app}/auth/oidc/login", allow_redirects=False)
    assert r.status_code == 302
    sesion = r.raw.headers.getlist("Set-Cookie")
    assert len(sesion) == 1 and sesion[0].startswith("leccion09_sesion=")
    assert "Secure" in sesion[0] and "HttpOnly" in sesion[0] and "SameSite=Lax" in sesion[0]
    r = requests.post(f"{app}/auth/registro", json=EVA)
    r = requests.post(f"{app}/auth/login", json=EVA)
    cookies = r.raw.headers.getlist("Set-Cookie")
    assert len(cookies) == 4 and all("Secure" in c for c in cookies), cookies


def test_un_segundo_inicio_reutiliza_la_cuenta(app09):
    primero, segundo = Navegador(), Navegador()
    entrar(primero, app09)
    entrar(segundo, app09)
    assert perfil(primero, app09)["id"] == perfil(segundo, app09)["id"] == 1
    entrar(Navegador(), app09, email="beto@example.org", password="beto-demo")
    r = entrar(Navegador(), app09)
    assert "Ana Torres" in r.text


@pytest.mark.parametrize("caso", ["sin-state", "otro-state", "repetido", "de-otro-navegador", "iss-de-otro"])
def test_una_vuelta_con_el_state_mal_es_un_400_en_espanol(app09, caso):
    nav = Navegador()
    vuelta = vuelta_de(nav, app09)
    if caso == "sin-state":
        vuelta = cambiar_consulta(vuelta, state=None)
    elif caso == "otro-state":
        vuelta = cambiar_consulta(vuelta, state=secrets.token_urlsafe(16))
    elif caso == "repetido":
        assert nav.get(vuelta).status_code == 200
        nav.get(f"{app09}/auth/logout")  # da igual: la vuelta ya se usó
    elif caso == "de-otro-navegador":  # CSRF de login: la víctima recibe la vuelta del atacante
        nav = Navegador()
    elif caso == "iss-de-otro":  # RFC 9207: la vuelta dice qué proveedor la emite
        vuelta = cambiar_consulta(vuelta, iss="http://127.0.0.1:1")
    r = nav.get(vuelta)
    assert r.status_code == 400, r.text
    assert '<html lang="es">' in r.text and "No se pudo iniciar sesión" in r.text
    if caso == "iss-de-otro":
        assert "El proveedor respondió con un error (emisor_incorrecto)" in r.text
    else:
        assert "falta el parámetro state, no coincide con el de tu sesión o ya se usó" in r.text
    if caso != "repetido":
        assert not nav.cookie("leccion09_acceso")
    r = nav.get(vuelta, headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json()["codigo"] in ("STATE_INVALIDO", "ERROR_DEL_PROVEEDOR")


def test_denegar_el_consentimiento_es_un_400_en_espanol(app09):
    nav = Navegador()
    vuelta = vuelta_de(nav, app09, accion="denegar")
    assert parse_qs(urlsplit(vuelta).query)["error"] == ["access_denied"]
    r = nav.get(vuelta, headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.json() == {
        "error": "Has cancelado el inicio de sesión en el proveedor: no se ha compartido nada.",
        "codigo": "ACCESO_DENEGADO",
    }
    assert not nav.cookie("leccion09_acceso")


def test_con_solo_sub_el_email_y_el_nombre_llegan_por_userinfo(app09):
    nav = Navegador()
    entrar(nav, app09, proveedor="solosub")
    datos = perfil(nav, app09)
    assert (datos["email"], datos["nombre"]) == ("ana@example.org", "Ana Torres")
    assert datos["identidades"] == [{"proveedor": "solosub", "sub": "1001"}]
    nav.sin_tokens_en_las_urls()


def test_un_email_verificado_une_dos_proveedores_en_una_cuenta(app09):
    nav = Navegador()
    entrar(nav, app09)
    entrar(nav, app09, proveedor="solosub")
    assert [i["proveedor"] for i in perfil(nav, app09)["identidades"]] == ["oidc", "solosub"]


def test_un_email_verificado_entra_en_la_cuenta_local_con_ese_email(app09):
    r = requests.post(f"{app09}/auth/registro", json={**EVA, "email": "ana@example.org"})
    assert r.status_code == 201
    nav = Navegador()
    entrar(nav, app09)
    assert perfil(nav, app09)["id"] == r.json()["id"]


def test_un_id_token_firmado_con_otra_clave_es_un_400(app09, servidores):
    """Como si otro firmara el id_token: el JWKS que conoce la app tiene el mismo kid y otra clave."""
    kid = requests.get(f"{servidores['oidc']}/jwks.json").json()["keys"][0]["kid"]
    falsa = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    cliente = servidores["diferida"].app.extensions["authlib.integrations.flask_client"].create_client("oidc")
    cliente.load_server_metadata()["jwks"] = {"keys": [falsa.as_dict(private=False)]}
    nav = Navegador()
    r = nav.get(vuelta_de(nav, app09), headers={"Accept": "application/json"})
    assert (r.status_code, r.json()["codigo"]) == (400, "ID_TOKEN_INVALIDO")
    assert not nav.cookie("leccion09_acceso")


def test_solo_acepta_sus_propios_tokens(crear):
    clave = secrets.token_hex(32)
    app = crear(JWT_SECRET_KEY=clave)
    nav = Navegador()
    entrar(nav, app)
    propio = jwt.decode(nav.cookie("leccion09_acceso"), clave, algorithms=["HS256"], audience="taller-leccion-09-api")
    for cambios in ({"iss": "taller-leccion-08"}, {"aud": "otra-api"}):
        ajeno = jwt.encode({**propio, **cambios}, clave, algorithm="HS256")
        r = requests.get(f"{app}/api/perfil", cookies={"leccion09_acceso": ajeno})
        assert (r.status_code, r.json()["codigo"]) == (401, "TOKEN_INVALID"), cambios
    r = requests.get(f"{app}/api/perfil", cookies={"leccion09_acceso": jwt.encode(propio, clave, algorithm="HS256")})
    assert r.status_code == 200


# ── Un email sin verificar no abre ninguna cuenta ────────────────────────────


def test_un_email_sin_verificar_no_entra_en_la_cuenta_local_con_ese_email(app09):
    local = requests.post(f"{app09}/auth/registro", json=EVA)
    assert local.status_code == 201
    nav = Navegador()
    r = entrar(nav, app09, email="eva@example.org", password="eva-demo")
    assert r.status_code == 403 and "El proveedor no ha verificado tu email" in r.text
    assert not nav.cookie("leccion09_acceso")
    r = nav.get(f"{app09}/api/perfil")
    assert r.status_code == 401
    cuenta = Navegador()
    assert cuenta.post(f"{app09}/auth/login", json=EVA).status_code == 200
    assert perfil(cuenta, app09)["identidades"] == []  # nada se vinculó a la cuenta de Eva


def test_con_la_sesion_iniciada_se_vincula_aunque_el_email_no_este_verificado(app09):
    local = requests.post(f"{app09}/auth/registro", json=EVA).json()
    nav = Navegador()
    assert nav.post(f"{app09}/auth/login", json=EVA).status_code == 200
    r = nav.post(f"{app09}/auth/oidc/vincular")  # sin su token CSRF, no
    assert r.status_code == 401
    csrf = nav.cookie("leccion09_csrf_acceso")
    r = nav.post(f"{app09}/auth/oidc/vincular", data={"csrf_token": csrf})
    r = nav.get(hasta_la_vuelta(nav, r, email="eva@example.org", password="eva-demo"))
    assert r.status_code == 200
    assert perfil(nav, app09)["identidades"] == [{"proveedor": "oidc", "sub": "1003"}]
    otro = Navegador()  # desde ahora Eva entra con el proveedor: por (proveedor, sub), no por email
    entrar(otro, app09, email="eva@example.org", password="eva-demo")
    assert perfil(otro, app09)["id"] == local["id"]


def test_una_identidad_vinculada_no_se_vincula_a_otro_usuario(app09):
    entrar(Navegador(), app09)  # ana@example.org crea su cuenta con el proveedor
    requests.post(f"{app09}/auth/registro", json=EVA)
    nav = Navegador()
    nav.post(f"{app09}/auth/login", json=EVA)
    r = nav.post(f"{app09}/auth/oidc/vincular", data={"csrf_token": nav.cookie("leccion09_csrf_acceso")})
    r = nav.get(hasta_la_vuelta(nav, r), headers={"Accept": "application/json"})
    assert (r.status_code, r.json()["codigo"]) == (409, "YA_VINCULADA")


# ── GitHub (OAuth2 sin OpenID Connect), contra su sustituto ──────────────────


def test_github_con_el_email_privado_usa_el_principal_y_verificado(app09):
    nav = Navegador()
    r = entrar(nav, app09, proveedor="github")
    assert r.status_code == 200 and "octocat" in r.text
    datos = perfil(nav, app09)
    assert datos["email"] == "octocat@example.org"
    assert datos["identidades"] == [{"proveedor": "github", "sub": "583231"}]
    nav.sin_tokens_en_las_urls()


def test_github_con_el_email_principal_sin_verificar_se_rechaza(app09, servidores):
    requests.post(f"{app09}/auth/registro", json={**EVA, "email": "octocat@example.org"})
    servidores["cuenta_github"]["CUENTA"] = {
        "perfil": OCTOCAT["perfil"],
        "emails": [
            {"email": "octocat@example.org", "primary": True, "verified": False, "visibility": "private"},
            {"email": "otro@example.org", "primary": False, "verified": True, "visibility": None},
        ],
    }
    nav = Navegador()
    r = entrar(nav, app09, proveedor="github", headers={"Accept": "application/json"})
    assert (r.status_code, r.json()["codigo"]) == (403, "EMAIL_NO_VERIFICADO")
    assert not nav.cookie("leccion09_acceso")


def test_github_con_el_state_repetido_es_un_400(app09):
    nav = Navegador()
    r = nav.get(f"{app09}/auth/github/login", allow_redirects=False)
    vuelta = nav.get(r.headers["Location"], allow_redirects=False).headers["Location"]
    assert nav.get(vuelta).status_code == 200
    assert nav.get(vuelta).status_code == 400


# ── El código de un solo uso ─────────────────────────────────────────────────


def test_el_codigo_de_un_solo_uso_se_canjea_por_post_una_vez(crear):
    app = crear(ENTREGA_DE_TOKENS="codigo")
    nav = Navegador()
    r = entrar(nav, app)
    codigo = parse_qs(urlsplit(r.url).query)["codigo"][0]
    assert not nav.cookie("leccion09_acceso")
    r = requests.post(f"{app}/auth/canjear", json={"codigo": codigo})
    assert r.status_code == 200, r.text
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "1" and claims["iss"] == "taller-leccion-09"
    r = requests.post(f"{app}/auth/canjear", json={"codigo": codigo})
    assert (r.status_code, r.json()["codigo"]) == (400, "CODIGO_INVALIDO")
    nav.sin_tokens_en_las_urls()


# ── Errores que no son 500 ───────────────────────────────────────────────────


def test_un_proveedor_desconocido_es_un_404(app09):
    r = requests.get(f"{app09}/auth/facebook/login", headers={"Accept": "application/json"})
    assert (r.status_code, r.json()["codigo"]) == (404, "NOT_FOUND")


def test_un_proveedor_caido_es_un_502(crear):
    caido = {"discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration", "client_id": "x"}
    app = crear(PROVEEDORES_OAUTH={"caido": {**caido, "client_secret": SECRETO, "nombre": "Caído"}})
    r = requests.get(f"{app}/auth/caido/login")
    assert r.status_code == 502 and "No se pudo hablar con el proveedor" in r.text


# ── Secretos ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SECRET_KEY"])
@pytest.mark.parametrize("valor", [None, "corta"], ids=["sin", "corta"])
def test_sin_secretos_fuertes_no_arranca(tmp_path, variable, valor):
    crear_app = cargar_app(APP_LECCION_09)
    config = config_de_prueba(tmp_path, "oauth.sqlite", TESTING=False, SECRET_KEY=secrets.token_hex(32))
    config[variable] = valor
    with pytest.raises(RuntimeError, match=variable):
        crear_app(config)


def test_en_pruebas_sin_secret_key_se_genera_una(tmp_path):
    app = cargar_app(APP_LECCION_09)(config_de_prueba(tmp_path, "oauth.sqlite", SECRET_KEY=None))
    assert len(app.config["SECRET_KEY"]) == 64


def test_el_modo_semilla_solo_arranca_en_pruebas_o_depuracion(tmp_path):
    config = config_de_prueba(tmp_path, "oauth.sqlite", TESTING=False, MODO_SEMILLA=True)
    with pytest.raises(RuntimeError, match="MODO_SEMILLA"):
        cargar_app(APP_LECCION_09)(config)


def test_los_proveedores_salen_del_entorno():
    modulo = cargar_app(APP_LECCION_09).__globals__
    entorno = {
        "OAUTH_PROVEEDORES": "oidc, google ,github,sinsecreto",
        "OAUTH_OIDC_CLIENT_SECRET": "s1",
        "OAUTH_GOOGLE_CLIENT_ID": "123.apps.googleusercontent.com",
        "OAUTH_GOOGLE_CLIENT_SECRET": "s2",
        "OAUTH_GITHUB_CLIENT_ID": "Iv1.x",
        "OAUTH_GITHUB_CLIENT_SECRET": "s3",
        "OAUTH_SINSECRETO_CLIENT_ID": "y",
    }
    proveedores = modulo["proveedores_del_entorno"](entorno)
    assert list(proveedores) == ["oidc", "google", "github"]
    assert proveedores["oidc"]["discovery_url"] == "http://127.0.0.1:9000/.well-known/openid-configuration"
    assert proveedores["oidc"]["client_id"] == "taller-demo"
    assert proveedores["google"]["discovery_url"] == "https://accounts.google.com/.well-known/openid-configuration"
    assert proveedores["github"]["url_api"] == "https://api.github.com"


# ── MODO_SEMILLA: los errores de la semilla, medidos ─────────────────────────


def test_semilla_sin_secret_key_la_redireccion_es_un_500(crear):
    app = crear(MODO_SEMILLA=True, SECRET_KEY=None)
    r = Navegador(admite_500=True).get(f"{app}/auth/oidc/login")
    assert r.status_code == 500


@pytest.mark.parametrize("caso", ["sin-state", "repetido", "denegado"])
def test_semilla_sin_state_repetido_o_denegado_es_un_500(crear, caso):
    app = crear(MODO_SEMILLA=True)
    nav = Navegador(admite_500=True)
    vuelta = vuelta_de(nav, app, accion="denegar" if caso == "denegado" else "permitir")
    if caso == "sin-state":
        vuelta = cambiar_consulta(vuelta, state=None)
    elif caso == "repetido":
        assert nav.get(vuelta).status_code == 200
    assert nav.get(vuelta).status_code == 500


def test_semilla_pone_nuestros_tokens_en_la_url(crear):
    app = crear(MODO_SEMILLA=True)
    nav = Navegador()
    r = entrar(nav, app)
    assert "access_token=eyJ" in r.url and "refresh_token=eyJ" in r.url
    with pytest.raises(AssertionError):
        nav.sin_tokens_en_las_urls()


def test_semilla_un_email_sin_verificar_se_queda_con_la_cuenta_local(crear):
    app = crear(MODO_SEMILLA=True)
    local = requests.post(f"{app}/auth/registro", json=EVA).json()
    r = entrar(Navegador(), app, email="eva@example.org", password="eva-demo")
    token = parse_qs(urlsplit(r.url).query)["access_token"][0]
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == str(local["id"])


def test_lo_que_se_prueba_en_el_proveedor_sigue_ahi():
    """Las pruebas del proveedor que esta lección da por buenas existen con ese nombre."""
    texto = (Path(__file__).parent / "test_proveedor_oidc.py").read_text(encoding="utf-8")
    for nombre in (
        "def test_peticion_incorrecta_vuelve_al_cliente_con_el_error_y_el_state",
        '"sin-code-challenge"',
        '"plain"',
        "def test_redirect_uri_no_registrada_pagina_de_error_sin_redirigir",
        "def test_codigo_repetido_se_rechaza_y_revoca_lo_emitido",
        "def test_code_verifier_incorrecto",
    ):
        assert nombre in texto, nombre


# ── La página de la solución del ejercicio (la de la lección 08, heredada) ──


def test_la_pagina_de_la_solucion_enlaza_cada_proveedor_y_el_enlace_inicia_sesion(servidores, tmp_path):
    """GET / de la solución 09 lleva «Iniciar sesión con…» por proveedor; seguir el enlace acaba con la sesión iniciada.

    La de la lección 08, sin proveedores, no lleva ninguno.
    """
    raiz = RAIZ / "solutions"
    proveedores = {
        "oidc": {
            "discovery_url": f"{servidores['oidc']}/.well-known/openid-configuration",
            "client_id": CLIENTE,
            "client_secret": SECRETO,
        }
    }
    config = config_de_prueba(tmp_path, "oauth.sqlite", PROVEEDORES_OAUTH=proveedores, JWT_COOKIE_SECURE=False)
    servidores["diferida"].app = cargar_app(raiz / "09_oauth" / "api")(config)
    app = servidores["app"]
    nav = Navegador()
    enlace = '<a href="/auth/oidc/login">Iniciar sesión con el proveedor del taller</a>'
    assert enlace in nav.get(f"{app}/").text
    r = nav.get(vuelta_de(nav, app))  # lo que hace el navegador al pulsar el enlace: /auth/oidc/login y el proveedor
    assert r.status_code == 200 and r.url == f"{app}/", (r.status_code, r.url)
    assert perfil(nav, app)["email"] == "ana@example.org"
    nav.sin_tokens_en_las_urls()
    pagina_08 = cargar_app(raiz / "08_navegador" / "api")(config_de_prueba(tmp_path, "pagina08.sqlite"))
    assert "Iniciar sesión con" not in pagina_08.test_client().get("/").get_data(as_text=True)
