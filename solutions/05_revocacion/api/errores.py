# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/errores.py: edítalo allí.
"""Los errores en JSON: ``error(mensaje, estado)`` y los manejadores de toda la app (nunca una página HTML)."""

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import HTTPException

from .mensajes_http import MENSAJES_HTTP

bp = Blueprint("errores", __name__)


def error(mensaje, estado, codigo=None):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP.

    ``codigo`` es el código estable del error para las máquinas (``"INVALID_CREDENTIALS"``):
    las rutas ya lo dicen, pero hasta la lección 07 no viaja en la respuesta.
    """
    return jsonify(error=mensaje), estado


@bp.app_errorhandler(HTTPException)
def error_http(e):
    """La API responde siempre en JSON, nunca con una página HTML."""
    respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
    respuesta.status_code = e.code
    if e.code == 405:
        respuesta.headers["Allow"] = e.get_response().headers["Allow"]
    return respuesta


@bp.app_errorhandler(Exception)
def error_interno(e):
    """Un fallo inesperado: el detalle va al log y el cliente recibe un 500 en JSON."""
    current_app.logger.exception("Error no controlado")
    return error("Error interno del servidor.", 500)
