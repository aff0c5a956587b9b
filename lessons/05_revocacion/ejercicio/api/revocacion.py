"""La revocación: cada token con token se pregunta al almacén, y el logout y «cerrar todas las sesiones» apuntan.

El almacén (``almacenes.py``) es una tabla de la base de datos o, con
``REDIS_URL``, Redis: compartido por todos los procesos, con TTL. Si no
responde, 503: nunca se acepta un token que podría estar revocado.
"""

import os
import time
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request
from flask_jwt_extended import decode_token, get_jwt, get_jwt_identity, jwt_required
from jwt.exceptions import PyJWTError

from .almacenes import AlmacenNoDisponible, AlmacenRedis, AlmacenSQL
from .cuerpo import leer_json
from .errores import error
from .extensiones import jwt

bp = Blueprint("revocacion", __name__)

NO_DISPONIBLE = "El servicio de sesiones no está disponible ahora mismo; inténtalo de nuevo en unos segundos."


def ajustes():
    """Los ajustes de la revocación (la fábrica se los pasa a ``configurar``)."""
    return {
        "REDIS_URL": os.environ.get("REDIS_URL"),  # sin ella, los revocados van a la base de datos
        "REDIS_PREFIJO": os.environ.get("REDIS_PREFIJO", "taller:"),
    }


def crear_almacen(app):
    """Redis si hay ``REDIS_URL`` (en la configuración o en el entorno); si no, la tabla de la base de datos."""
    vida = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    vida_maxima = int(vida.total_seconds()) if isinstance(vida, timedelta) else int(vida)
    if app.config["REDIS_URL"]:
        return AlmacenRedis(app.config["REDIS_URL"], app.config["REDIS_PREFIJO"], vida_maxima)
    return AlmacenSQL(vida_maxima)


@bp.record_once
def preparar(estado):
    """Al registrar el blueprint: el almacén de revocados de esta app."""
    estado.app.extensions["revocados"] = crear_almacen(estado.app)


def almacen():
    """El almacén de revocados de la app actual."""
    return current_app.extensions["revocados"]


# TODO (tarea 1): en cada petición con token, Flask-JWT-Extended pregunta a token_revocado.
def token_revocado(cabecera, datos):
    """El ``token_in_blocklist_loader``: ``True`` si el token de la petición está revocado."""
    # TODO (tarea 1): pregunta al almacén por el jti, el sub y el iat del token.
    return False


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


def refresh_token_del_cuerpo():
    """Los claims del ``refresh_token`` opcional del cuerpo del logout: ``None`` si no viene, un texto si es malo."""
    if not request.get_data(cache=True):  # sin cuerpo: no hay refresh token que revocar
        return None
    datos = leer_json()
    if not isinstance(datos, dict):
        return 'El cuerpo, si lo envías, debe ser un objeto JSON: {"refresh_token": "…"}.'
    if "refresh_token" not in datos:
        return None
    # TODO (tarea 2): un texto, un token de esta app (aunque haya caducado), de tipo refresh y del mismo usuario.
    return None


# TODO (tarea 1): revoca el access token de la petición (tarea 2: y el refresh token de su sesión y el del cuerpo).
@bp.post("/auth/logout")
def logout():
    return por_implementar()


# TODO (tarea 3): todos los tokens del usuario emitidos hasta ahora dejan de valer.
@bp.post("/auth/logout-todo")
def logout_todo():
    return por_implementar()


# TODO (tarea 5): sin almacén no se sabe si el token está revocado: 503 en JSON, nunca 500 ni 200.
