"""Lección 02 · Login con JWT: las rutas de la semilla (login, protegida, pública), bien hechas.

La semilla firmaba los tokens con ``"mi_clave_secreta"`` escrita en el código,
comprobaba ``admin``/``1234`` a mano y arrancaba con ``debug=True``. Aquí el
secreto llega del entorno (32 bytes aleatorios como mínimo), los usuarios
viven en SQLite con el hash bcrypt de la contraseña, el ``sub`` del token es
siempre un texto y toda entrada mala recibe un 400 en JSON.

Crea un usuario y ponla en marcha con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app lessons/02_login_jwt/app.py crear-usuario ana@example.com --nombre Ana
    flask --app lessons/02_login_jwt/app.py run
"""

import os
import re
import secrets
from datetime import timedelta

import bcrypt
import click
from flask import Flask, current_app, jsonify, request, url_for
from flask_jwt_extended import JWTManager, create_access_token, get_jwt_identity, jwt_required
from flask_sqlalchemy import SQLAlchemy
from jwt import MissingRequiredClaimError
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
MIN_PASSWORD = 8  # caracteres
MAX_PASSWORD_BYTES = 72  # bcrypt no mira más allá; bcrypt 5 lanza ValueError si se pasa
MAX_EMAIL = 254
MAX_NOMBRE = 100
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID = re.compile(r"[1-9][0-9]{0,18}")  # el sub tal como lo escribe la app: «１» (ancho completo) no es 1
CLAIMS_OBLIGATORIOS = ("exp", "iat")  # sin exp, un token bien firmado no caducaría nunca
# Claves que circulan por internet (las de las semillas): largas o no, no son secretas.
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class Usuario(db.Model):
    """Un usuario: la contraseña no se guarda, solo su hash bcrypt."""

    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(MAX_EMAIL), unique=True, nullable=False)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre}


def error(mensaje, estado):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP."""
    return jsonify(error=mensaje), estado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido (ver la lección 01)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def hash_de_password(password):
    """El hash bcrypt de ``password`` (con sal aleatoria y el coste de ``BCRYPT_LOG_ROUNDS``)."""
    coste = current_app.config["BCRYPT_LOG_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")


def problema_de_password(password):
    """Por qué ``password`` no vale como contraseña nueva, o ``None`` si vale."""
    if not isinstance(password, str):
        return "El campo «password» debe ser un texto."
    if len(password) < MIN_PASSWORD:
        return f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres."
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes."
    return None


def normalizar_email(email):
    """El email sin espacios y en minúsculas, o ``None`` si no parece un email."""
    if not isinstance(email, str):
        return None
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        return None
    return email


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte; sin él, solo en depuración o pruebas se usa uno aleatorio."""
    clave = app.config.get("JWT_SECRET_KEY")
    if not clave:
        if app.debug or app.testing:
            # Clave de desarrollo: aleatoria en cada arranque (los tokens dejan de valer al reiniciar).
            app.config["JWT_SECRET_KEY"] = secrets.token_hex(32)
            app.logger.warning("Sin JWT_SECRET_KEY: uso una clave aleatoria solo para esta ejecución.")
            return
        raise SecretoDebil(f"Falta JWT_SECRET_KEY en el entorno. Genera una clave con:\n    {COMO_GENERAR}")
    if len(str(clave).encode("utf-8")) < MIN_BYTES_SECRETO or clave in CLAVES_PUBLICAS:
        raise SecretoDebil(
            f"JWT_SECRET_KEY es débil: necesita al menos {MIN_BYTES_SECRETO} bytes aleatorios y no puede ser "
            f"una clave de ejemplo. Genera una con:\n    {COMO_GENERAR}"
        )


def buscar_usuario(identidad):
    """El usuario cuyo id es ``identidad`` (el ``sub`` del token, un texto), o ``None``."""
    if not isinstance(identidad, str) or not ID.fullmatch(identidad) or int(identidad) > MAX_ID:
        return None
    return db.session.get(Usuario, int(identidad))


