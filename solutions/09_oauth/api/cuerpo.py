# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/cuerpo.py: edítalo allí.
"""La petición y la respuesta HTTP: el cuerpo JSON, el tamaño de las cabeceras y las cabeceras de seguridad."""

from flask import abort, make_response, request
from werkzeug.serving import WSGIRequestHandler

from .errores import error

MAX_AUTHORIZATION = 8 * 1024  # bytes: un JWT de esta API ocupa menos de 1 KB
CABECERAS_DE_SEGURIDAD = {
    "Cache-Control": "no-store",  # ni el navegador ni un proxy guardan tokens ni datos (RFC 6749, sección 5.1)
    "X-Content-Type-Options": "nosniff",  # el JSON nunca se interpreta como HTML o JavaScript
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",  # una API JSON no carga nada
}

# El servidor de desarrollo (el de «flask run») responde él mismo, sin pasar por
# Flask, a una cabecera de más de 64 KB o a una petición mal formada: con su
# página HTML en inglés. Así responde también en JSON y en español.
WSGIRequestHandler.error_content_type = "application/json"
WSGIRequestHandler.error_message_format = (
    '{"error": "El servidor no pudo leer la petición (error %(code)d): cabeceras demasiado grandes o mal formadas."}'
)


def tiene_surrogates(valor):
    """``True`` si ``valor`` (lo que da ``json.loads``) lleva un *surrogate* suelto como ``"\\ud800"``."""
    if isinstance(valor, str):
        try:
            valor.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(valor, dict):
        return any(tiene_surrogates(k) or tiene_surrogates(v) for k, v in valor.items())
    if isinstance(valor, list):
        return any(tiene_surrogates(v) for v in valor)
    return False


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido.

    ``silent=True``: un cuerpo que no es JSON da ``None`` en lugar de un error
    415 o 400 en HTML. ``RecursionError``: un JSON anidado miles de niveles
    (``[[[[…``) agota la pila del analizador; también es «no válido». Un
    ``"\\ud800"`` (medio carácter UTF-16) es JSON válido, pero no es texto: ni
    bcrypt ni la base de datos lo aceptan, y daría un 500. Se responde 400.
    """
    try:
        datos = request.get_json(silent=True)
    except RecursionError:
        return None
    if tiene_surrogates(datos):
        abort(make_response(error("El cuerpo lleva texto que no es Unicode válido (un «\\ud800» suelto).", 400)))
    return datos


def limitar_authorization():
    """``before_app_request``: una cabecera ``Authorization`` enorme recibe un 431 en JSON, no se procesa."""
    if len(request.headers.get("Authorization", "")) > MAX_AUTHORIZATION:
        abort(431)


def cabeceras_de_seguridad(respuesta):
    """``after_app_request``: las cabeceras de seguridad de toda respuesta de la API (sin pisar las que ya tenga)."""
    for nombre, valor in CABECERAS_DE_SEGURIDAD.items():
        respuesta.headers.setdefault(nombre, valor)
    return respuesta
