"""Las sesiones: login con JWT, con un secreto fuerte y el mismo tiempo para un email desconocido."""

import secrets

import bcrypt
from flask import Blueprint, current_app, jsonify
from jwt import MissingRequiredClaimError

from .cuerpo import cabeceras_de_seguridad, leer_json, limitar_authorization
from .errores import error
from .extensiones import db, jwt
from .modelos import Usuario
from .tokens import tokens_del_login
from .usuarios import MAX_PASSWORD_BYTES, hash_de_password, normalizar_email

bp = Blueprint("auth", __name__)
bp.before_app_request(limitar_authorization)  # para toda la app, no solo para las rutas de auth
bp.after_app_request(cabeceras_de_seguridad)

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
CLAIMS_OBLIGATORIOS = ("exp", "iat")  # la caducidad y la revocación (lección 05) se apoyan en ellos


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


@jwt.decode_key_loader
def clave_de_verificacion(cabecera, datos_sin_verificar):
    """La clave con la que se verifica cada token; antes, exige los claims en los que se apoya la app.

    PyJWT solo comprueba ``exp`` si está: un token sin ``exp`` no caducaría
    nunca, y sin ``iat`` la revocación de la lección 05 no sabría su edad.
    Flask-JWT-Extended no deja pasar ``options={"require": …}`` a PyJWT; esta
    función es el primer sitio donde ve los claims. El error es el de PyJWT:
    la app lo responde como cualquier otro token inválido.
    """
    for claim in CLAIMS_OBLIGATORIOS:
        if claim not in datos_sin_verificar:
            raise MissingRequiredClaimError(claim)
    return current_app.config["JWT_SECRET_KEY"]


@bp.record_once
def preparar(estado):
    """Al registrar el blueprint: exige un secreto fuerte y calcula un hash bcrypt que no es de nadie."""
    comprobar_secreto(estado.app)
    # TODO (tarea 2): un hash bcrypt que no es de nadie, para comprobar también los emails desconocidos.


# TODO (tarea 2): comprueba email y contraseña y responde {"access_token": …}; el mismo 401 en los dos fallos.
@bp.post("/auth/login")
def login():
    return por_implementar()
