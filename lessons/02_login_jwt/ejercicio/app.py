"""API de artículos · lección 02: usuarios con bcrypt, login con JWT y artículos con autor.

Lo de la lección 01 (el CRUD, la validación y los errores en JSON) ya funciona;
lo nuevo son las cuentas de usuario, los tokens y quién puede hacer qué.

Ejecútala con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app solutions/02_login_jwt/app.py run
"""

import os
import re
import secrets
from datetime import datetime, timedelta, timezone

import bcrypt
from flask import Flask, current_app, jsonify, request, url_for
from flask_jwt_extended import JWTManager, create_access_token, get_jwt_identity, jwt_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MAX_TITULO = 200
MAX_CONTENIDO = 10_000
CAMPOS = ("titulo", "contenido", "publicado")
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
MIN_PASSWORD = 8  # caracteres
MAX_PASSWORD_BYTES = 72  # bcrypt no admite más: bcrypt 5 lanza ValueError
MAX_EMAIL = 254
MAX_NOMBRE = 100
CAMPOS_REGISTRO = ("email", "password", "nombre")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


def ahora():
    return datetime.now(timezone.utc)


def en_iso(fecha):
    """Fecha en ISO 8601 con zona horaria (SQLite la devuelve sin zona: es UTC)."""
    if fecha.tzinfo is None:
        fecha = fecha.replace(tzinfo=timezone.utc)
    return fecha.isoformat()


class Usuario(db.Model):
    """Un usuario. La contraseña no se guarda: solo su hash bcrypt."""

    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(MAX_EMAIL), unique=True, nullable=False)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre}


class Articulo(db.Model):
    """Un artículo del blog."""

    # AUTOINCREMENT: SQLite no vuelve a dar el id de un artículo borrado.
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    titulo = db.Column(db.String(MAX_TITULO), nullable=False)
    contenido = db.Column(db.Text, nullable=False, default="")
    publicado = db.Column(db.Boolean, nullable=False, default=False)
    creado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora)
    actualizado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora, onupdate=ahora)
    autor_id = db.Column(db.Integer, db.ForeignKey("usuario.id"), nullable=True)

    def a_dict(self):
        return {
            "id": self.id,
            "titulo": self.titulo,
            "contenido": self.contenido,
            "publicado": self.publicado,
            "creado_en": en_iso(self.creado_en),
            "actualizado_en": en_iso(self.actualizado_en),
            "autor_id": self.autor_id,
        }


def error(mensaje, estado):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP."""
    return jsonify(error=mensaje), estado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido.

    ``silent=True``: un cuerpo que no es JSON da ``None`` en lugar de un error
    415 o 400 en HTML. ``RecursionError``: un JSON anidado miles de niveles
    (``[[[[…``) agota la pila del analizador; también es «no válido».
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


def validar_articulo(datos, parcial=False):
    """Valida el cuerpo de un artículo.

    Devuelve ``(campos, None)`` si es válido o ``(None, mensaje)`` si no.
    Con ``parcial=True`` (PATCH) los campos ausentes no se tocan; si no (POST
    y PUT) ``titulo`` es obligatorio y el resto toma su valor por defecto.
    """
    if not isinstance(datos, dict):
        return None, 'El cuerpo debe ser un objeto JSON, por ejemplo {"titulo": "Hola"}.'
    desconocidos = sorted(set(datos) - set(CAMPOS))
    if desconocidos:
        return None, f"Campos no permitidos: {', '.join(desconocidos)}. Se admiten: {', '.join(CAMPOS)}."
    if parcial and not datos:
        return None, f"Envía al menos uno de estos campos: {', '.join(CAMPOS)}."

    campos = {} if parcial else {"contenido": "", "publicado": False}
    if "titulo" in datos or not parcial:
        if "titulo" not in datos:
            return None, "Falta el campo «titulo»."
        titulo = datos["titulo"]
        if not isinstance(titulo, str):
            return None, "El campo «titulo» debe ser un texto."
        titulo = titulo.strip()
        if not titulo:
            return None, "El campo «titulo» no puede estar vacío."
        if len(titulo) > MAX_TITULO:
            return None, f"El campo «titulo» admite como máximo {MAX_TITULO} caracteres."
        campos["titulo"] = titulo
    if "contenido" in datos:
        if not isinstance(datos["contenido"], str):
            return None, "El campo «contenido» debe ser un texto."
        if len(datos["contenido"]) > MAX_CONTENIDO:
            return None, f"El campo «contenido» admite como máximo {MAX_CONTENIDO} caracteres."
        campos["contenido"] = datos["contenido"]
    if "publicado" in datos:
        if not isinstance(datos["publicado"], bool):
            return None, "El campo «publicado» debe ser true o false."
        campos["publicado"] = datos["publicado"]
    return campos, None


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte. Sin ninguno, solo en depuración o en pruebas se usa uno aleatorio.

    Fuera de depuración y pruebas, sin clave, con una de menos de 32 bytes o con
    una de ejemplo, lanza ``SecretoDebil``: la app se niega a arrancar.
    """
    # TODO (tarea 2): sin un JWT_SECRET_KEY fuerte la app no arranca (salvo sin clave en depuración o pruebas).
    pass


