"""Lección 07 · Manejo de errores: cada cargador de errores de Flask-JWT-Extended, en español y con un sobre.

La semilla («Manejo de Errores JWT») registraba cuatro cargadores: el del token
caducado y el del token revocado respondían bien (401 con un ``codigo``), pero
el del token inválido dejaba el 422 de la biblioteca y devolvía al cliente el
mensaje crudo de PyJWT en ``"detalle"``. Aquí están los siete, todos con el
mismo sobre ``{"error": "…", "codigo": "…"}``, 401 con ``WWW-Authenticate``
(RFC 6750) y el motivo técnico solo en el log. Con ``MODO_ERRORES=libreria``
la app no registra nada de esto y responde lo que responde la biblioteca: así
se comparan las dos respuestas. El login tiene un límite de intentos
(Flask-Limiter).

Ponla en marcha con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app lessons/07_errores/app.py crear-usuario ana@example.com --nombre Ana
    flask --app lessons/07_errores/app.py run
"""

import os
import secrets
from datetime import timedelta

import bcrypt
import click
from flask import Flask, current_app, jsonify, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    jwt_required,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
MAX_PASSWORD_BYTES = 72  # bcrypt no admite más

CODIGOS_HTTP = {
    400: "VALIDATION_ERROR",
    401: "TOKEN_MISSING",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande.",
    415: "Tipo de contenido no admitido.",
    429: "Demasiados intentos: espera un poco antes de volver a probar (mira la cabecera Retry-After).",
    500: "Error interno del servidor.",
}
# error_description de WWW-Authenticate: el RFC 6750 solo admite ASCII en ella.
DESCRIPCIONES_RFC = {
    "TOKEN_INVALID": "The access token is invalid",
    "TOKEN_EXPIRED": "The access token expired",
    "TOKEN_REVOKED": "The access token was revoked",
    "USER_NOT_FOUND": "The user of the access token no longer exists",
    "FRESH_TOKEN_REQUIRED": "A fresh access token is required",
}


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class Usuario(db.Model):
    # AUTOINCREMENT: SQLite no reutiliza el id de un usuario borrado (si no, sus tokens abrirían la cuenta siguiente).
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    nombre = db.Column(db.String(100), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)

    def a_dict(self):
        return {"id": self.id, "email": self.email, "nombre": self.nombre}


def www_authenticate(codigo):
    """``WWW-Authenticate`` de un 401: sin token, solo el esquema; con un token malo, ``error="invalid_token"``."""
    if codigo in DESCRIPCIONES_RFC:
        return f'Bearer realm="api", error="invalid_token", error_description="{DESCRIPCIONES_RFC[codigo]}"'
    return 'Bearer realm="api"'


def error(mensaje, estado, codigo=None):
    """El sobre de toda la API: ``{"error": mensaje, "codigo": codigo}``; los 401 llevan ``WWW-Authenticate``."""
    codigo = codigo or CODIGOS_HTTP.get(estado, "INTERNAL_ERROR")
    respuesta = jsonify(error=mensaje, codigo=codigo)
    respuesta.status_code = estado
    if estado == 401:
        respuesta.headers["WWW-Authenticate"] = www_authenticate(codigo)
    return respuesta


# ── Los siete cargadores de errores de Flask-JWT-Extended ────────────────────


def falta_token(motivo):
    """``unauthorized_loader``: no hay token. La biblioteca: 401 ``{"msg": "Missing Authorization Header"}``."""
    current_app.logger.info("Sin token: %s", motivo)
    return error("Falta el token: envía la cabecera «Authorization: Bearer <token>».", 401, "TOKEN_MISSING")


def token_invalido(motivo):
    """``invalid_token_loader``: mal formado, manipulado, de otra clave, ``alg: none`` u otro tipo. La biblioteca: 422.

    ``motivo`` es el texto de PyJWT («Signature verification failed», «Invalid
    header string: 'utf-8' codec can't decode…»): al log, nunca al cliente.
    """
    current_app.logger.info("Token inválido: %s", motivo)
    return error("El token no es válido.", 401, "TOKEN_INVALID")


