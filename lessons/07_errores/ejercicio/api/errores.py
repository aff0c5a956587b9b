"""Los errores: un único formato de error ``{"error", "codigo"}`` en toda la API, también los de tokens y HTTP.

El ``codigo`` es estable (``"TOKEN_EXPIRED"``): el cliente decide con él, no
con el texto. Cada error de Flask-JWT-Extended es un 401 con
``WWW-Authenticate`` (RFC 6750) y nunca el mensaje crudo de la biblioteca, y
ningún error HTTP sale en HTML.
"""

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import HTTPException

from .basedatos import ID
from .extensiones import jwt
from .mensajes_http import MENSAJES_HTTP

bp = Blueprint("errores", __name__)

# El código estable de cada estado HTTP: el cliente decide con él, no con el texto del mensaje.
CODIGOS_HTTP = {
    400: "VALIDATION_ERROR",
    401: "TOKEN_MISSING",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
# error_description de WWW-Authenticate (RFC 6750, sección 3): solo ASCII, por eso en inglés.
DESCRIPCIONES_RFC = {
    "TOKEN_INVALID": "The access token is invalid",
    "TOKEN_EXPIRED": "The access token expired",
    "TOKEN_REVOKED": "The access token was revoked",
    "USER_NOT_FOUND": "The user of the access token no longer exists",
    "FRESH_TOKEN_REQUIRED": "A fresh access token is required",
}


def www_authenticate(codigo):
    """La cabecera ``WWW-Authenticate`` de un 401 (RFC 6750, sección 3).

    Sin token (o sin credenciales) solo el esquema y el ``realm``; con un token
    que no vale, además ``error="invalid_token"`` y una descripción en ASCII.
    """
    if codigo in DESCRIPCIONES_RFC:
        return f'Bearer realm="api", error="invalid_token", error_description="{DESCRIPCIONES_RFC[codigo]}"'
    return 'Bearer realm="api"'


def error(mensaje, estado, codigo=None):
    """El sobre de error de toda la API: ``{"error": mensaje, "codigo": CÓDIGO}`` con su estado HTTP.

    Sin ``codigo``, el de ``CODIGOS_HTTP`` para ese estado. Un 401 lleva siempre
    ``WWW-Authenticate`` (RFC 9110, sección 15.5.2; la cabecera, en la 11.6.1).
    """
    # TODO (tarea 1): el sobre con "codigo" (el de CODIGOS_HTTP si no se da) y WWW-Authenticate en los 401.
    return jsonify(error=mensaje), estado


# TODO (tarea 2): un cargador por cada error de Flask-JWT-Extended: 401, el sobre, y el motivo solo al log.


@bp.app_errorhandler(HTTPException)
def error_http(e):
    """La API responde siempre en JSON, nunca con una página HTML: el sobre con el código de cada estado."""
    # TODO (tarea 3): el sobre para todo error HTTP, con su mensaje en español y su código.
    respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
    respuesta.status_code = e.code
    if e.code == 405 and getattr(e, "valid_methods", None):  # abort(405) a secas no las trae
        respuesta.headers["Allow"] = ", ".join(e.valid_methods)
    return respuesta


@bp.app_errorhandler(Exception)
def error_interno(e):
    """Un fallo inesperado: el detalle va al log y el cliente recibe un 500 en JSON."""
    current_app.logger.exception("Error no controlado")
    return error("Error interno del servidor.", 500)
