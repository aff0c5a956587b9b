# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/usuarios.py: edítalo allí.
"""Los usuarios: registro con bcrypt, el perfil y cómo se encuentra al usuario de un token."""

import re
import unicodedata

import bcrypt
from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import get_jwt_identity, jwt_required
from sqlalchemy.exc import IntegrityError

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import MAX_EMAIL, MAX_ID, MAX_NOMBRE, Usuario

bp = Blueprint("usuarios", __name__)

MIN_PASSWORD = 8  # caracteres
MAX_PASSWORD_BYTES = 72  # bcrypt no admite más: bcrypt 5 lanza ValueError
CAMPOS_REGISTRO = ("email", "password", "nombre")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")  # sin punto final: «ana@example.com.» es otra cuenta
ID = re.compile(r"[1-9][0-9]{0,18}")  # solo dígitos ASCII y sin ceros delante: «１» (ancho completo) no es 1


def hash_de_password(password):
    """El hash bcrypt de ``password`` (un texto), con el coste de ``BCRYPT_LOG_ROUNDS``."""
    coste = current_app.config["BCRYPT_LOG_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")


cifrar = hash_de_password  # el nombre antiguo (calcula un hash, no cifra): aún lo importa admin.py de la lección 06


def problema_de_password(password, campo="password"):
    """Por qué ``password`` no vale como contraseña nueva, o ``None`` si vale."""
    if not isinstance(password, str):
        return f"El campo «{campo}» debe ser un texto."
    if len(password) < MIN_PASSWORD:
        return f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres."
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes (bcrypt no admite más)."
    return None


def normalizar_email(email):
    """El email en su forma única (NFKC, sin espacios, en minúsculas), o ``None`` si no es un email válido.

    NFKC convierte «ａｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ» (ancho completo) en «ana@example.com»:
    sin ella serían dos cuentas que se ven iguales. Un carácter de control o de
    formato (``\x00``, el espacio de ancho cero ``\u200b``…) no es de ningún email.
    """
    if not isinstance(email, str):
        return None
    email = unicodedata.normalize("NFKC", email).strip().lower()
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in email):
        return None
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        return None
    return email


def validar_registro(datos):
    """Valida el cuerpo de ``POST /auth/registro``.

    Devuelve ``(campos, None)`` con el email normalizado (``normalizar_email``)
    y el nombre sin espacios, o ``(None, mensaje)`` si no es válido.
    """
    if not isinstance(datos, dict):
        return None, 'El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…", "nombre": "…"}.'
    desconocidos = sorted(set(datos) - set(CAMPOS_REGISTRO))
    if desconocidos:
        return None, f"Campos no permitidos: {', '.join(desconocidos)}. Se admiten: {', '.join(CAMPOS_REGISTRO)}."
    for campo in CAMPOS_REGISTRO:
        if campo not in datos:
            return None, f"Falta el campo «{campo}»."
        if not isinstance(datos[campo], str):
            return None, f"El campo «{campo}» debe ser un texto."
    email = normalizar_email(datos["email"])
    if email is None:
        return None, "El campo «email» no es un email válido."
    password = datos["password"]
    if mensaje := problema_de_password(password):
        return None, mensaje
    nombre = datos["nombre"].strip()
    if any(unicodedata.category(c) == "Cc" for c in nombre):
        return None, "El campo «nombre» no puede llevar caracteres de control."
    if not nombre:
        return None, "El campo «nombre» no puede estar vacío."
    if len(nombre) > MAX_NOMBRE:
        return None, f"El campo «nombre» admite como máximo {MAX_NOMBRE} caracteres."
    return {"email": email, "password": password, "nombre": nombre}, None


def usuario_de(identidad):
    """El ``Usuario`` cuyo id es ``identidad`` (el ``sub`` de un token: el id como texto, ``"7"``), o ``None``."""
    if not isinstance(identidad, str) or not ID.fullmatch(identidad) or int(identidad) > MAX_ID:
        return None
    return db.session.get(Usuario, int(identidad))


def usuario_actual():
    """El ``Usuario`` del token de la petición, o ``None`` si no hay token o su usuario ya no existe."""
    return usuario_de(get_jwt_identity())


def token_sin_usuario():
    return error("El usuario del token ya no existe.", 401, "USER_NOT_FOUND")


@bp.post("/auth/registro")
def registro():
    campos, mensaje = validar_registro(leer_json())
    if mensaje:
        return error(mensaje, 400)
    if db.session.scalar(db.select(Usuario).filter_by(email=campos["email"])):
        return error("Ya existe un usuario con ese email.", 409)
    hash_guardado = hash_de_password(campos["password"])
    usuario = Usuario(email=campos["email"], nombre=campos["nombre"], password_hash=hash_guardado)
    db.session.add(usuario)
    try:
        db.session.commit()
    except IntegrityError:  # otro registro con el mismo email ha llegado a la vez
        db.session.rollback()
        return error("Ya existe un usuario con ese email.", 409)
    return jsonify(usuario.a_dict()), 201


@bp.get("/api/perfil")
@jwt_required()
def perfil():
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    return jsonify(usuario.a_dict())
