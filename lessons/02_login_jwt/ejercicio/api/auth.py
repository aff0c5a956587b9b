"""Usuarios y sesiones: registro con bcrypt, login con JWT y el perfil del usuario del token."""

import re
import secrets

import bcrypt
from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import create_access_token, get_jwt_identity, jwt_required
from sqlalchemy.exc import IntegrityError

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import MAX_EMAIL, MAX_ID, MAX_NOMBRE, Usuario

bp = Blueprint("auth", __name__)

MIN_PASSWORD = 8  # caracteres
MAX_PASSWORD_BYTES = 72  # bcrypt no admite más: bcrypt 5 lanza ValueError
CAMPOS_REGISTRO = ("email", "password", "nombre")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


def cifrar(password):
    """El hash bcrypt de ``password`` (un texto), con el coste de ``BCRYPT_LOG_ROUNDS``."""
    # TODO (tarea 1): bcrypt.hashpw con una sal nueva (bcrypt.gensalt) del coste configurado.
    raise NotImplementedError("Tarea 1: cifra la contraseña con bcrypt.")


@bp.record_once
def preparar_hash_ficticio(estado):
    """Al registrar el blueprint: un hash bcrypt que no es de nadie, para comprobar también los emails desconocidos."""
    # TODO (tarea 2): un hash bcrypt que no es de nadie, para comprobar también los emails desconocidos.
    pass


def validar_registro(datos):
    """Valida el cuerpo de ``POST /auth/registro``.

    Devuelve ``(campos, None)`` con el email normalizado (sin espacios, en
    minúsculas) y el nombre sin espacios, o ``(None, mensaje)`` si no es válido.
    """
    # TODO (tarea 1): un objeto con email, password y nombre válidos, y nada más.
    return datos, None


def usuario_actual():
    """El ``Usuario`` del token de la petición, o ``None`` si no hay token o su usuario ya no existe.

    El ``sub`` del token es el id del usuario como texto (``"7"``).
    """
    # TODO (tarea 3): busca el usuario cuyo id es get_jwt_identity().
    return None


def token_sin_usuario():
    return error("El usuario del token ya no existe.", 401)


# TODO (tarea 1): registra al usuario con la contraseña cifrada y responde 201 (409 si el email existe).
@bp.post("/auth/registro")
def registro():
    return por_implementar()


# TODO (tarea 2): comprueba email y contraseña y responde {"access_token": …}; el mismo 401 en los dos fallos.
@bp.post("/auth/login")
def login():
    return por_implementar()


# TODO (tarea 3): el usuario del token (401 si ya no existe).
@bp.get("/api/perfil")
def perfil():
    return por_implementar()
