# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/auth.py: edítalo allí.
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


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte. Sin ninguno, solo en depuración o en pruebas se usa uno aleatorio.

    Fuera de depuración y pruebas, sin clave, con una de menos de 32 bytes o con
    una de ejemplo, lanza ``SecretoDebil``: la app se niega a arrancar.
    """
    clave = app.config.get("JWT_SECRET_KEY")
    if not clave:
        if app.debug or app.testing:
            app.config["JWT_SECRET_KEY"] = secrets.token_hex(32)  # solo para esta ejecución
            return
        raise SecretoDebil(f"Falta JWT_SECRET_KEY en el entorno. Genera una clave con:\n    {COMO_GENERAR}")
    if len(str(clave).encode("utf-8")) < MIN_BYTES_SECRETO or clave in CLAVES_PUBLICAS:
        raise SecretoDebil(
            f"JWT_SECRET_KEY es débil: necesita al menos {MIN_BYTES_SECRETO} bytes aleatorios y no puede ser "
            f"una clave de ejemplo. Genera una con:\n    {COMO_GENERAR}"
        )


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
    with estado.app.app_context():
        estado.app.extensions["hash_ficticio"] = hash_de_password(secrets.token_urlsafe(16)).encode("ascii")


@bp.post("/auth/login")
def login():
    datos = leer_json()
    if not isinstance(datos, dict):
        return error('El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.', 400)
    email, password = datos.get("email"), datos.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return error("Los campos «email» y «password» son obligatorios y deben ser textos.", 400)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return error(f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes.", 400)
    email = normalizar_email(email)  # un email que no es válido no es de nadie (y se compara igual)
    usuario = db.session.scalar(db.select(Usuario).filter_by(email=email)) if email else None
    # Siempre una llamada a checkpw: un email desconocido tarda lo mismo que una contraseña mala.
    guardado = usuario.password_hash.encode("ascii") if usuario else current_app.extensions["hash_ficticio"]
    correcta = bcrypt.checkpw(password.encode("utf-8"), guardado)
    if usuario is None or not correcta:
        return error("Email o contraseña incorrectos.", 401, "INVALID_CREDENTIALS")
    return jsonify(tokens_del_login(usuario))
