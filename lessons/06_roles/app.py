"""Lección 06 · Roles y claims personalizados: admin, editor y usuario con ``rol_requerido``.

El inicio de sesión pone en el access token claims propios (``rol`` y ``nombre``;
el email no, que es un dato personal) con un ``additional_claims_loader``;
``rol_requerido(*roles)`` protege una ruta para uno o varios roles: 401 si no
hay token («¿quién eres?»), 403 si el rol no llega («no puedes»). Un claim es
una foto del momento del inicio de sesión: si a un admin se le quita el rol, su
token sigue diciendo «admin» hasta que caduca. ``ROL_DESDE`` decide de dónde
se lee el rol que autoriza:

* ``base_de_datos`` (por defecto): ``current_user`` (el ``user_lookup_loader``)
  lee el usuario en cada petición; un cambio de rol vale en la siguiente;
* ``token``: el claim ``rol`` del token, como la semilla. Sin más, un admin
  degradado sigue siéndolo hasta que caduca su token; con
  ``REVOCAR_AL_CAMBIAR_ROL=1``, cambiar un rol cierra todas sus sesiones
  («cerrar todas las sesiones» de la lección 05) y tiene que volver a entrar.

Ponla en marcha con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app lessons/06_roles/app.py crear-admin admin@example.com --nombre Admin
    flask --app lessons/06_roles/app.py run
    ROL_DESDE=token flask --app lessons/06_roles/app.py run
"""

import math
import os
import re
import secrets
import time
from datetime import timedelta
from functools import wraps

import bcrypt
import click
from flask import Flask, current_app, jsonify, request, url_for
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    jwt_required,
    verify_jwt_in_request,
)
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
MIN_PASSWORD = 8  # caracteres
MAX_PASSWORD_BYTES = 72  # bcrypt no mira más allá; bcrypt 5 lanza ValueError si se pasa
MAX_EMAIL = 254
MAX_NOMBRE = 100
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Claves que circulan por internet (las de las semillas): largas o no, no son secretas.
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
ROLES = ("admin", "editor", "usuario")
ROL_POR_DEFECTO = "usuario"  # el de todo registro: nadie elige su propio rol
ORIGENES_DEL_ROL = ("base_de_datos", "token")
NO_DISPONIBLE = "El servicio de sesiones no está disponible ahora mismo; inténtalo de nuevo en unos segundos."


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class ConfiguracionMala(RuntimeError):
    """Un valor de configuración que no se entiende."""


class AlmacenNoDisponible(Exception):
    """La base de datos de revocados no responde: no sabemos si el token está revocado (se responde 503)."""


class Usuario(db.Model):
    """Un usuario con su rol: ``admin``, ``editor`` o ``usuario``. La contraseña no se guarda, solo su hash."""

    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(MAX_EMAIL), unique=True, nullable=False)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)
    rol = db.Column(db.String(20), nullable=False, default=ROL_POR_DEFECTO)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre, "rol": self.rol}


class SesionesCerradas(db.Model):
    """«Cerrar todas las sesiones» (lección 05): los tokens de ``usuario`` emitidos antes de ``desde`` no valen."""

    usuario = db.Column(db.String(32), primary_key=True)  # el ``sub`` de sus tokens
    desde = db.Column(db.Float, nullable=False)  # segundos desde 1970, con fracción
    caduca_en = db.Column(db.Integer, nullable=False)  # después, todos esos tokens han caducado solos


def vida_maxima(app):
    """La vida del token más largo (el refresh token), en segundos: ningún token anterior la sobrevive."""
    vida = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    return int(vida.total_seconds()) if isinstance(vida, timedelta) else int(vida)


def cerrar_sesiones(usuario_id):
    """Todos los tokens del usuario emitidos hasta ahora dejan de valer (lección 05, tabla de la base de datos)."""
    desde = time.time()
    db.session.merge(
        SesionesCerradas(usuario=str(usuario_id), desde=desde, caduca_en=math.ceil(desde) + vida_maxima(current_app))
    )


def token_revocado(cabecera, datos):
    """El ``token_in_blocklist_loader``: ¿se emitió este token antes de cerrar las sesiones de su usuario?"""
    try:
        cerradas = db.session.get(SesionesCerradas, datos["sub"])
    except SQLAlchemyError as e:
        db.session.rollback()
        raise AlmacenNoDisponible from e
    return cerradas is not None and datos["iat"] < cerradas.desde


