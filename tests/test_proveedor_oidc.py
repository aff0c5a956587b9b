"""El proveedor OpenID Connect local (``taller proveedor-oidc``), probado por HTTP de verdad en 127.0.0.1.

Cada proveedor se sirve con ``werkzeug.serving.make_server`` en un hilo y en un puerto libre;
las peticiones las hace ``requests`` como las haría un navegador (inicio de sesión y
consentimiento) o una aplicación (canje del código, userinfo, refresco). El id_token se
verifica con PyJWT contra el JWKS publicado. La última parte prueba que el cliente Flask de
Authlib, configurado solo con el descubrimiento, completa el flujo: es lo que hará la lección 09.
"""

import base64
import hashlib
import html
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.flask_client import OAuth
from authlib.oidc.discovery import OpenIDProviderMetadata
from flask import Flask, url_for
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from taller.proveedor_oidc import SecretoDebil, create_app

CLIENTE = "taller-demo"
SECRETO = secrets.token_urlsafe(32)
RETORNO = "http://127.0.0.1:5000/auth/oidc/callback"
CLAVE_PEM = RSAKey.generate_key(2048).as_pem(private=True)  # una sola vez: generar claves RSA cuesta


# ── Servidores en hilos ──────────────────────────────────────────────────────


@contextmanager
def servir(app, es_proveedor: bool = True) -> Iterator[str]:
    """Sirve ``app`` en 127.0.0.1 en un puerto libre y devuelve su URL base."""
    servidor = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{servidor.server_port}"
    if es_proveedor:
        app.config["OIDC_EMISOR"] = base
    hilo = threading.Thread(target=servidor.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    hilo.start()
    try:
        yield base
    finally:
        servidor.shutdown()
        hilo.join(timeout=5)
        servidor.server_close()


def config_del_proveedor(**cambios: object) -> dict:
    return {
        "OIDC_CLIENT_SECRET": SECRETO,
        "OIDC_REDIRECT_URIS": [RETORNO],
        "OIDC_CLAVE_PRIVADA": CLAVE_PEM,
        **cambios,
    }


@pytest.fixture(autouse=True)
def sin_errores_internos(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Ninguna prueba provoca un error inesperado en el proveedor (sería un 500)."""
    yield
    internos = [r for r in caplog.records if r.name.startswith("taller.proveedor_oidc") and r.levelno >= 40]
    assert not internos, [r.getMessage() for r in internos]


@pytest.fixture(scope="module")
def proveedor() -> Iterator[str]:
    """Un proveedor con la configuración por defecto, compartido por las pruebas del módulo."""
    with servir(create_app(config_del_proveedor())) as base:
        yield base


@pytest.fixture
def lanzar() -> Iterator[Callable[..., str]]:
    """Lanza un proveedor con otra configuración (se para al terminar la prueba)."""
    with_contexts = []

    def lanzar_(**cambios: object) -> str:
        contexto = servir(create_app(config_del_proveedor(**cambios)))
        with_contexts.append(contexto)
        return contexto.__enter__()

    yield lanzar_
    for contexto in reversed(with_contexts):
        contexto.__exit__(None, None, None)


# ── El flujo, paso a paso ────────────────────────────────────────────────────


def pkce() -> tuple[str, str]:
    verificador = secrets.token_urlsafe(48)
    reto = base64.urlsafe_b64encode(hashlib.sha256(verificador.encode()).digest()).rstrip(b"=").decode()
    return verificador, reto


def parametros(reto: str, **cambios: str | None) -> dict[str, str]:
    """Los parámetros de una petición de autorización correcta; ``None`` quita uno."""
    datos = {
        "response_type": "code",
        "client_id": CLIENTE,
        "redirect_uri": RETORNO,
        "scope": "openid email profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": reto,
        "code_challenge_method": "S256",
        **cambios,
    }
    return {k: v for k, v in datos.items() if v is not None}


def formulario(respuesta: requests.Response) -> tuple[str, str]:
    """La URL de destino del formulario de la página y su token CSRF."""
    accion = html.unescape(re.search(r'<form method="post" action="([^"]*)"', respuesta.text)[1])
    csrf = re.search(r'name="csrf" value="([^"]+)"', respuesta.text)[1]
    base = "{0.scheme}://{0.netloc}".format(urlsplit(respuesta.url))
    return base + accion, csrf


def consultar(location: str) -> dict[str, str]:
    """Los parámetros de la dirección de retorno (falla si no es la registrada)."""
    assert location.startswith(RETORNO + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def entrar(
    navegador: requests.Session, base: str, datos: dict, email: str = "ana@example.org", password: str = "ana-demo"
) -> requests.Response:
    """Abre la autorización e inicia sesión; devuelve la página de consentimiento."""
    r = navegador.get(f"{base}/authorize", params=datos, allow_redirects=False)
    assert r.status_code == 200, r.text
    accion, csrf = formulario(r)
    r = navegador.post(accion, data={"csrf": csrf, "email": email, "password": password, "accion": "entrar"})
    assert r.status_code == 200
    return r


def autorizar(base: str, datos: dict, email: str = "ana@example.org", password: str = "ana-demo") -> dict[str, str]:
    """Inicia sesión, da permiso y devuelve los parámetros con que vuelve a la aplicación."""
    navegador = requests.Session()
    r = entrar(navegador, base, datos, email, password)
    accion, csrf = formulario(r)
    r = navegador.post(accion, data={"csrf": csrf, "accion": "permitir"}, allow_redirects=False)
    assert r.status_code == 302, r.text
    return consultar(r.headers["Location"])


def canjear(base: str, code: str, verificador: str, metodo: str = "basic", secreto: str = SECRETO, **extra: str):
    datos = {"grant_type": "authorization_code", "code": code, "redirect_uri": RETORNO, "code_verifier": verificador}
    return enviar_al_token(base, {**datos, **extra}, metodo, secreto)


def enviar_al_token(base: str, datos: dict, metodo: str = "basic", secreto: str = SECRETO, cliente: str = CLIENTE):
    if metodo == "basic":
        return requests.post(f"{base}/token", data=datos, auth=(cliente, secreto))
    return requests.post(f"{base}/token", data={**datos, "client_id": cliente, "client_secret": secreto})


def flujo(base: str, email: str = "ana@example.org", password: str = "ana-demo", **cambios: str):
    """El flujo completo: devuelve los parámetros de la autorización y la respuesta del token."""
    verificador, reto = pkce()
    datos = parametros(reto, **cambios)
    vuelta = autorizar(base, datos, email, password)
    assert vuelta["state"] == datos["state"]
    r = canjear(base, vuelta["code"], verificador)
    assert r.status_code == 200, r.text
    return datos, r.json()


def verificar_id_token(base: str, id_token: str, nonce: str) -> dict:
    """Verifica el id_token con PyJWT contra el JWKS del descubrimiento: firma RS256, iss, aud, exp y nonce."""
    metadatos = requests.get(f"{base}/.well-known/openid-configuration").json()
    claves = jwt.PyJWKSet.from_dict(requests.get(metadatos["jwks_uri"]).json())
    cabecera = jwt.get_unverified_header(id_token)
    assert cabecera["alg"] == "RS256"
    clave = claves[cabecera["kid"]]
    claims = jwt.decode(
        id_token,
        clave.key,
        algorithms=["RS256"],
        audience=CLIENTE,
        issuer=metadatos["issuer"],
        options={"require": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce"]},
    )
    assert claims["nonce"] == nonce
    return claims


def error_en_la_vuelta(base: str, **cambios: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Pide una autorización que debe fallar con redirección al cliente: devuelve (pedido, vuelta)."""
    _, reto = pkce()
    datos = parametros(reto, **cambios)
    r = requests.get(f"{base}/authorize", params=datos, allow_redirects=False)
    assert r.status_code == 302, r.text
    return datos, consultar(r.headers["Location"])


# ── Descubrimiento y JWKS ────────────────────────────────────────────────────


def test_el_descubrimiento_es_valido_y_solo_anuncia_lo_seguro(proveedor):
    r = requests.get(f"{proveedor}/.well-known/openid-configuration")
    assert r.status_code == 200
    metadatos = r.json()
    OpenIDProviderMetadata(metadatos).validate()  # OpenID Connect Discovery 1.0 y RFC 8414
    assert metadatos["issuer"] == proveedor
    assert metadatos["jwks_uri"].startswith(proveedor)
    assert metadatos["response_types_supported"] == ["code"]
    assert metadatos["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadatos["code_challenge_methods_supported"] == ["S256"]
    assert metadatos["authorization_response_iss_parameter_supported"] is True
    assert metadatos["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(metadatos["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


def test_el_jwks_publica_solo_la_parte_publica_de_la_clave(proveedor):
    claves = requests.get(f"{proveedor}/jwks.json").json()["keys"]
    assert len(claves) == 1
    clave = claves[0]
    assert clave["kty"] == "RSA" and clave["alg"] == "RS256" and clave["use"] == "sig" and clave["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & clave.keys()
    assert clave["n"] == RSAKey.import_key(CLAVE_PEM).as_dict()["n"]  # la de OIDC_CLAVE_PRIVADA


# ── El flujo completo ────────────────────────────────────────────────────────


@pytest.mark.parametrize("metodo", ["basic", "post"], ids=["client_secret_basic", "client_secret_post"])
def test_flujo_completo_con_pkce_e_id_token_verificado(proveedor, metodo):
    verificador, reto = pkce()
    datos = parametros(reto)
    vuelta = autorizar(proveedor, datos)
    assert set(vuelta) == {"code", "state", "iss"} and vuelta["state"] == datos["state"]
    assert vuelta["iss"] == proveedor  # RFC 9207: el cliente sabe qué proveedor le responde
    r = canjear(proveedor, vuelta["code"], verificador, metodo=metodo)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"] and tokens["scope"] == "openid email profile"
    antes = int(time.time())
    claims = verificar_id_token(proveedor, tokens["id_token"], datos["nonce"])
    assert claims["sub"] == "1001" and isinstance(claims["sub"], str)
    assert claims["aud"] == CLIENTE and claims["iss"] == proveedor
    assert claims["email"] == "ana@example.org" and claims["email_verified"] is True and claims["name"] == "Ana Torres"
    assert claims["auth_time"] <= claims["iat"] <= antes + 1 < claims["exp"]


def test_userinfo_con_el_token_de_acceso(proveedor):
    _, tokens = flujo(proveedor, "beto@example.org", "beto-demo")
    r = requests.get(f"{proveedor}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 200
    assert r.json() == {"sub": "1002", "email": "beto@example.org", "email_verified": True, "name": "Beto Ramírez"}


def test_eva_tiene_el_email_sin_verificar(proveedor):
    datos, tokens = flujo(proveedor, "eva@example.org", "eva-demo")
    claims = verificar_id_token(proveedor, tokens["id_token"], datos["nonce"])
    assert claims["sub"] == "1003" and claims["email"] == "eva@example.org" and claims["email_verified"] is False


def test_el_sub_es_estable_entre_arranques(lanzar):
    subs = []
    for _ in range(2):
        base = lanzar(OIDC_CLAVE_PRIVADA=None)  # otro proveedor, con otra clave
        datos, tokens = flujo(base)
        subs.append(verificar_id_token(base, tokens["id_token"], datos["nonce"])["sub"])
    assert subs == ["1001", "1001"]


def test_solo_los_alcances_pedidos(proveedor):
    datos, tokens = flujo(proveedor, scope="openid")
    claims = verificar_id_token(proveedor, tokens["id_token"], datos["nonce"])
    assert "email" not in claims and "name" not in claims
    r = requests.get(f"{proveedor}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.json() == {"sub": "1001"}


def test_con_solo_sub_el_id_token_no_lleva_email_y_userinfo_si(lanzar):
    base = lanzar(OIDC_SOLO_SUB=True)
    datos, tokens = flujo(base)
    claims = verificar_id_token(base, tokens["id_token"], datos["nonce"])
    assert claims["sub"] == "1001"
    assert not {"email", "email_verified", "name"} & claims.keys()
    r = requests.get(f"{base}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.json()["email"] == "ana@example.org" and r.json()["email_verified"] is True


def test_refresco_con_rotacion_y_reutilizacion_detectada(proveedor):
    _, tokens = flujo(proveedor)
    r = enviar_al_token(proveedor, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    nuevos = r.json()
    assert nuevos["access_token"] != tokens["access_token"]
    assert nuevos["refresh_token"] and nuevos["refresh_token"] != tokens["refresh_token"]
    cabecera = {"Authorization": f"Bearer {nuevos['access_token']}"}
    assert requests.get(f"{proveedor}/userinfo", headers=cabecera).status_code == 200

    # El refresh token viejo ya no vale; presentarlo revoca también los de su familia (RFC 9700 §4.14.2).
    r = enviar_al_token(proveedor, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert requests.get(f"{proveedor}/userinfo", headers=cabecera).status_code == 401
    r = enviar_al_token(proveedor, {"grant_type": "refresh_token", "refresh_token": nuevos["refresh_token"]})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_un_refresh_token_caducado_no_vale(lanzar):
    base = lanzar(OIDC_DURACION_REFRESCO=-1)
    _, tokens = flujo(base)
    r = enviar_al_token(base, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_denegar_vuelve_con_access_denied_y_el_state(proveedor):
    _, reto = pkce()
    datos = parametros(reto)
    navegador = requests.Session()
    accion, csrf = formulario(entrar(navegador, proveedor, datos))
    r = navegador.post(accion, data={"csrf": csrf, "accion": "denegar"}, allow_redirects=False)
    assert r.status_code == 302
    vuelta = consultar(r.headers["Location"])
    assert vuelta["error"] == "access_denied" and vuelta["state"] == datos["state"] and "code" not in vuelta
    assert vuelta["iss"] == proveedor


def test_denegar_sin_iniciar_sesion(proveedor):
    _, reto = pkce()
    datos = parametros(reto)
    navegador = requests.Session()
    accion, csrf = formulario(navegador.get(f"{proveedor}/authorize", params=datos))
    r = navegador.post(accion, data={"csrf": csrf, "accion": "denegar"}, allow_redirects=False)
    vuelta = consultar(r.headers["Location"])
    assert (vuelta["error"], vuelta["state"]) == ("access_denied", datos["state"])


def test_una_contrasena_incorrecta_no_inicia_sesion(proveedor):
    _, reto = pkce()
    navegador = requests.Session()
    r = entrar(navegador, proveedor, parametros(reto), password="mala")
    assert "El email o la contraseña no son correctos." in r.text
    assert 'name="password"' in r.text and 'value="permitir"' not in r.text


# ── Las páginas ──────────────────────────────────────────────────────────────


def test_paginas_en_espanol_sin_cache_y_sin_marcos(proveedor):
    _, reto = pkce()
    r = requests.get(f"{proveedor}/authorize", params=parametros(reto))
    assert r.status_code == 200 and '<html lang="es">' in r.text
    assert "Iniciar sesión" in r.text and "Contraseña" in r.text and "Denegar" in r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("proveedor_oidc_sesion=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_el_consentimiento_dice_quien_pide_que(proveedor):
    _, reto = pkce()
    r = entrar(requests.Session(), proveedor, parametros(reto), "eva@example.org", "eva-demo")
    assert "¿Das permiso a Cliente de prueba del taller?" in r.text
    assert "Eva Núñez" in r.text and "email sin verificar" in r.text
    assert "tu dirección de email y si está verificada" in r.text
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("csrf", [None, "otro"], ids=["sin-csrf", "csrf-falso"])
def test_un_formulario_sin_su_token_csrf_se_rechaza(proveedor, csrf):
    _, reto = pkce()
    navegador = requests.Session()
    accion, _ = formulario(navegador.get(f"{proveedor}/authorize", params=parametros(reto)))
    datos = {"email": "ana@example.org", "password": "ana-demo", "accion": "entrar"}
    if csrf:
        datos["csrf"] = csrf
    r = navegador.post(accion, data=datos, allow_redirects=False)
    assert r.status_code == 400 and "token CSRF" in r.text and "Location" not in r.headers


def test_el_html_escapa_lo_que_llega_en_la_peticion(proveedor):
    _, reto = pkce()
    r = requests.get(f"{proveedor}/authorize", params=parametros(reto, redirect_uri=RETORNO + "<script>x</script>"))
    assert r.status_code == 400
    assert "<script>x" not in r.text and "&lt;script&gt;x" in r.text


def test_la_pagina_de_inicio_lista_usuarios_y_clientes(proveedor):
    r = requests.get(f"{proveedor}/")
    assert r.status_code == 200
    assert "eva@example.org" in r.text and "eva-demo" in r.text and RETORNO in r.text


# ── Rechazos en la autorización ──────────────────────────────────────────────


def test_cliente_desconocido_pagina_de_error_sin_redirigir(proveedor):
    _, reto = pkce()
    r = requests.get(f"{proveedor}/authorize", params=parametros(reto, client_id="intruso"), allow_redirects=False)
    assert r.status_code == 400 and "Location" not in r.headers
    assert "La aplicación «intruso» no está registrada en este proveedor." in r.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:5000/auth/oidc/callback/",
        "http://127.0.0.1:5000/auth/oidc/callback/../../malo",
        "http://127.0.0.1:5000/auth/oidc/callbackmalo",
        "http://127.0.0.1:5000/auth/oidc/callback?siguiente=http://malo.example",
        "http://127.0.0.1:5001/auth/oidc/callback",
        "http://localhost:5000/auth/oidc/callback",
        "HTTP://127.0.0.1:5000/auth/oidc/callback",
        "https://malo.example/auth/oidc/callback",
    ],
    ids=["barra-final", "punto-punto", "prefijo", "consulta-de-mas", "otro-puerto", "localhost", "mayusculas", "otro"],
)
def test_redirect_uri_no_registrada_pagina_de_error_sin_redirigir(proveedor, redirect_uri):
    _, reto = pkce()
    r = requests.get(
        f"{proveedor}/authorize", params=parametros(reto, redirect_uri=redirect_uri), allow_redirects=False
    )
    assert r.status_code == 400 and "Location" not in r.headers
    assert "no está registrada" in r.text and "RFC 9700 §2.1" in r.text


def test_sin_redirect_uri_pagina_de_error(proveedor):
    _, reto = pkce()
    r = requests.get(f"{proveedor}/authorize", params=parametros(reto, redirect_uri=None), allow_redirects=False)
    assert r.status_code == 400 and "Location" not in r.headers and "Falta el parámetro redirect_uri" in r.text


def test_parametro_repetido_pagina_de_error(proveedor):
    _, reto = pkce()
    consulta = list(parametros(reto).items()) + [("state", "otro")]
    r = requests.get(f"{proveedor}/authorize", params=consulta, allow_redirects=False)
    assert r.status_code == 400 and "Location" not in r.headers and "Multiple" in r.text


@pytest.mark.parametrize(
    ("cambios", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # sin método, el RFC 7636 entiende «plain»
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "corto"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),  # implícito: RFC 9700 §2.1.2
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"scope": "email profile"}, "invalid_scope"),  # sin openid
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),
    ],
    ids=[
        "sin-code-challenge",
        "sin-metodo",
        "plain",
        "reto-mal-formado",
        "sin-nonce",
        "implicito",
        "hibrido",
        "sin-openid",
        "alcance-desconocido",
        "prompt-none-sin-sesion",
    ],
)
def test_peticion_incorrecta_vuelve_al_cliente_con_el_error_y_el_state(proveedor, cambios, error):
    datos, vuelta = error_en_la_vuelta(proveedor, **cambios)
    assert vuelta["error"] == error
    assert vuelta["state"] == datos["state"] and vuelta["iss"] == proveedor and "code" not in vuelta


def test_un_nonce_repetido_se_rechaza(proveedor):
    datos, _ = flujo(proveedor)
    _, vuelta = error_en_la_vuelta(proveedor, nonce=datos["nonce"])
    assert vuelta["error"] == "invalid_request" and "Replay" in vuelta["error_description"]


def test_prompt_none_con_sesion_y_consentimiento_previo_da_codigo(proveedor):
    verificador, reto = pkce()
    navegador = requests.Session()
    accion, csrf = formulario(entrar(navegador, proveedor, parametros(reto)))
    navegador.post(accion, data={"csrf": csrf, "accion": "permitir"}, allow_redirects=False)
    verificador, reto = pkce()
    r = navegador.get(f"{proveedor}/authorize", params=parametros(reto, prompt="none"), allow_redirects=False)
    assert r.status_code == 302
    assert canjear(proveedor, consultar(r.headers["Location"])["code"], verificador).status_code == 200


def test_prompt_none_con_sesion_pero_sin_consentimiento(proveedor):
    _, reto = pkce()
    navegador = requests.Session()
    entrar(navegador, proveedor, parametros(reto))  # inicia sesión pero no da permiso
    datos = parametros(reto, prompt="none")
    r = navegador.get(f"{proveedor}/authorize", params=datos, allow_redirects=False)
    vuelta = consultar(r.headers["Location"])
    assert (vuelta["error"], vuelta["state"]) == ("consent_required", datos["state"])


def test_prompt_login_vuelve_a_pedir_la_contrasena(proveedor):
    _, reto = pkce()
    navegador = requests.Session()
    entrar(navegador, proveedor, parametros(reto))
    r = navegador.get(f"{proveedor}/authorize", params=parametros(reto))
    assert "¿Das permiso" in r.text  # con sesión abierta, directo al consentimiento
    r = navegador.get(f"{proveedor}/authorize", params=parametros(reto, prompt="login"))
    assert 'name="password"' in r.text and "¿Das permiso" not in r.text


def test_un_host_que_no_es_local_no_da_un_500(proveedor):
    _, reto = pkce()
    r = requests.get(f"{proveedor}/authorize", params=parametros(reto), headers={"Host": "malo.example"})
    assert r.status_code == 400 and "solo atiende en http://127.0.0.1" in r.text


# ── Rechazos en el token ─────────────────────────────────────────────────────


def codigo_nuevo(base: str) -> tuple[str, str]:
    verificador, reto = pkce()
    return autorizar(base, parametros(reto))["code"], verificador


def test_codigo_inventado(proveedor):
    r = canjear(proveedor, "inventado", pkce()[0])
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_codigo_repetido_se_rechaza_y_revoca_lo_emitido(proveedor):
    code, verificador = codigo_nuevo(proveedor)
    primero = canjear(proveedor, code, verificador)
    assert primero.status_code == 200
    r = canjear(proveedor, code, verificador)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    cabecera = {"Authorization": f"Bearer {primero.json()['access_token']}"}
    assert requests.get(f"{proveedor}/userinfo", headers=cabecera).status_code == 401  # RFC 6749 §4.1.2
    r = enviar_al_token(proveedor, {"grant_type": "refresh_token", "refresh_token": primero.json()["refresh_token"]})
    assert r.status_code == 400


def test_dos_canjes_simultaneos_del_mismo_codigo_solo_uno_gana(proveedor):
    code, verificador = codigo_nuevo(proveedor)
    barrera = threading.Barrier(4)
    estados = []

    def canje() -> None:
        barrera.wait()
        estados.append(canjear(proveedor, code, verificador).status_code)

    hilos = [threading.Thread(target=canje) for _ in range(4)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    assert sorted(estados) == [200, 400, 400, 400]


def test_code_verifier_incorrecto(proveedor):
    code, _ = codigo_nuevo(proveedor)
    r = canjear(proveedor, code, pkce()[0])
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_sin_code_verifier(proveedor):
    code, _ = codigo_nuevo(proveedor)
    r = canjear(proveedor, code, "", code_verifier="")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize("metodo", ["basic", "post"])
def test_secreto_incorrecto(proveedor, metodo):
    code, verificador = codigo_nuevo(proveedor)
    r = canjear(proveedor, code, verificador, metodo=metodo, secreto="no-es-el-secreto")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


def test_cliente_desconocido_en_el_token(proveedor):
    r = enviar_al_token(proveedor, {"grant_type": "authorization_code", "code": "x"}, cliente="intruso")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


def test_sin_autenticar_al_cliente(proveedor):
    code, verificador = codigo_nuevo(proveedor)
    datos = {"grant_type": "authorization_code", "code": code, "redirect_uri": RETORNO, "code_verifier": verificador}
    r = requests.post(f"{proveedor}/token", data={**datos, "client_id": CLIENTE})
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


def test_redirect_uri_distinta_en_el_canje(proveedor):
    code, verificador = codigo_nuevo(proveedor)
    r = canjear(proveedor, code, verificador, redirect_uri=RETORNO + "/otra")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit"])
def test_solo_codigo_y_refresco(proveedor, grant_type):
    datos = {"grant_type": grant_type, "username": "ana@example.org", "password": "ana-demo"}
    r = enviar_al_token(proveedor, datos)
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")


def test_un_codigo_caducado_no_vale(lanzar):
    base = lanzar(OIDC_DURACION_CODIGO=-1)
    code, verificador = codigo_nuevo(base)
    r = canjear(base, code, verificador)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_el_codigo_de_otro_cliente_no_vale(lanzar):
    otro_secreto = secrets.token_urlsafe(32)
    clientes = [
        {"client_id": CLIENTE, "client_secret": SECRETO, "redirect_uris": [RETORNO]},
        {"client_id": "otra-app", "client_secret": otro_secreto, "redirect_uris": [RETORNO]},
    ]
    base = lanzar(OIDC_CLIENTES=clientes)
    code, verificador = codigo_nuevo(base)
    datos = {"grant_type": "authorization_code", "code": code, "redirect_uri": RETORNO, "code_verifier": verificador}
    r = enviar_al_token(base, datos, cliente="otra-app", secreto=otro_secreto)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert canjear(base, code, verificador).status_code == 200  # el intento ajeno no lo gastó


# ── Rechazos en userinfo y errores que nunca son un 500 ──────────────────────


@pytest.mark.parametrize("cabecera", [None, "Bearer inventado", "Basic abc"], ids=["sin-token", "falso", "basic"])
def test_userinfo_sin_un_token_valido(proveedor, cabecera):
    r = requests.get(f"{proveedor}/userinfo", headers={"Authorization": cabecera} if cabecera else {})
    assert r.status_code == 401 and r.json()["error"] in {
        "missing_authorization",
        "invalid_token",
        "unsupported_token_type",
    }


def test_los_errores_son_json_o_paginas_nunca_un_500(proveedor):
    r = requests.get(f"{proveedor}/token")
    assert r.status_code == 405 and r.json()["error"] == "invalid_request"
    r = requests.get(f"{proveedor}/no-existe")
    assert r.status_code == 404 and "Esta dirección no existe en el proveedor." in r.text
    r = requests.get(f"{proveedor}/authorize", headers={"Host": "malo.example"}, params={"client_id": CLIENTE})
    assert r.status_code == 400
    r = requests.post(f"{proveedor}/token", data="{no es json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 401)


def test_secretos_cortos_impiden_arrancar(monkeypatch):
    with pytest.raises(SecretoDebil, match="SECRET_KEY"):
        create_app(config_del_proveedor(SECRET_KEY="corto"))
    monkeypatch.setenv("PROVEEDOR_OIDC_SECRET_KEY", "corto")
    with pytest.raises(SecretoDebil, match="PROVEEDOR_OIDC_SECRET_KEY"):
        create_app(config_del_proveedor())
    monkeypatch.setenv("PROVEEDOR_OIDC_SECRET_KEY", secrets.token_hex(32))
    assert create_app(config_del_proveedor()).secret_key == os.environ["PROVEEDOR_OIDC_SECRET_KEY"]
    with pytest.raises(SecretoDebil, match="taller-demo"):
        create_app(config_del_proveedor(OIDC_CLIENT_SECRET="secreto"))


def test_una_clave_que_no_es_rsa_privada_impide_arrancar():
    with pytest.raises(ValueError, match="2048 bits o más"):
        create_app(config_del_proveedor(OIDC_CLAVE_PRIVADA=RSAKey.import_key(CLAVE_PEM).as_pem(private=False)))
    with pytest.raises(ValueError, match="no es una clave RSA privada en formato PEM"):
        create_app(config_del_proveedor(OIDC_CLAVE_PRIVADA=b"basura"))


# ── El cliente Flask de Authlib, como en la lección 09 ───────────────────────


class Diferida:
    """Una app WSGI que se decide después de saber el puerto."""

    app: Flask | None = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def app_cliente(metadatos: str, secreto: str) -> Flask:
    """Una app cliente mínima: solo el descubrimiento, el client_id, el secreto y S256."""
    app = Flask("cliente_de_prueba")
    app.secret_key = secrets.token_hex(32)
    oauth = OAuth(app)
    oauth.register(
        "taller",
        client_id=CLIENTE,
        client_secret=secreto,
        server_metadata_url=metadatos,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    @app.get("/login")
    def login():
        return oauth.taller.authorize_redirect(url_for("callback", _external=True))

    @app.get("/auth/oidc/callback")
    def callback():
        token = oauth.taller.authorize_access_token()
        return {"id_token": dict(token["userinfo"]), "userinfo": dict(oauth.taller.userinfo(token=token))}

    return app


@pytest.mark.parametrize("solo_sub", [False, True], ids=["id-token-completo", "solo-sub"])
def test_el_cliente_flask_de_authlib_completa_el_flujo(solo_sub):
    diferida = Diferida()
    with servir(diferida, es_proveedor=False) as cliente:
        retorno = f"{cliente}/auth/oidc/callback"
        config = config_del_proveedor(OIDC_REDIRECT_URIS=[retorno], OIDC_SOLO_SUB=solo_sub)
        with servir(create_app(config)) as proveedor:
            diferida.app = app_cliente(f"{proveedor}/.well-known/openid-configuration", SECRETO)
            navegador = requests.Session()
            r = navegador.get(f"{cliente}/login")  # → /authorize del proveedor
            assert r.status_code == 200 and r.url.startswith(f"{proveedor}/authorize?")
            consulta = parse_qs(urlsplit(r.url).query)
            assert consulta["code_challenge_method"] == ["S256"] and consulta["nonce"] and consulta["state"]
            accion, csrf = formulario(r)
            r = navegador.post(
                accion, data={"csrf": csrf, "email": "ana@example.org", "password": "ana-demo", "accion": "entrar"}
            )
            accion, csrf = formulario(r)
            r = navegador.post(accion, data={"csrf": csrf, "accion": "permitir"})  # → callback del cliente
            assert r.status_code == 200, r.text
            datos = r.json()
    assert datos["id_token"]["sub"] == datos["userinfo"]["sub"] == "1001"
    assert datos["userinfo"]["email"] == "ana@example.org" and datos["userinfo"]["email_verified"] is True
    assert ("email" in datos["id_token"]) is not solo_sub


# ── La orden taller proveedor-oidc ───────────────────────────────────────────


def test_la_ayuda_de_la_orden_documenta_los_usuarios():
    r = subprocess.run(
        [sys.executable, "-m", "taller.cli", "proveedor-oidc", "--help"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0
    assert "Uso: taller proveedor-oidc [OPCIONES]" in r.stdout
    for texto in (
        "--puerto",
        "--redirect-uri",
        "--solo-sub",
        "ana@example.org",
        "ana-demo",
        "eva-demo",
        "sin verificar",
    ):
        assert texto in r.stdout, texto


def test_la_orden_sirve_el_proveedor_y_anuncia_el_secreto():
    entorno = {k: v for k, v in os.environ.items() if not k.startswith("PROVEEDOR_OIDC_")}
    proceso = subprocess.Popen(
        [sys.executable, "-m", "taller.cli", "proveedor-oidc", "--puerto", "0", "--redirect-uri", RETORNO],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**entorno, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lineas = []
        while not any("Ctrl+C" in linea for linea in lineas):
            linea = proceso.stdout.readline()
            assert linea, "".join(lineas) + proceso.stderr.read()
            lineas.append(linea)
        salida = "".join(lineas)
        base = re.search(r"(http://127\.0\.0\.1:\d+)/\.well-known/openid-configuration", salida)[1]
        secreto = re.search(r"client_secret: (\S+)", salida)[1]
        assert "client_id: taller-demo" in salida and RETORNO in salida and "eva-demo" in salida
        assert requests.get(f"{base}/.well-known/openid-configuration").json()["issuer"] == base
        r = requests.post(
            f"{base}/token", data={"grant_type": "authorization_code", "code": "x"}, auth=("taller-demo", secreto)
        )
        assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")  # el secreto anunciado autentica
        proceso.send_signal(signal.SIGINT)  # Ctrl+C
        salida, _ = proceso.communicate(timeout=10)
        assert proceso.returncode == 0 and "Proveedor parado." in salida
    finally:
        if proceso.poll() is None:
            proceso.kill()
            proceso.wait(timeout=10)


@pytest.mark.parametrize(
    ("argumentos", "mensaje"),
    [
        (["--puerto", "abc"], "Error: el puerto debe ser un número entre 0 y 65535, no «abc»."),
        (["--redirect-uri", "ftp://x/cb"], "Error: la dirección de retorno «ftp://x/cb» debe ser una URL http(s)"),
        (["--redirect-uri", "http://x/cb#a"], "Error: la dirección de retorno «http://x/cb#a» no puede llevar #"),
        (["--clave", "/no/existe.pem"], "Error: no se puede leer la clave /no/existe.pem"),
        (["--client-secret", "corto"], "Error: el secreto del cliente «taller-demo» es demasiado corto"),
    ],
    ids=["puerto", "esquema", "fragmento", "clave", "secreto-corto"],
)
def test_la_orden_rechaza_opciones_malas_en_una_linea(argumentos, mensaje):
    r = subprocess.run(
        [sys.executable, "-m", "taller.cli", "proveedor-oidc", *argumentos], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(mensaje), r.stderr
    assert "Traceback" not in r.stderr


def test_la_orden_rechaza_un_archivo_que_no_es_una_clave(tmp_path):
    archivo = tmp_path / "clave.pem"
    archivo.write_text("no es una clave", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "taller.cli", "proveedor-oidc", "--clave", str(archivo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stderr.startswith(f"Error: la clave {archivo} no sirve: no es una clave RSA privada en formato PEM.")