def token_caducado(cabecera, datos):
    """``expired_token_loader``: caducado. La biblioteca: 401 ``{"msg": "Token has expired"}``."""
    return error("El token ha caducado: pide otro en /auth/refresh.", 401, "TOKEN_EXPIRED")


def token_revocado(cabecera, datos):
    """``revoked_token_loader``: revocado (logout). La biblioteca: 401 ``{"msg": "Token has been revoked"}``."""
    return error("El token se revocó: inicia sesión de nuevo.", 401, "TOKEN_REVOKED")


def necesita_token_fresco(cabecera, datos):
    """``needs_fresh_token_loader``: la ruta pide un token del login.

    La biblioteca responde 401 ``{"msg": "Fresh token required"}``.
    """
    return error(
        "Esta operación necesita un token recién obtenido con tu contraseña: inicia sesión de nuevo.",
        401,
        "FRESH_TOKEN_REQUIRED",
    )


def usuario_no_encontrado(cabecera, datos):
    """``user_lookup_error_loader``: el usuario del token ya no existe (la biblioteca: «Error loading the user 7»)."""
    return error("El usuario del token ya no existe.", 401, "USER_NOT_FOUND")


def verificacion_fallida(cabecera, datos):
    """``token_verification_failed_loader``: lo rechazó el ``token_verification_loader``. La biblioteca: 400."""
    return error("El token no es válido.", 401, "TOKEN_INVALID")


def registrar_errores(app, gestor_jwt):
    """Los cargadores de JWT y los manejadores de errores HTTP y de excepciones: el modo «taller»."""
    gestor_jwt.unauthorized_loader(falta_token)
    gestor_jwt.invalid_token_loader(token_invalido)
    gestor_jwt.expired_token_loader(token_caducado)
    gestor_jwt.revoked_token_loader(token_revocado)
    gestor_jwt.needs_fresh_token_loader(necesita_token_fresco)
    gestor_jwt.user_lookup_error_loader(usuario_no_encontrado)
    gestor_jwt.token_verification_failed_loader(verificacion_fallida)

    @app.errorhandler(HTTPException)
    def error_http(e):
        """Todo error HTTP (400, 404, 405, 413, 415, 429…) en el sobre, nunca en HTML."""
        estado = e.code or 500
        respuesta = error(
            MENSAJES_HTTP.get(estado, "La petición no se pudo atender."), estado, CODIGOS_HTTP.get(estado, "HTTP_ERROR")
        )
        if estado == 405 and getattr(e, "valid_methods", None):
            respuesta.headers["Allow"] = ", ".join(e.valid_methods)
        return respuesta

    @app.errorhandler(Exception)
    def error_interno(e):
        """Un fallo inesperado: la traza al log; al cliente, un mensaje fijo."""
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500)