def claims_del_token(identidad):
    """El ``additional_claims_loader``: los claims propios de todo token, leídos del usuario al crearlo.

    Flask-JWT-Extended la llama en cada ``create_access_token`` y
    ``create_refresh_token``: el token del login y el del refresco llevan el
    mismo ``rol`` (la semilla lo perdía al refrescar). El ``iat`` con fracción de
    segundo es el de la lección 05 («emitido antes de T» sin redondeos).
    """
    usuario = buscar_usuario(identidad)
    claims = {"iat": time.time()}
    if usuario is not None:
        claims.update(rol=usuario.rol, nombre=usuario.nombre)  # el email no: la carga útil la lee cualquiera
    return claims


def cargar_usuario(cabecera, datos):
    """El ``user_lookup_loader``: lo que devuelve ``current_user``, leído de la base de datos en cada petición.

    Si devuelve ``None`` (el usuario se borró), Flask-JWT-Extended no entra en
    la ruta y responde con :func:`usuario_no_encontrado`: 401, no el 500 de la semilla.
    """
    return buscar_usuario(datos["sub"])


def usuario_no_encontrado(cabecera, datos):
    """El ``user_lookup_error_loader``: 401 en JSON si el usuario del token ya no existe."""
    return error("El usuario del token ya no existe: inicia sesión de nuevo.", 401)


def rol_del_usuario():
    """El rol con el que se decide: el de la base de datos o el del claim del token, según ``ROL_DESDE``."""
    if current_app.config["ROL_DESDE"] == "token":
        return get_jwt().get("rol")  # una foto del momento del inicio de sesión
    return current_user.rol  # leído en esta petición


def rol_requerido(*roles):
    """Decorador: exige un token válido (401 si falta) de un usuario con alguno de ``roles`` (403 si no).

    Se pone **debajo** del decorador de la ruta, que debe ser el de fuera::

        @app.get("/editor/articulos")
        @rol_requerido("editor", "admin")
        def panel_editor(): ...
    """
    desconocidos = set(roles) - set(ROLES)
    if not roles or desconocidos:  # una errata («amdin») cerraría la ruta a todos sin avisar
        raise ValueError(f"rol_requerido necesita roles de {ROLES}, no {roles}.")

    def decorador(vista):
        @wraps(vista)  # la vista conserva su nombre: url_for y Flask la distinguen de las demás
        def envoltura(*args, **kwargs):
            verify_jwt_in_request()  # sin token o con uno malo: 401/422 antes de mirar el rol
            if rol_del_usuario() not in roles:
                return error(f"No tienes permiso: hace falta el rol {' o '.join(roles)}.", 403)
            return vista(*args, **kwargs)

        return envoltura

    return decorador


