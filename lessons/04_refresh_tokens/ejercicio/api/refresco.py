"""El refresco: ``POST /auth/refresh`` canjea un refresh token por un access token nuevo (y, con rotación, otro)."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import create_refresh_token, get_jwt, jwt_required
from sqlalchemy.exc import IntegrityError

from .errores import error
from .extensiones import db
from .tokens import access_del_refresco
from .usuarios import token_sin_usuario, usuario_actual

bp = Blueprint("refresco", __name__)


def ajustes():
    """Los ajustes del refresco (la fábrica se los pasa a ``configurar``)."""
    return {
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),  # largo: evita pedir la contraseña cada 15 minutos
        "ROTAR_REFRESH_TOKENS": False,  # tarea 5: con True, cada refresh token vale una sola vez
    }


class RefreshUsado(db.Model):
    """Un refresh token ya canjeado con la rotación activada (tarea 5): su ``jti`` no vale dos veces.

    ``jti`` es la clave primaria: si dos peticiones canjean a la vez el mismo
    token, la segunda choca con la primera al guardar (``IntegrityError``).
    ``caduca_en`` permite borrar las filas cuando el token ya habría caducado.
    """

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.DateTime(timezone=True), nullable=False)


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


def rotar_refresh_token(usuario):
    """Rotación (tarea 5): anota como usado el refresh token de la petición y devuelve uno nuevo.

    Devuelve ``None`` si ese refresh token ya se había usado: un refresh token
    rotado vale una sola vez (RFC 9700, sección 4.14).
    """
    # TODO (tarea 5): guarda el jti del refresh token de la petición; si ya estaba, None; si no, uno nuevo.
    return None


# TODO (tarea 2): solo con un refresh token; responde un access token nuevo y NO fresco.
@bp.post("/auth/refresh")
def refrescar():
    return por_implementar()