def cifrar(password):
    """El hash bcrypt de ``password`` (un texto), con el coste de ``BCRYPT_LOG_ROUNDS``."""
    # TODO (tarea 1): bcrypt.hashpw con una sal nueva (bcrypt.gensalt) del coste configurado.
    raise NotImplementedError("Tarea 1: cifra la contraseña con bcrypt.")


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


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "articulos.sqlite")
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
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # del entorno, nunca escrita en el código
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        BCRYPT_LOG_ROUNDS=12,
    )
    if config:
        app.config.update(config)
    comprobar_secreto(app)

    db.init_app(app)
    JWTManager(app)
    with app.app_context():
        db.create_all()  # crea las tablas la primera vez; si ya existen no toca nada
        # TODO (tarea 2): un hash bcrypt que no es de nadie, para comprobar también los emails desconocidos.

    def buscar(articulo_id):
        """El artículo con ese id, o ``None`` (también si el id no cabe en la base de datos)."""
        if articulo_id > MAX_ID:
            return None
        return db.session.get(Articulo, articulo_id)

    def no_encontrado(articulo_id):
        return error(f"No existe ningún artículo con id {articulo_id}.", 404)

    def token_sin_usuario():
        return error("El usuario del token ya no existe.", 401)

    # ── Usuarios y sesiones ──────────────────────────────────────────────────

    # TODO (tarea 1): registra al usuario con la contraseña cifrada y responde 201 (409 si el email existe).
    @app.post("/auth/registro")
    def registro():
        return por_implementar()

    # TODO (tarea 2): comprueba email y contraseña y responde {"access_token": …}; el mismo 401 en los dos fallos.
    @app.post("/auth/login")
    def login():
        return por_implementar()

    # TODO (tarea 3): el usuario del token (401 si ya no existe).
    @app.get("/api/perfil")
    def perfil():
        return por_implementar()

    # ── Artículos ────────────────────────────────────────────────────────────

    def puede_ver(articulo):
        """Los publicados los ve cualquiera; los borradores, solo su autor."""
        # TODO (tarea 5): un borrador solo lo ve su autor.
        return True

    def exigir_autor(articulo):
        """``None`` si el usuario del token es el autor; si no, la respuesta de error (401 o 403)."""
        # TODO (tarea 4): 401 si el usuario del token ya no existe; 403 si no es el autor.
        return None

    @app.get("/api/articulos")
    # TODO (tarea 5): el token es opcional: sin él se ven solo los publicados.
    def listar_articulos():
        consulta = db.select(Articulo).order_by(Articulo.id)
        # TODO (tarea 5): los publicados y, con token, también los borradores propios.
        articulos = db.session.scalars(consulta)
        return jsonify([articulo.a_dict() for articulo in articulos])

    @app.get("/api/articulos/<int:articulo_id>")
    # TODO (tarea 5): el token es opcional.
    def obtener_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»
            return no_encontrado(articulo_id)
        return jsonify(articulo.a_dict())

    @app.post("/api/articulos")
    # TODO (tarea 4): crear exige un token.
    def crear_articulo():
        # TODO (tarea 4): el autor es el usuario del token.
        campos, mensaje = validar_articulo(leer_json())
        if mensaje:
            return error(mensaje, 400)
        # TODO (tarea 4): guarda quién es el autor.
        articulo = Articulo(**campos)
        db.session.add(articulo)
        db.session.commit()
        ubicacion = url_for("obtener_articulo", articulo_id=articulo.id)
        return jsonify(articulo.a_dict()), 201, {"Location": ubicacion}

    @app.put("/api/articulos/<int:articulo_id>")
    @app.patch("/api/articulos/<int:articulo_id>")
    # TODO (tarea 4): modificar exige un token.
    def actualizar_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
            return no_encontrado(articulo_id)
        # TODO (tarea 4): solo su autor lo modifica.
        parcial = request.method == "PATCH"
        campos, mensaje = validar_articulo(leer_json(), parcial=parcial)
        if mensaje:
            return error(mensaje, 400)
        for campo, valor in campos.items():
            setattr(articulo, campo, valor)
        articulo.actualizado_en = ahora()
        db.session.commit()
        return jsonify(articulo.a_dict())

    @app.delete("/api/articulos/<int:articulo_id>")
    # TODO (tarea 4): borrar exige un token.
    def eliminar_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
            return no_encontrado(articulo_id)
        # TODO (tarea 4): solo su autor lo borra.
        db.session.delete(articulo)
        db.session.commit()
        return "", 204

    @app.errorhandler(HTTPException)
    def error_http(e):
        """La API responde siempre en JSON, nunca con una página HTML."""
        respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
        respuesta.status_code = e.code
        if e.code == 405:
            respuesta.headers["Allow"] = e.get_response().headers["Allow"]
        return respuesta

    @app.errorhandler(Exception)
    def error_interno(e):
        """Un fallo inesperado: el detalle va al log y el cliente recibe un 500 en JSON."""
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500)

    return app


MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande (máximo 1 MB).",
    415: "Tipo de contenido no admitido.",
}
