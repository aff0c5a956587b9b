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
    # [solución] tarea 1: el sobre con "codigo" (el de CODIGOS_HTTP si no se da) y WWW-Authenticate en los 401.
    codigo = codigo or CODIGOS_HTTP.get(estado, "INTERNAL_ERROR")
    respuesta = jsonify(error=mensaje, codigo=codigo)
    respuesta.status_code = estado
    if estado == 401:
        respuesta.headers["WWW-Authenticate"] = www_authenticate(codigo)
    return respuesta
    # [ejercicio]
    # return jsonify(error=mensaje), estado
    # [fin]


# [solución] tarea 2: un cargador por cada error de Flask-JWT-Extended: 401, el sobre, y el motivo solo al log.
@jwt.unauthorized_loader
def falta_token(motivo):
    """``unauthorized_loader``: no hay token (o no es «Bearer …»). La biblioteca respondería 401 ``{"msg": …}``."""
    current_app.logger.info("Petición sin token válido en la cabecera: %s", motivo)
    return error("Falta el token: envía la cabecera «Authorization: Bearer <token>».", 401, "TOKEN_MISSING")


@jwt.invalid_token_loader
def token_invalido(motivo):
    """``invalid_token_loader``: token mal formado, manipulado, de otra clave o de otro tipo (la biblioteca: 422).

    ``motivo`` es el mensaje de PyJWT («Invalid header string: 'utf-8' codec…»):
    va al log, nunca al cliente, que no lo necesita y al que no le importa.
    """
    current_app.logger.info("Token inválido: %s", motivo)
    if motivo.startswith("Only "):  # «Only refresh tokens are allowed» y al revés
        return error(
            "Este tipo de token no sirve en esta ruta: usa el access token (o el refresh token en /auth/refresh).",
            401,
            "TOKEN_INVALID",
        )
    return error("El token no es válido.", 401, "TOKEN_INVALID")


@jwt.expired_token_loader
def token_caducado(cabecera, datos):
    """``expired_token_loader``: el token ha caducado; el cliente puede pedir otro con su refresh token."""
    tipo = "refresh" if datos.get("type") == "refresh" else "access"
    if tipo == "refresh":
        return error("La sesión ha caducado: inicia sesión de nuevo.", 401, "TOKEN_EXPIRED")
    return error("El token ha caducado: pide otro en /auth/refresh.", 401, "TOKEN_EXPIRED")


@jwt.revoked_token_loader
def token_revocado_respuesta(cabecera, datos):
    """``revoked_token_loader``: el token se revocó (logout o «cerrar todas las sesiones»)."""
    return error("El token se revocó: inicia sesión de nuevo.", 401, "TOKEN_REVOKED")


@jwt.needs_fresh_token_loader
def necesita_token_fresco(cabecera, datos):
    """``needs_fresh_token_loader``: la operación pide un token del login, no uno refrescado."""
    return error(
        "Esta operación necesita un token recién obtenido con tu contraseña: inicia sesión de nuevo.",
        401,
        "FRESH_TOKEN_REQUIRED",
    )


@jwt.token_verification_loader
def claims_bien_formados(cabecera, datos):
    """``token_verification_loader``: los claims en los que se apoya la app tienen la forma que ella les da.

    La firma dice quién emitió el token, no que sus claims tengan sentido. Un
    ``sub`` que no es un id canónico (``"01"``, ``"１"``) no es de nadie: es un
    token mal formado, no el de una cuenta borrada. La «sesion» de un access
    token (lección 05) es ``{"jti": texto, "exp": número}``: con otra forma, el
    logout fallaría con un 500. Si devuelve ``False``, responde :func:`verificacion_fallida`.
    """
    if not isinstance(datos.get("sub"), str) or not ID.fullmatch(datos["sub"]):
        return False
    sesion = datos.get("sesion", {"jti": "", "exp": 0})  # los refresh tokens no la llevan
    return isinstance(sesion, dict) and isinstance(sesion.get("jti"), str) and type(sesion.get("exp")) in (int, float)


@jwt.token_verification_failed_loader
def verificacion_fallida(cabecera, datos):
    """``token_verification_failed_loader``: :func:`claims_bien_formados` rechazó el token (la biblioteca: 400)."""
    current_app.logger.info("Token con claims mal formados: sub=%r", datos.get("sub"))
    return error("El token no es válido: sus datos no tienen la forma que emite esta API.", 401, "TOKEN_INVALID")


# [fin]


@bp.app_errorhandler(HTTPException)
def error_http(e):
    """La API responde siempre en JSON, nunca con una página HTML: el sobre con el código de cada estado."""
    # [solución] tarea 3: el sobre para todo error HTTP, con su mensaje en español y su código.
    estado = e.code or 500
    respuesta = error(
        MENSAJES_HTTP.get(estado, "La petición no se pudo atender."), estado, CODIGOS_HTTP.get(estado, "HTTP_ERROR")
    )
    # [ejercicio]
    # respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
    # respuesta.status_code = e.code
    # [fin]
    if e.code == 405 and getattr(e, "valid_methods", None):  # abort(405) a secas no las trae
        respuesta.headers["Allow"] = ", ".join(e.valid_methods)
    return respuesta


@bp.app_errorhandler(Exception)
def error_interno(e):
    """Un fallo inesperado: el detalle va al log y el cliente recibe un 500 en JSON."""
    current_app.logger.exception("Error no controlado")
    return error("Error interno del servidor.", 500)