# ── La app ───────────────────────────────────────────────────────────────────


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte; sin él, solo en depuración o pruebas se usa uno aleatorio."""
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


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "errores.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def leer_json():
    """El cuerpo JSON, o ``None`` si no es JSON válido (también si está anidado miles de niveles)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def cifrar(password):
    coste = current_app.config["BCRYPT_LOG_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=64 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),
        # iss y aud: emite y acepta solo sus tokens, aunque otra app comparta la clave (RFC 8725, 3.8 y 3.9)
        JWT_ENCODE_ISSUER="taller-flask-jwt/leccion-07",
        JWT_DECODE_ISSUER="taller-flask-jwt/leccion-07",
        JWT_ENCODE_AUDIENCE="taller-flask-jwt/leccion-07/demo",
        JWT_DECODE_AUDIENCE="taller-flask-jwt/leccion-07/demo",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        BCRYPT_LOG_ROUNDS=12,
        MODO_ERRORES=os.environ.get("MODO_ERRORES", "taller"),  # "taller" o "libreria" (lo que hace la biblioteca)
        VERSION_DE_TOKENS=1,  # súbela y todos los tokens anteriores dejan de valer (token_verification_loader)
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,  # Retry-After en el 429
        RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL") or "memory://",
        LIMITE_LOGIN="5 per minute",  # intentos de login por IP (todos: se cuentan antes de mirar la contraseña)
    )
    if config:
        app.config.update(config)
    if app.config["MODO_ERRORES"] not in ("taller", "libreria"):
        raise ValueError('MODO_ERRORES debe ser "taller" o "libreria".')
    comprobar_secreto(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    revocados = set()  # un solo proceso de demostración; la API de artículos los guarda en la base de datos o Redis

    @gestor_jwt.token_in_blocklist_loader
    def esta_revocado(cabecera, datos):
        return datos["jti"] in revocados

    @gestor_jwt.user_lookup_loader
    def cargar_usuario(cabecera, datos):
        identidad = datos["sub"]
        return db.session.get(Usuario, int(identidad)) if identidad.isdecimal() else None

    @gestor_jwt.additional_claims_loader
    def version_del_token(identidad):
        return {"v": current_app.config["VERSION_DE_TOKENS"]}

    @gestor_jwt.token_verification_loader
    def version_vigente(cabecera, datos):
        return datos.get("v") == current_app.config["VERSION_DE_TOKENS"]

    if app.config["MODO_ERRORES"] == "taller":
        registrar_errores(app, gestor_jwt)

    with app.app_context():
        db.create_all()
        hash_ficticio = cifrar(secrets.token_urlsafe(16)).encode("ascii")

    def fallo(mensaje, estado, codigo=None):
        """En modo «libreria», el ``{"error": …}`` de las lecciones anteriores; en modo «taller», el sobre."""
        if current_app.config["MODO_ERRORES"] == "libreria":
            return jsonify(error=mensaje), estado
        return error(mensaje, estado, codigo)

    limitador = Limiter(get_remote_address, app=app)  # init_app lo guarda en app.extensions["limiter"]…
    app.extensions["limitador"] = limitador  # …salvo con RATELIMIT_ENABLED=False (ver el texto)

    # Cada intento cuenta ANTES de mirar la contraseña (sin deduct_when); el límite sale de la configuración.
    @app.post("/auth/login")
    @limitador.limit(lambda: current_app.config["LIMITE_LOGIN"])
    def login():
        datos = leer_json()
        if (
            not isinstance(datos, dict)
            or not isinstance(datos.get("email"), str)
            or not isinstance(datos.get("password"), str)
        ):
            return fallo('El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.', 400)
        if len(datos["password"].encode("utf-8")) > MAX_PASSWORD_BYTES:
            return fallo(f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes.", 400)
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=datos["email"].strip().lower()))
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        if not bcrypt.checkpw(datos["password"].encode("utf-8"), guardado) or usuario is None:
            return fallo("Email o contraseña incorrectos.", 401, "INVALID_CREDENTIALS")
        identidad = str(usuario.id)
        return jsonify(
            access_token=create_access_token(identity=identidad, fresh=True),
            refresh_token=create_refresh_token(identity=identidad),
        )

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refrescar():
        return jsonify(access_token=create_access_token(identity=str(current_user.id), fresh=False))

    @app.post("/auth/logout")
    @jwt_required()
    def logout():
        revocados.add(get_jwt()["jti"])
        return jsonify(mensaje="Sesión cerrada.")

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        return jsonify(current_user.a_dict())

    @app.delete("/api/perfil")
    @jwt_required(fresh=True)
    def borrar_cuenta():
        db.session.delete(current_user)
        db.session.commit()
        return "", 204

    @app.cli.command("crear-usuario")
    @click.argument("email")
    @click.option("--nombre", required=True)
    @click.option("--password", help="Si no la das, se pide sin mostrarla.")
    def crear_usuario(email, nombre, password):
        """Crea un usuario para probar la demo."""
        if password is None:
            password = click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repítela")
        if len(password) < 8 or len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            raise click.ClickException("La contraseña debe tener de 8 caracteres a 72 bytes.")
        usuario = Usuario(email=email.strip().lower(), nombre=nombre.strip(), password_hash=cifrar(password))
        db.session.add(usuario)
        db.session.commit()
        click.echo(f"Usuario {usuario.id} creado: {usuario.email}")

    return app
