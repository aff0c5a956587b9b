# Generado por «taller sincronizar» desde solutions/09_oauth/api/oauth.py: edítalo allí.
"""«Iniciar sesión con…»: los proveedores OpenID Connect (y GitHub) con el cliente Flask de Authlib.

Cada proveedor OpenID Connect se configura con su URL de descubrimiento, su
client id y su secreto (Google, el proveedor del taller o cualquier otro que
siga el estándar); GitHub, que no es OpenID Connect, como OAuth2. Authlib
guarda ``state``, ``nonce`` y el ``code_verifier`` de PKCE en la sesión de
Flask (por eso ``SECRET_KEY`` es obligatoria) y verifica el id_token. Cada
``OAuthError`` es un 400 con el sobre de error, y nuestros tokens llegan al
navegador en las cookies HttpOnly de la lección 08: nunca en una URL.
"""

import os
import secrets

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_jwt_extended import (
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    verify_jwt_in_request,
)
from joserfc.errors import JoseError

from .auth import COMO_GENERAR, MIN_BYTES_SECRETO, SecretoDebil
from .cuentas import datos_de_github, datos_de_oidc, vincular
from .errores import error
from .tokens import tokens_del_login
from .usuarios import usuario_de

bp = Blueprint("oauth", __name__)

DESCUBRIMIENTO = {
    "oidc": "http://127.0.0.1:9000/.well-known/openid-configuration",  # taller proveedor-oidc
    "google": "https://accounts.google.com/.well-known/openid-configuration",
}
NOMBRES = {"oidc": "el proveedor del taller", "google": "Google", "github": "GitHub"}  # los de la página


def proveedores_del_entorno(entorno):
    """``{nombre: datos}`` de los proveedores de ``OAUTH_PROVEEDORES`` (por defecto ``oidc``) con id y secreto.

    ``OAUTH_<NOMBRE>_DISCOVERY_URL``, ``OAUTH_<NOMBRE>_CLIENT_ID`` y ``OAUTH_<NOMBRE>_CLIENT_SECRET``;
    GitHub, ``OAUTH_GITHUB_URL_WEB`` y ``OAUTH_GITHUB_URL_API`` (solo cambian para probar con un sustituto).
    """
    proveedores = {}
    for nombre in entorno.get("OAUTH_PROVEEDORES", "oidc").replace(" ", "").lower().split(","):
        prefijo = f"OAUTH_{nombre.upper()}_"
        datos = {
            "client_id": entorno.get(prefijo + "CLIENT_ID", "taller-demo" if nombre == "oidc" else None),
            "client_secret": entorno.get(prefijo + "CLIENT_SECRET"),
        }
        if nombre == "github":
            datos["url_web"] = entorno.get(prefijo + "URL_WEB", "https://github.com")
            datos["url_api"] = entorno.get(prefijo + "URL_API", "https://api.github.com")
        else:
            datos["discovery_url"] = entorno.get(prefijo + "DISCOVERY_URL", DESCUBRIMIENTO.get(nombre))
        if nombre and datos["client_id"] and datos["client_secret"] and (nombre == "github" or datos["discovery_url"]):
            proveedores[nombre] = datos
    return proveedores


