# Generado por «taller sincronizar» desde solutions/08_navegador/api/navegador.py: edítalo allí.
"""El navegador: los tokens en cookies HttpOnly con CSRF, el refresco implícito y CORS.

Flask-JWT-Extended hace casi todo; aquí se le dice cómo: las cookies con
``Secure`` y ``SameSite=Lax`` puestos a mano (sus valores por defecto no son
seguros), el refresh token solo en su ruta, un 403 ``CSRF_INVALID`` en
español, un access token nuevo cuando el de la cookie caduca pronto y CORS
con una lista explícita de orígenes. La API sigue aceptando la cabecera
``Authorization`` para los clientes que no son un navegador.
"""

import os
import time

from flask import current_app, g
from flask.helpers import get_debug_flag
from flask_cors import CORS
from flask_jwt_extended import create_access_token, get_jwt, get_jwt_request_location, set_access_cookies
from flask_jwt_extended.exceptions import CSRFError

from .errores import error


def origenes_del_entorno():
    """``ORIGENES_PERMITIDOS="http://127.0.0.1:5173,https://app.example.com"`` → una lista (vacía por defecto)."""
    return [o.strip() for o in os.environ.get("ORIGENES_PERMITIDOS", "").split(",") if o.strip()]


def ajustes():
    """Los ajustes del navegador (la fábrica se los pasa a ``configurar``)."""
    return {
        "ORIGENES_PERMITIDOS": origenes_del_entorno(),  # los front ends de otro origen que pueden leer la API
        "RENOVAR_ANTES": 5 * 60,  # segundos: un access token de cookie que caduca antes se refresca solo
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],  # la cabecera Authorization sigue valiendo
        "JWT_COOKIE_SECURE": not get_debug_flag(),  # la biblioteca: False (viajaría por http://)
        "JWT_COOKIE_SAMESITE": "Lax",  # la biblioteca: None (sin atributo: decide el navegador)
        "JWT_COOKIE_CSRF_PROTECT": True,  # doble envío: cookie csrf_access_token + cabecera X-CSRF-TOKEN
        "JWT_REFRESH_COOKIE_PATH": "/web/refresh",
    }


def csrf_invalido(e):
    """La cookie del token llegó sin la cabecera X-CSRF-TOKEN que la acompaña (o con otra): 403, no 401."""
    return error("Falta la cabecera X-CSRF-TOKEN o no coincide con tu sesión.", 403, "CSRF_INVALID")


def renovar_si_caduca_pronto(respuesta):
    """``after_request``: si el access token de la cookie caduca antes de ``RENOVAR_ANTES``, va otro en la respuesta."""
    if g.get("sin_renovar") or get_jwt_request_location() != "cookies":
        return respuesta
    datos = get_jwt()
    if datos.get("type") != "access" or datos["exp"] - time.time() > current_app.config["RENOVAR_ANTES"]:
        return respuesta
    nuevo = create_access_token(identity=datos["sub"], fresh=False, additional_claims={"sesion": datos.get("sesion")})
    set_access_cookies(respuesta, nuevo)
    return respuesta


def init_app(app):
    """CORS, el manejador del error CSRF (después de ``jwt.init_app``: sustituye al suyo) y el refresco."""
    origenes = app.config["ORIGENES_PERMITIDOS"]
    if "*" in origenes:
        raise ValueError("ORIGENES_PERMITIDOS no admite «*» con cookies: escribe cada origen (esquema://host:puerto).")
    CORS(
        app,
        resources={r"/api/*": {}, r"/auth/*": {}, r"/web/*": {}},
        origins=origenes,
        supports_credentials=True,
        allow_headers=["Content-Type", "X-CSRF-TOKEN", "Authorization"],
        max_age=600,
    )
    app.register_error_handler(CSRFError, csrf_invalido)
    app.after_request(renovar_si_caduca_pronto)
