# Generado por «taller sincronizar» desde solutions/04_refresh_tokens/api/perfil.py: edítalo allí.
"""Las operaciones sensibles del perfil: cambiar la contraseña y borrar la cuenta, solo con un token fresco."""

import bcrypt
from flask import Blueprint
from flask_jwt_extended import jwt_required

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import Articulo
from .tokens import tras_cambiar_password
from .usuarios import MAX_PASSWORD_BYTES, hash_de_password, problema_de_password, token_sin_usuario, usuario_actual

bp = Blueprint("perfil", __name__)


@bp.post("/api/perfil/password")
@jwt_required(fresh=True)
def cambiar_password():
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    datos = leer_json()
    if not isinstance(datos, dict):
        return error('El cuerpo debe ser un objeto JSON: {"password_actual": "…", "password_nueva": "…"}.', 400)
    actual = datos.get("password_actual")
    if not isinstance(actual, str):
        return error("El campo «password_actual» es obligatorio y debe ser un texto.", 400)
    if len(actual.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return error(f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes.", 400)
    if mensaje := problema_de_password(datos.get("password_nueva"), "password_nueva"):
        return error(mensaje, 400)
    if not bcrypt.checkpw(actual.encode("utf-8"), usuario.password_hash.encode("ascii")):
        return error("La contraseña actual no es correcta.", 401, "INVALID_CREDENTIALS")
    usuario.password_hash = hash_de_password(datos["password_nueva"])
    db.session.commit()
    return tras_cambiar_password(usuario)


@bp.delete("/api/perfil")
@jwt_required(fresh=True)
def borrar_cuenta():
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    db.session.execute(db.delete(Articulo).where(Articulo.autor_id == usuario.id))
    db.session.delete(usuario)
    db.session.commit()
    return "", 204
