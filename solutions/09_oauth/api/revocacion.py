# Generado por «taller sincronizar» desde solutions/05_revocacion/api/revocacion.py: edítalo allí.
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


@jwt.token_in_blocklist_loader
def token_revocado(cabecera, datos):
    """El ``token_in_blocklist_loader``: ``True`` si el token de la petición está revocado."""
    return almacen().esta_revocado(datos["jti"], datos["sub"], datos["iat"])


def refresh_token_del_cuerpo():
    """Los claims del ``refresh_token`` opcional del cuerpo del logout: ``None`` si no viene, un texto si es malo."""
    if not request.get_data(cache=True):  # sin cuerpo: no hay refresh token que revocar
        return None
    datos = leer_json()
    if not isinstance(datos, dict):
        return 'El cuerpo, si lo envías, debe ser un objeto JSON: {"refresh_token": "…"}.'
    if "refresh_token" not in datos:
        return None
    token = datos["refresh_token"]
    if not isinstance(token, str):
        return "El campo «refresh_token» debe ser un texto."
    try:
        claims = decode_token(token, allow_expired=True)
    except PyJWTError:
        return "El «refresh_token» no es un token válido de esta aplicación."
    if claims.get("type") != "refresh":
        return "El «refresh_token» no es un refresh token."
    if claims.get("sub") != get_jwt_identity():
        return "El «refresh_token» es de otro usuario."
    return claims


@bp.post("/auth/logout")
@jwt_required()
def logout():
    refresh = refresh_token_del_cuerpo()
    if isinstance(refresh, str):
        return error(refresh, 400)
    datos = get_jwt()
    almacen().revocar(datos["jti"], datos["exp"])
    if sesion := datos.get("sesion"):  # el refresh token de esta sesión, aunque no venga en el cuerpo
        almacen().revocar(sesion["jti"], sesion["exp"])
    if refresh is not None:
        almacen().revocar(refresh["jti"], refresh["exp"])
    return jsonify(mensaje="Sesión cerrada.")


@bp.post("/auth/logout-todo")
@jwt_required()
def logout_todo():
    almacen().cerrar_sesiones(get_jwt_identity(), time.time())
    return jsonify(mensaje="Se han cerrado todas tus sesiones.")


@bp.app_errorhandler(AlmacenNoDisponible)
def almacen_no_disponible(e):
    current_app.logger.error("El almacén de revocados no responde: %s", e.__cause__)
    return error(NO_DISPONIBLE, 503)
