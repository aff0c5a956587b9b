"""Las sesiones: login con JWT, con un secreto fuerte y el mismo tiempo para un email desconocido."""

import secrets

import bcrypt
from flask import Blueprint, current_app, jsonify

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import Usuario
from .tokens import tokens_del_login
from .usuarios import MAX_PASSWORD_BYTES, cifrar

bp = Blueprint("auth", __name__)

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte. Sin ninguno, solo en depuración o en pruebas se usa uno aleatorio.

    Fuera de depuración y pruebas, sin clave, con una de menos de 32 bytes o con
    una de ejemplo, lanza ``SecretoDebil``: la app se niega a arrancar.
    """
    # TODO (tarea 2): sin un JWT_SECRET_KEY fuerte la app no arranca (salvo sin clave en depuración o pruebas).
    pass


@bp.record_once
def preparar(estado):
    """Al registrar el blueprint: exige un secreto fuerte y calcula un hash bcrypt que no es de nadie."""
    comprobar_secreto(estado.app)
    # TODO (tarea 2): un hash bcrypt que no es de nadie, para comprobar también los emails desconocidos.


# TODO (tarea 2): comprueba email y contraseña y responde {"access_token": …}; el mismo 401 en los dos fallos.
@bp.post("/auth/login")
def login():
    return por_implementar()