def ajustes():
    """Los ajustes de «Iniciar sesión con…» (la fábrica se los pasa a ``configurar``)."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),  # firma la sesión, donde Authlib guarda state, nonce y PKCE
        "PROVEEDORES_OAUTH": proveedores_del_entorno(os.environ),
        "SESSION_COOKIE_NAME": "sesion_oauth",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",  # la vuelta del proveedor es una navegación GET: Lax la deja pasar
    }


def comprobar_secret_key(app):
    """Como ``JWT_SECRET_KEY``: sin ella (o corta) no arranca; en depuración o pruebas, una aleatoria."""
    clave = app.config.get("SECRET_KEY")
    if not clave and (app.debug or app.testing):
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # solo para esta ejecución
    elif not clave or len(str(clave).encode("utf-8")) < MIN_BYTES_SECRETO:
        raise SecretoDebil(
            f"SECRET_KEY falta o es débil: necesita al menos {MIN_BYTES_SECRETO} bytes aleatorios. Genera una con:\n"
            f"    {COMO_GENERAR.replace('JWT_SECRET_KEY', 'SECRET_KEY')}"
        )


def registrar_proveedores(oauth, proveedores):
    """Un cliente de Authlib por proveedor: los OpenID Connect, con su descubrimiento; GitHub, a mano."""
    for nombre, datos in proveedores.items():
        if nombre == "github":
            oauth.register(
                "github",
                client_id=datos["client_id"],
                client_secret=datos["client_secret"],
                authorize_url=f"{datos['url_web']}/login/oauth/authorize",
                access_token_url=f"{datos['url_web']}/login/oauth/access_token",
                api_base_url=f"{datos['url_api']}/",
                client_kwargs={
                    "scope": "read:user user:email",
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": "client_secret_post",
                },
            )
        else:
            oauth.register(
                nombre,
                client_id=datos["client_id"],
                client_secret=datos["client_secret"],
                server_metadata_url=datos["discovery_url"],
                client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            )


def enlaces_de_inicio():
    """``context_processor``: un enlace «Iniciar sesión con…» por proveedor configurado, para la página de inicio."""
    enlaces = [
        {"texto": f"Iniciar sesión con {NOMBRES.get(nombre, nombre)}", "url": url_for("oauth.login", proveedor=nombre)}
        for nombre in current_app.config["PROVEEDORES_OAUTH"]
    ]
    return {"otras_formas_de_entrar": enlaces}


def init_app(app):
    """Exige ``SECRET_KEY``, registra los proveedores en un ``OAuth`` propio de esta app y los enlaza en la página."""
    comprobar_secret_key(app)
    app.config["SESSION_COOKIE_SECURE"] = app.config["JWT_COOKIE_SECURE"]
    registrar_proveedores(OAuth(app), app.config["PROVEEDORES_OAUTH"])
    app.context_processor(enlaces_de_inicio)


def cliente_de(proveedor):
    """El cliente de Authlib de ``proveedor``, o ``None`` si no está configurado."""
    if proveedor not in current_app.config["PROVEEDORES_OAUTH"]:
        return None
    return current_app.extensions["authlib.integrations.flask_client"].create_client(proveedor)


def proveedor_desconocido():
    return error("Ese proveedor no está configurado.", 404, "NOT_FOUND")


@bp.app_errorhandler(requests.RequestException)
def proveedor_caido(e):
    """El proveedor no contesta (ni su descubrimiento, ni el canje del código): 502, no 500."""
    current_app.logger.warning("El proveedor no responde: %s", e)
    return error("No se pudo hablar con el proveedor: vuelve a intentarlo más tarde.", 502, "PROVEEDOR_INACCESIBLE")


@bp.get("/auth/<proveedor>/login")
def login(proveedor):
    """Redirige al proveedor; Authlib guarda state, nonce y code_verifier en la sesión."""
    cliente = cliente_de(proveedor)
    if cliente is None:
        return proveedor_desconocido()
    return cliente.authorize_redirect(url_for("oauth.callback", proveedor=proveedor, _external=True))


@bp.post("/auth/<proveedor>/vincular")
@jwt_required()
def empezar_vinculo(proveedor):
    """Con la sesión iniciada (y su cabecera X-CSRF-TOKEN): vincula la cuenta de un proveedor al usuario actual."""
    cliente = cliente_de(proveedor)
    if cliente is None:
        return proveedor_desconocido()
    session["vincular_a"] = get_jwt_identity()
    return cliente.authorize_redirect(url_for("oauth.callback", proveedor=proveedor, _external=True))


def error_de_oauth(e):
    """Cada ``OAuthError`` de Authlib, en palabras: el del state, el de un consentimiento denegado o el del proveedor."""
    if e.error == "mismatching_state":
        return error(
            "La vuelta del proveedor no corresponde a ningún inicio de sesión en curso: falta el parámetro state, "
            "no coincide con el de tu sesión o ya se usó. Empieza de nuevo.",
            400,
            "STATE_INVALIDO",
        )
    if e.error == "access_denied":
        return error(
            "Has cancelado el inicio de sesión en el proveedor: no se ha compartido nada.", 400, "ACCESO_DENEGADO"
        )
    return error(f"El proveedor respondió con un error ({e.error}). Vuelve a intentarlo.", 400, "ERROR_DEL_PROVEEDOR")


def usuario_que_vincula():
    """El usuario que empezó a vincular una cuenta (``/auth/<proveedor>/vincular``), si sigue con su sesión."""
    if "vincular_a" not in session:
        return None, None
    identidad = session.pop("vincular_a")
    verify_jwt_in_request(optional=True, locations=["cookies"])
    if get_jwt_identity() != identidad or usuario_de(identidad) is None:
        return None, error("La sesión cambió mientras vinculabas la cuenta: vuelve a empezar.", 400, "SESION_CAMBIADA")
    return usuario_de(identidad), None


@bp.get("/auth/<proveedor>/callback")
def callback(proveedor):
    """La vuelta del proveedor: comprueba el state, canjea el código, vincula la cuenta y pone las cookies."""
    cliente = cliente_de(proveedor)
    if cliente is None:
        return proveedor_desconocido()
    try:
        if proveedor != "github":  # RFC 9207: la vuelta dice quién la emite (evita confundir proveedores)
            emisor = cliente.load_server_metadata().get("issuer")
            if "iss" in request.args and request.args["iss"] != emisor:
                raise OAuthError(error="emisor_incorrecto")
        token = cliente.authorize_access_token()  # comprueba el state y canjea el código con el code_verifier
        datos = datos_de_github(cliente, token) if proveedor == "github" else datos_de_oidc(cliente, token)
    except OAuthError as e:
        return error_de_oauth(e)
    except JoseError as e:
        current_app.logger.info("id_token rechazado: %s", e)
        return error(
            "El id_token del proveedor no es válido (firma, emisor, audiencia, caducidad o nonce).",
            400,
            "ID_TOKEN_INVALIDO",
        )
    usuario_actual, problema = usuario_que_vincula()
    if problema:
        return problema
    usuario, problema = vincular(proveedor, datos, usuario_actual)
    if problema:
        return error(*problema)
    tokens = tokens_del_login(usuario)
    respuesta = redirect(url_for("paginas.inicio"))
    set_access_cookies(respuesta, tokens["access_token"])
    set_refresh_cookies(respuesta, tokens["refresh_token"])
    return respuesta