def error(mensaje, estado):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP."""
    return jsonify(error=mensaje), estado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido (ver la lección 01)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def cifrar(password):
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
    if not isinstance(identidad, str) or not identidad.isdecimal() or int(identidad) > MAX_ID:
        return None
    return db.session.get(Usuario, int(identidad))


def validar_registro(datos):
    """``(campos, None)`` o ``(None, mensaje)``. Un «rol» en el cuerpo es un campo no permitido: nadie elige su rol."""
    if not isinstance(datos, dict):
        return None, 'El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…", "nombre": "…"}.'
    desconocidos = sorted(set(datos) - {"email", "password", "nombre"})
    if desconocidos:
        return None, f"Campos no permitidos: {', '.join(desconocidos)}. Se admiten: email, password, nombre."
    email = normalizar_email(datos.get("email"))
    if email is None:
        return None, "El campo «email» debe ser un email válido."
    if mensaje := problema_de_password(datos.get("password")):
        return None, mensaje
    nombre = datos.get("nombre")
    if not isinstance(nombre, str) or not nombre.strip() or len(nombre.strip()) > MAX_NOMBRE:
        return None, f"El campo «nombre» debe ser un texto de 1 a {MAX_NOMBRE} caracteres."
    return {"email": email, "password": datos["password"], "nombre": nombre.strip()}, None


def validar_rol(datos):
    """El rol nuevo del cuerpo ``{"rol": …}``, o ``(None, mensaje)`` si no vale."""
    if not isinstance(datos, dict) or set(datos) != {"rol"}:
        return None, 'El cuerpo debe ser un objeto JSON con solo el campo «rol»: {"rol": "editor"}.'
    if datos["rol"] not in ROLES:
        return None, f"Rol no válido: usa uno de {', '.join(ROLES)}."
    return datos["rol"], None


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "roles.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def si_o_no(valor):
    """``REVOCAR_AL_CAMBIAR_ROL`` puede venir del entorno como texto: «1», «true», «sí»…"""
    if isinstance(valor, str):
        return valor.strip().lower() in ("1", "true", "si", "sí", "yes")
    return bool(valor)


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # nunca escrita en el código
        # iss y aud: emite y acepta solo sus tokens, aunque otra app comparta la clave (RFC 8725, 3.8 y 3.9)
        JWT_ENCODE_ISSUER="taller-flask-jwt/leccion-06",
        JWT_DECODE_ISSUER="taller-flask-jwt/leccion-06",
        JWT_ENCODE_AUDIENCE="taller-flask-jwt/leccion-06/demo",
        JWT_DECODE_AUDIENCE="taller-flask-jwt/leccion-06/demo",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=30),
        ROL_DESDE=os.environ.get("ROL_DESDE", "base_de_datos"),  # base_de_datos o token
        REVOCAR_AL_CAMBIAR_ROL=os.environ.get("REVOCAR_AL_CAMBIAR_ROL", "0"),
        BCRYPT_LOG_ROUNDS=12,
    )
    if config:
        app.config.update(config)
    comprobar_secreto(app)
    if app.config["ROL_DESDE"] not in ORIGENES_DEL_ROL:
        raise ConfiguracionMala(f"ROL_DESDE debe ser {' o '.join(ORIGENES_DEL_ROL)}, no «{app.config['ROL_DESDE']}».")
    app.config["REVOCAR_AL_CAMBIAR_ROL"] = si_o_no(app.config["REVOCAR_AL_CAMBIAR_ROL"])

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    gestor_jwt.additional_claims_loader(claims_del_token)  # rol y nombre en todo token
    gestor_jwt.user_lookup_loader(cargar_usuario)  # current_user, en cada petición con token
    gestor_jwt.user_lookup_error_loader(usuario_no_encontrado)
    gestor_jwt.token_in_blocklist_loader(token_revocado)
    with app.app_context():
        db.create_all()
        # Un hash de verdad que no es de nadie: con un email desconocido también se llama a checkpw.
        hash_ficticio = cifrar(secrets.token_urlsafe(16)).encode("ascii")

    @app.get("/")
    def inicio():
        return jsonify(
            mensaje="Roles: regístrate (rol usuario), inicia sesión y mira tus claims en /api/perfil; "
            "las rutas de admin y de editor piden su rol.",
            rol_desde=app.config["ROL_DESDE"],
            revocar_al_cambiar_rol=app.config["REVOCAR_AL_CAMBIAR_ROL"],
            rutas=[
                url_for("registro"),
                url_for("login"),
                url_for("refrescar"),
                url_for("perfil"),
                url_for("panel_editor"),
                url_for("panel_admin"),
                url_for("listar_usuarios"),
            ],
        )

    @app.post("/auth/registro")
    def registro():
        campos, mensaje = validar_registro(leer_json())
        if mensaje:
            return error(mensaje, 400)
        usuario = Usuario(email=campos["email"], nombre=campos["nombre"], password_hash=cifrar(campos["password"]))
        db.session.add(usuario)  # rol: el de por defecto, «usuario»
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return error("Ya existe un usuario con ese email.", 409)
        return jsonify(usuario.a_dict()), 201

    @app.post("/auth/login")
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
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        correcta = bcrypt.checkpw(password.encode("utf-8"), guardado)
        if usuario is None or not correcta:
            return error("Email o contraseña incorrectos.", 401)
        identidad = str(usuario.id)  # sub: siempre un texto
        # Los claims propios (rol y nombre) los pone claims_del_token, aquí y en el refresco.
        return jsonify(
            access_token=create_access_token(identity=identidad, fresh=True),
            refresh_token=create_refresh_token(identity=identidad),
        )

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refrescar():
        return jsonify(access_token=create_access_token(identity=str(current_user.id)))

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        claims = get_jwt()
        return jsonify(
            usuario=current_user.a_dict(),
            rol_en_el_token=claims.get("rol"),
            rol_en_la_base_de_datos=current_user.rol,
            rol_que_decide=app.config["ROL_DESDE"],
        )

    @app.post("/auth/logout-todo")
    @jwt_required()
    def logout_todo():
        cerrar_sesiones(current_user.id)
        db.session.commit()
        return jsonify(mensaje="Se han cerrado todas tus sesiones, también esta.")

    @app.get("/editor/articulos")
    @rol_requerido("editor", "admin")  # la semilla solo admitía un rol: el admin recibía 403 aquí
    def panel_editor():
        return jsonify(articulos="Aquí, los artículos que puedes editar.", tu_rol=rol_del_usuario())

    @app.get("/admin/panel")
    @rol_requerido("admin")
    def panel_admin():
        return jsonify(
            panel="Datos de administración.",
            usuarios=db.session.scalar(db.select(db.func.count()).select_from(Usuario)),
        )

    @app.get("/api/admin/usuarios")
    @rol_requerido("admin")
    def listar_usuarios():
        usuarios = db.session.scalars(db.select(Usuario).order_by(Usuario.id))
        return jsonify([usuario.a_dict() for usuario in usuarios])  # a_dict: nunca el hash

    @app.patch("/api/admin/usuarios/<int:usuario_id>")
    @rol_requerido("admin")
    def cambiar_rol(usuario_id):
        rol, mensaje = validar_rol(leer_json())
        if mensaje:
            return error(mensaje, 400)
        usuario = buscar_usuario(str(usuario_id))
        if usuario is None:
            return error(f"No existe ningún usuario con id {usuario_id}.", 404)
        if usuario.rol == "admin" and rol != "admin":
            admins = db.session.scalar(db.select(db.func.count()).select_from(Usuario).filter_by(rol="admin"))
            if admins <= 1:
                return error("No se puede quitar el rol de admin al último administrador: nombra antes a otro.", 409)
        sesiones_cerradas = False
        if rol != usuario.rol and app.config["REVOCAR_AL_CAMBIAR_ROL"]:
            cerrar_sesiones(usuario.id)  # sus tokens dicen el rol viejo: que vuelva a entrar
            sesiones_cerradas = True
        usuario.rol = rol
        db.session.commit()
        return jsonify(usuario=usuario.a_dict(), sesiones_cerradas=sesiones_cerradas)

    @app.errorhandler(AlmacenNoDisponible)
    def almacen_no_disponible(e):
        """Sin base de datos no sabemos si el token está revocado: se falla cerrado, con un 503 en JSON."""
        app.logger.error("La base de datos no responde: %s", e.__cause__)
        return error(NO_DISPONIBLE, 503)

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

    @app.cli.command("crear-admin")
    @click.argument("email")
    @click.option("--nombre", help="Nombre, si el usuario es nuevo (si no lo das, se pregunta).")
    @click.option("--password", help="Contraseña, si el usuario es nuevo (si no la das, se pide sin mostrarla).")
    def crear_admin(email, nombre, password):
        """Crea un administrador con EMAIL, o da el rol admin al usuario que ya lo tiene.

        Es la única forma de crear el primer admin: desde la consola del servidor,
        nunca con una ruta abierta de la API.
        """
        email_normalizado = normalizar_email(email)
        if email_normalizado is None:
            raise click.ClickException(f"«{email}» no es un email válido.")
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email_normalizado))
        if usuario is not None:
            usuario.rol = "admin"
            db.session.commit()
            click.echo(f"{usuario.email} (id {usuario.id}) ahora es admin.")
            return
        nombre = (nombre or click.prompt("Nombre")).strip()
        if not nombre or len(nombre) > MAX_NOMBRE:
            raise click.ClickException(f"El nombre no puede estar vacío ni pasar de {MAX_NOMBRE} caracteres.")
        if password is None:
            password = click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repítela")
        if problema := problema_de_password(password):
            raise click.ClickException(problema)
        usuario = Usuario(email=email_normalizado, nombre=nombre, password_hash=cifrar(password), rol="admin")
        db.session.add(usuario)
        db.session.commit()
        click.echo(f"Administrador {usuario.id} creado: {usuario.email}")

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
