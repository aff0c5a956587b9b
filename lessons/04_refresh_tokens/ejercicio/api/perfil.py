"""Las operaciones sensibles del perfil: cambiar la contraseña y borrar la cuenta, solo con un token fresco."""

import bcrypt
from flask import Blueprint
from flask_jwt_extended import jwt_required

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelo_articulo import Articulo
from .tokens import tras_cambiar_password
from .usuarios import MAX_PASSWORD_BYTES, hash_de_password, problema_de_password, token_sin_usuario, usuario_actual

bp = Blueprint("perfil", __name__)


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


# TODO (tarea 4): exige un token fresco; comprueba la contraseña actual y guarda la nueva (204).
@bp.post("/api/perfil/password")
def cambiar_password():
    return por_implementar()


# TODO (tarea 4): exige un token fresco; borra al usuario y todos sus artículos (204).
@bp.delete("/api/perfil")
def borrar_cuenta():
    return por_implementar()
