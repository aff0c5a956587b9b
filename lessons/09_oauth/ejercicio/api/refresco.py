# Viene de la solución de la lección 04 (solutions/04_refresh_tokens/api/refresco.py): no hace falta que lo cambies.
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


def rotar_refresh_token(usuario):
    """Rotación (tarea 5): anota como usado el refresh token de la petición y devuelve uno nuevo.

    Devuelve ``None`` si ese refresh token ya se había usado: un refresh token
    rotado vale una sola vez (RFC 9700, sección 4.14).
    """
    datos = get_jwt()
    db.session.add(RefreshUsado(jti=datos["jti"], caduca_en=datetime.fromtimestamp(datos["exp"], UTC)))
    try:
        db.session.commit()
    except IntegrityError:  # el jti ya estaba: alguien (¿un atacante?) lo canjeó antes
        db.session.rollback()
        return None
    return create_refresh_token(identity=str(usuario.id))


@bp.post("/auth/refresh")
@jwt_required(refresh=True)
def refrescar():
    usuario = usuario_actual()
    if usuario is None:  # el refresh token es válido, pero el usuario se borró
        return token_sin_usuario()
    respuesta = {}
    if current_app.config["ROTAR_REFRESH_TOKENS"]:  # tarea 5
        respuesta["refresh_token"] = rotar_refresh_token(usuario)
        if respuesta["refresh_token"] is None:
            return error("Este refresh token ya se usó: inicia sesión de nuevo.", 401, "TOKEN_REVOKED")
    respuesta["access_token"] = access_del_refresco(usuario, respuesta.get("refresh_token"))
    return jsonify(respuesta)