def clave_de_verificacion(cabecera, datos_sin_verificar):
    """La clave con la que se verifica cada token, tras exigir ``exp`` e ``iat`` (PyJWT solo mira ``exp`` si está)."""
    for claim in CLAIMS_OBLIGATORIOS:
        if claim not in datos_sin_verificar:
            raise MissingRequiredClaimError(claim)
    return current_app.config["JWT_SECRET_KEY"]


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "usuarios.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # nunca escrita en el código
        # iss y aud: emite y acepta solo sus tokens, aunque otra app comparta la clave (RFC 8725, 3.8 y 3.9)
        JWT_ENCODE_ISSUER="taller-flask-jwt/leccion-02",
        JWT_DECODE_ISSUER="taller-flask-jwt/leccion-02",
        JWT_ENCODE_AUDIENCE="taller-flask-jwt/leccion-02/demo",
        JWT_DECODE_AUDIENCE="taller-flask-jwt/leccion-02/demo",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        BCRYPT_LOG_ROUNDS=12,
    )
    if config:
        app.config.update(config)
    comprobar_secreto(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    gestor_jwt.decode_key_loader(clave_de_verificacion)  # exige exp e iat antes de verificar la firma
    with app.app_context():
        db.create_all()
        # Un hash de verdad que no es de nadie: con un email desconocido también se llama a checkpw.
        hash_ficticio = hash_de_password(secrets.token_urlsafe(16)).encode("ascii")

    @app.get("/")
    def inicio():
        return jsonify(
            mensaje="Login con JWT: pide un token en POST /api/login y úsalo en la cabecera Authorization.",
            rutas=[url_for("login"), url_for("protegida"), url_for("publica")],
        )

    @app.post("/api/login")
    def login():
        datos = leer_json()
        if not isinstance(datos, dict):
            return error('El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.', 400)
        email, password = datos.get("email"), datos.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return error("Los campos «email» y «password» son obligatorios y deben ser textos.", 400)
        if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            return error(f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes.", 400)
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email.strip().lower()))
        # Siempre una llamada a checkpw: la respuesta tarda lo mismo exista o no el email.
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        correcta = bcrypt.checkpw(password.encode("utf-8"), guardado)
        if usuario is None or not correcta:
            return error("Email o contraseña incorrectos.", 401)  # el mismo mensaje en los dos casos
        access_token = create_access_token(identity=str(usuario.id))  # sub: siempre un texto
        return jsonify(access_token=access_token)

    @app.get("/api/protegida")
    @jwt_required()
    def protegida():
        usuario = buscar_usuario(get_jwt_identity())
        if usuario is None:  # el token es válido, pero el usuario ya no existe
            return error("El usuario del token ya no existe.", 401)
        return jsonify(mensaje=f"Hola, {usuario.nombre}: has entrado con tu token.", usuario=usuario.a_dict())

    @app.get("/api/publica")
    @jwt_required(optional=True)
    def publica():
        usuario = buscar_usuario(get_jwt_identity())  # sin token, get_jwt_identity() es None
        saludo = f"Hola, {usuario.nombre}" if usuario else "Hola, visitante"
        return jsonify(mensaje=f"{saludo}: este recurso es público, no necesita token.")

    @app.errorhandler(HTTPException)
    def error_http(e):
        """404, 405, 413…: la API responde siempre en JSON, nunca con una página HTML."""
        respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
        respuesta.status_code = e.code
        if e.code == 405:
            respuesta.headers["Allow"] = e.get_response().headers["Allow"]
        return respuesta

    @app.errorhandler(Exception)
    def error_interno(e):
        """Un fallo inesperado: se registra entero en el log y el cliente recibe un 500 en JSON."""
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500)

    @app.cli.command("crear-usuario")
    @click.argument("email")
    @click.option("--nombre", prompt="Nombre", help="Nombre que se muestra.")
    @click.password_option(
        "--password",
        prompt="Contraseña",
        confirmation_prompt="Repítela",
        help="Contraseña (si no la das, se pide sin mostrarla).",
    )
    def crear_usuario(email, nombre, password):
        """Crea un usuario y guarda el hash bcrypt de su contraseña."""
        email_normalizado = normalizar_email(email)
        if email_normalizado is None:
            raise click.ClickException(f"«{email}» no es un email válido.")
        if not nombre.strip():
            raise click.ClickException("El nombre no puede estar vacío.")
        if problema := problema_de_password(password):
            raise click.ClickException(problema)
        if db.session.scalar(db.select(Usuario).filter_by(email=email_normalizado)):
            raise click.ClickException(f"Ya existe un usuario con el email {email_normalizado}.")
        usuario = Usuario(
            email=email_normalizado, nombre=nombre.strip()[:MAX_NOMBRE], password_hash=hash_de_password(password)
        )
        db.session.add(usuario)
        db.session.commit()
        click.echo(f"Usuario {usuario.id} creado: {usuario.email}")

    @app.cli.command("reiniciar-db")
    def reiniciar_db():
        """Borra y vuelve a crear las tablas (se pierden los usuarios)."""
        db.drop_all()
        db.create_all()
        click.echo("Base de datos reiniciada.")

    return app


MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande (máximo 1 MB).",
    415: "Tipo de contenido no admitido.",
}
