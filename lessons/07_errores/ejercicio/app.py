"""API de artículos · lección 07: manejo de errores, un sobre para toda la API y límite de intentos.

Lo de la lección 06 (roles, revocación, refresco, Redis) ya funciona; lo nuevo
es cómo falla: toda respuesta de error es ``{"error": "…", "codigo": "…"}``
con un código estable para las máquinas, cada error de Flask-JWT-Extended es
un 401 con ``WWW-Authenticate`` (RFC 6750) y nunca el mensaje crudo de la
librería, ningún error HTTP sale en HTML, y el login y el registro tienen un
límite de intentos por IP (Flask-Limiter: 429 con ``Retry-After``).

De la lección 06 sigue igual: solo editores y admins escriben artículos, los
permisos se deciden con el rol de la base de datos, leído en cada petición, y
el primer admin se crea con ``flask --app … crear-admin EMAIL``.

Ejecútala desde su carpeta (o con ``taller ejecutar 07 --ejercicio``) con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app app.py crear-admin admin@example.com
    flask --app app.py run
"""

import math
import os
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from functools import wraps

import bcrypt
import click
import redis
from flask import Flask, current_app, jsonify, request, url_for
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    verify_jwt_in_request,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from jwt.exceptions import PyJWTError
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
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
ESPERA_REDIS = 0.25  # segundos para conectar y otros tantos para responder: un 503 en menos de 1 s
NO_DISPONIBLE = "El servicio de sesiones no está disponible ahora mismo; inténtalo de nuevo en unos segundos."
ROLES = ("admin", "editor", "usuario")  # de más a menos poder
ROL_POR_DEFECTO = "usuario"  # el de todo registro: nadie elige su propio rol


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class AlmacenNoDisponible(Exception):
    """El almacén de revocados no responde: no sabemos si el token está revocado (se responde 503)."""


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
    rol = db.Column(db.String(20), nullable=False, default=ROL_POR_DEFECTO)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre, "rol": self.rol}


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


class RefreshUsado(db.Model):
    """Un refresh token ya canjeado con la rotación activada (tarea 5): su ``jti`` no vale dos veces.

    ``jti`` es la clave primaria: si dos peticiones canjean a la vez el mismo
    token, la segunda choca con la primera al guardar (``IntegrityError``).
    ``caduca_en`` permite borrar las filas cuando el token ya habría caducado.
    """

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.DateTime(timezone=True), nullable=False)


class TokenRevocado(db.Model):
    """Un token revocado: su ``jti`` y cuándo caduca (``exp``; después ya no hace falta recordarlo)."""

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.Integer, nullable=False, index=True)


class SesionesCerradas(db.Model):
    """«Cerrar todas las sesiones»: los tokens de ``usuario`` emitidos antes de ``desde`` no valen."""

    usuario = db.Column(db.String(32), primary_key=True)  # el ``sub`` de sus tokens
    desde = db.Column(db.Float, nullable=False)  # segundos desde 1970, con fracción
    caduca_en = db.Column(db.Integer, nullable=False)  # después, todos esos tokens han caducado solos


def segundos_que_le_quedan(exp):
    """Lo que le queda de vida a un token que caduca en ``exp`` (segundos desde 1970), redondeado hacia arriba."""
    return max(0, math.ceil(exp - time.time()))


class AlmacenSQL:
    """Los revocados en dos tablas de la base de datos de la app (SQLite por defecto)."""

    def __init__(self, vida_maxima):
        self.vida_maxima = vida_maxima  # segundos: la vida del refresh token

    def revocar(self, jti, exp):
        """Apunta el token ``jti`` (que caduca en ``exp``) como revocado."""
        db.session.merge(TokenRevocado(jti=jti, caduca_en=exp))
        self._guardar()

    def cerrar_sesiones(self, usuario, desde):
        """Todos los tokens de ``usuario`` (su ``sub``) emitidos antes de ``desde`` dejan de valer."""
        db.session.merge(SesionesCerradas(usuario=usuario, desde=desde, caduca_en=math.ceil(desde) + self.vida_maxima))
        self._guardar()

    def esta_revocado(self, jti, usuario, emitido):
        """¿Está revocado el token ``jti`` de ``usuario`` emitido en ``emitido`` (su ``iat``)?"""
        try:
            if db.session.get(TokenRevocado, jti) is not None:
                return True
            cerradas = db.session.get(SesionesCerradas, usuario)
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e
        return cerradas is not None and emitido < cerradas.desde

    def _guardar(self):
        try:
            db.session.commit()
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e


class AlmacenRedis:
    """Los revocados en Redis: una clave por token, con el TTL de lo que le queda de vida."""

    def __init__(self, url, prefijo, vida_maxima):
        self.prefijo = prefijo  # todas las claves empiezan así («taller:» por defecto)
        self.vida_maxima = vida_maxima
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=ESPERA_REDIS, socket_timeout=ESPERA_REDIS,
                                          retry=Retry(NoBackoff(), 0))

    def revocar(self, jti, exp):
        ttl = segundos_que_le_quedan(exp)
        if ttl > 0:
            self._pedir(self.redis.set, f"{self.prefijo}jti:{jti}", "revocado", ex=ttl)

    def cerrar_sesiones(self, usuario, desde):
        self._pedir(self.redis.set, f"{self.prefijo}usuario:{usuario}", repr(desde), ex=self.vida_maxima)

    def esta_revocado(self, jti, usuario, emitido):
        revocado, desde = self._pedir(self.redis.mget, f"{self.prefijo}jti:{jti}", f"{self.prefijo}usuario:{usuario}")
        return revocado is not None or (desde is not None and emitido < float(desde))

    @staticmethod
    def _pedir(orden, *args, **kwargs):
        """Ejecuta una orden de Redis; si Redis falla, ``AlmacenNoDisponible`` (nunca un 500, nunca aceptar)."""
        try:
            return orden(*args, **kwargs)
        except redis.RedisError as e:
            raise AlmacenNoDisponible from e


def crear_almacen(app):
    """Redis si hay ``REDIS_URL`` (en la configuración o en el entorno); si no, la tabla de la base de datos."""
    vida = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    vida_maxima = int(vida.total_seconds()) if isinstance(vida, timedelta) else int(vida)
    if app.config["REDIS_URL"]:
        return AlmacenRedis(app.config["REDIS_URL"], app.config["REDIS_PREFIJO"], vida_maxima)
    return AlmacenSQL(vida_maxima)


def almacen():
    """El almacén de revocados de la app actual."""
    return current_app.extensions["revocados"]


def token_revocado(cabecera, datos):
    """El ``token_in_blocklist_loader``: ``True`` si el token de la petición está revocado."""
    return almacen().esta_revocado(datos["jti"], datos["sub"], datos["iat"])


# El código estable de cada estado HTTP: el cliente decide con él, no con el texto del mensaje.
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
# error_description de WWW-Authenticate (RFC 6750, sección 3): solo ASCII, por eso en inglés.
DESCRIPCIONES_RFC = {
    "TOKEN_INVALID": "The access token is invalid",
    "TOKEN_EXPIRED": "The access token expired",
    "TOKEN_REVOKED": "The access token was revoked",
    "USER_NOT_FOUND": "The user of the access token no longer exists",
    "FRESH_TOKEN_REQUIRED": "A fresh access token is required",
}


def www_authenticate(codigo):
    """La cabecera ``WWW-Authenticate`` de un 401 (RFC 6750, sección 3).

    Sin token (o sin credenciales) solo el esquema y el ``realm``; con un token
    que no vale, además ``error="invalid_token"`` y una descripción en ASCII.
    """
    if codigo in DESCRIPCIONES_RFC:
        return f'Bearer realm="api", error="invalid_token", error_description="{DESCRIPCIONES_RFC[codigo]}"'
    return 'Bearer realm="api"'


def error(mensaje, estado, codigo=None):
    """El sobre de error de toda la API: ``{"error": mensaje, "codigo": CÓDIGO}`` con su estado HTTP.

    Sin ``codigo``, el de ``CODIGOS_HTTP`` para ese estado. Un 401 lleva siempre
    ``WWW-Authenticate`` (RFC 7235, sección 3.1).
    """
    # TODO (tarea 1): el sobre con "codigo" (el de CODIGOS_HTTP si no se da) y WWW-Authenticate en los 401.
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


def cifrar(password):
    """El hash bcrypt de ``password`` (un texto), con el coste de ``BCRYPT_LOG_ROUNDS``."""
    coste = current_app.config["BCRYPT_LOG_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")


def problema_de_password(password, campo="password"):
    """Por qué ``password`` no vale como contraseña nueva, o ``None`` si vale."""
    if not isinstance(password, str):
        return f"El campo «{campo}» debe ser un texto."
    if len(password) < MIN_PASSWORD:
        return f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres."
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes (bcrypt no admite más)."
    return None


def validar_registro(datos):
    """Valida el cuerpo de ``POST /auth/registro``.

    Devuelve ``(campos, None)`` con el email normalizado (sin espacios, en
    minúsculas) y el nombre sin espacios, o ``(None, mensaje)`` si no es válido.
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
    email = datos["email"].strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        return None, "El campo «email» no es un email válido."
    password = datos["password"]
    if mensaje := problema_de_password(password):
        return None, mensaje
    nombre = datos["nombre"].strip()
    if not nombre:
        return None, "El campo «nombre» no puede estar vacío."
    if len(nombre) > MAX_NOMBRE:
        return None, f"El campo «nombre» admite como máximo {MAX_NOMBRE} caracteres."
    return {"email": email, "password": password, "nombre": nombre}, None


def usuario_de(identidad):
    """El ``Usuario`` cuyo id es ``identidad`` (el ``sub`` de un token: el id como texto, ``"7"``), o ``None``."""
    if not isinstance(identidad, str) or not identidad.isdecimal() or int(identidad) > MAX_ID:
        return None
    return db.session.get(Usuario, int(identidad))


def usuario_actual():
    """El ``Usuario`` del token de la petición, o ``None`` si no hay token o su usuario ya no existe."""
    return usuario_de(get_jwt_identity())


def cargar_usuario(cabecera, datos):
    """El ``user_lookup_loader``: el ``Usuario`` del token, leído de la base de datos en cada petición.

    Es lo que devuelve ``current_user``. Si el usuario ya no existe devuelve
    ``None`` y Flask-JWT-Extended responde con :func:`usuario_no_encontrado`
    (401) sin entrar en la ruta: nunca un 500 por un token de un usuario borrado.
    """
    return usuario_de(datos["sub"])


def usuario_no_encontrado(cabecera, datos):
    """El ``user_lookup_error_loader``: 401 en JSON cuando el usuario del token ya no existe."""
    return error("El usuario del token ya no existe.", 401, "USER_NOT_FOUND")


# TODO (tarea 2): un cargador por cada error de Flask-JWT-Extended: 401, el sobre, y el motivo solo al log.


def rol_requerido(*roles):
    """Decorador: la ruta exige un token válido (401 si no lo hay) de un usuario con uno de ``roles`` (403 si no).

    El rol se lee de la base de datos (``current_user``), no del claim del token:
    un cambio de rol vale desde la siguiente petición. Ponlo debajo de la ruta::

        @app.post("/api/articulos")
        @rol_requerido("editor", "admin")
        def crear_articulo(): ...
    """
    desconocidos = set(roles) - set(ROLES)
    if not roles or desconocidos:  # una errata («amdin») dejaría la ruta cerrada para todos sin avisar
        raise ValueError(f"rol_requerido necesita roles de {ROLES}, no {roles}.")
    def decorador(vista):
        @wraps(vista)
        def envoltura(*args, **kwargs):
            verify_jwt_in_request()  # sin token o con uno malo: 401; usuario borrado: 401
            if current_user.rol not in roles:
                return error(f"No tienes permiso: hace falta el rol {' o '.join(roles)}.", 403)
            return vista(*args, **kwargs)
        return envoltura
    return decorador


def validar_rol(datos):
    """El rol nuevo del cuerpo de ``PATCH /api/admin/usuarios/<id>``, o ``(None, mensaje)`` si no vale."""
    if not isinstance(datos, dict) or set(datos) != {"rol"}:
        return None, 'El cuerpo debe ser un objeto JSON con solo el campo «rol»: {"rol": "editor"}.'
    if datos["rol"] not in ROLES:
        return None, f"Rol no válido: usa uno de {', '.join(ROLES)}."
    return datos["rol"], None


def claims_del_usuario(identidad):
    """Los claims propios de todo token de ``identidad``: ``{"nombre", "email", "rol"}``, leídos de la base de datos.

    Flask-JWT-Extended la llama en cada ``create_access_token`` y ``create_refresh_token``
    (es su ``additional_claims_loader``): los claims salen de un solo sitio y el token
    del login y el del refresco llevan los mismos, siempre al día.
    """
    usuario = usuario_de(identidad)
    if usuario is None:
        return {}
    return {"nombre": usuario.nombre, "email": usuario.email, "rol": usuario.rol}


def claims_de_todo_token(identidad):
    """Los claims de :func:`claims_del_usuario` y un ``iat`` con fracción de segundo (el RFC 7519 lo permite).

    «Emitido antes de T» (tarea 3) no puede depender del redondeo a segundos: un
    login en el mismo segundo que «cerrar todas las sesiones» debe valer.
    """
    return {**claims_del_usuario(identidad), "iat": time.time()}


def sesion_de(refresh_token):
    """``{"jti", "exp"}`` de un refresh token: el claim «sesion» que liga a él cada access token.

    Así el logout, con solo el access token, sabe qué refresh token revocar.
    """
    claims = decode_token(refresh_token, allow_expired=True)  # recién creado: solo caduca si la vida configurada es ≤ 0
    return {"jti": claims["jti"], "exp": claims["exp"]}


def refresh_token_del_cuerpo():
    """Los claims del ``refresh_token`` opcional del cuerpo del logout: ``None`` si no viene, un texto si es malo."""
    if not request.get_data(cache=True):  # sin cuerpo: no hay refresh token que revocar
        return None
    datos = leer_json()
    if not isinstance(datos, dict):
        return 'El cuerpo, si lo envías, debe ser un objeto JSON: {"refresh_token": "…"}.'
    if "refresh_token" not in datos:
        return None
    token = datos["refresh_token"]
    if not isinstance(token, str):
        return "El campo «refresh_token» debe ser un texto."
    try:
        claims = decode_token(token, allow_expired=True)
    except PyJWTError:
        return "El «refresh_token» no es un token válido de esta aplicación."
    if claims.get("type") != "refresh":
        return "El «refresh_token» no es un refresh token."
    if claims.get("sub") != get_jwt_identity():
        return "El «refresh_token» es de otro usuario."
    return claims


def rotar_refresh_token(usuario):
    """Rotación (tarea 5): anota como usado el refresh token de la petición y devuelve uno nuevo.

    Devuelve ``None`` si ese refresh token ya se había usado: un refresh token
    rotado vale una sola vez (RFC 9700, sección 4.14).
    """
    datos = get_jwt()
    db.session.add(RefreshUsado(jti=datos["jti"], caduca_en=datetime.fromtimestamp(datos["exp"], timezone.utc)))
    try:
        db.session.commit()
    except IntegrityError:  # el jti ya estaba: alguien (¿un atacante?) lo canjeó antes
        db.session.rollback()
        return None
    return create_refresh_token(identity=str(usuario.id))


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "articulos.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def cuantos_admins():
    """Cuántos usuarios tienen el rol admin."""
    return db.session.scalar(db.select(db.func.count()).select_from(Usuario).filter_by(rol="admin"))


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # del entorno, nunca escrita en el código
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),  # corto: si lo roban, vale poco tiempo
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=30),  # largo: evita pedir la contraseña cada 15 minutos
        ROTAR_REFRESH_TOKENS=False,  # con True, cada refresh token vale una sola vez (lección 04)
        REDIS_URL=os.environ.get("REDIS_URL"),  # sin ella, los revocados van a la base de datos
        REDIS_PREFIJO=os.environ.get("REDIS_PREFIJO", "taller:"),
        BCRYPT_LOG_ROUNDS=12,
        RATELIMIT_ENABLED=True,  # Flask-Limiter; las pruebas pueden apagarlo
        RATELIMIT_HEADERS_ENABLED=True,  # Retry-After (y X-RateLimit-*) en las respuestas limitadas
        LIMITE_LOGIN="5 per minute",  # logins fallidos por IP
        LIMITE_REGISTRO="10 per minute",  # registros por IP
    )
    if config:
        app.config.update(config)
    # El contador de intentos: en memoria (de este proceso) o en Redis (compartido por todos los procesos).
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIJO"] + "limites")
    comprobar_secreto(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    gestor_jwt.additional_claims_loader(claims_de_todo_token)
    gestor_jwt.token_in_blocklist_loader(token_revocado)
    gestor_jwt.user_lookup_loader(cargar_usuario)  # current_user: el usuario, leído en cada petición
    gestor_jwt.user_lookup_error_loader(usuario_no_encontrado)
    # TODO (tarea 2): registra los cargadores de errores.
    # TODO (tarea 4): un Limiter por app (lee RATELIMIT_* de la configuración); solo cuentan los logins fallidos.
    def limite_login(vista):
        return vista  # sin límite

    limite_registro = limite_login
    app.extensions["revocados"] = crear_almacen(app)
    with app.app_context():
        db.create_all()  # crea las tablas la primera vez; si ya existen no toca nada
        hash_ficticio = cifrar(secrets.token_urlsafe(16)).encode("ascii")

    def buscar(articulo_id):
        """El artículo con ese id, o ``None`` (también si el id no cabe en la base de datos)."""
        if articulo_id > MAX_ID:
            return None
        return db.session.get(Articulo, articulo_id)

    def no_encontrado(articulo_id):
        return error(f"No existe ningún artículo con id {articulo_id}.", 404)

    def token_sin_usuario():
        return error("El usuario del token ya no existe.", 401, "USER_NOT_FOUND")

    # ── Usuarios y sesiones ──────────────────────────────────────────────────

    @app.post("/auth/registro")
    @limite_registro
    def registro():
        campos, mensaje = validar_registro(leer_json())
        if mensaje:
            return error(mensaje, 400)
        if db.session.scalar(db.select(Usuario).filter_by(email=campos["email"])):
            return error("Ya existe un usuario con ese email.", 409)
        usuario = Usuario(email=campos["email"], nombre=campos["nombre"], password_hash=cifrar(campos["password"]))
        db.session.add(usuario)
        try:
            db.session.commit()
        except IntegrityError:  # otro registro con el mismo email ha llegado a la vez
            db.session.rollback()
            return error("Ya existe un usuario con ese email.", 409)
        return jsonify(usuario.a_dict()), 201

    @app.post("/auth/login")
    @limite_login
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
        # Siempre una llamada a checkpw: un email desconocido tarda lo mismo que una contraseña mala.
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        correcta = bcrypt.checkpw(password.encode("utf-8"), guardado)
        if usuario is None or not correcta:
            return error("Email o contraseña incorrectos.", 401, "INVALID_CREDENTIALS")
        identidad = str(usuario.id)  # sub: siempre un texto
        refresh_token = create_refresh_token(identity=identidad)
        return jsonify(access_token=create_access_token(identity=identidad, fresh=True,
                                                        additional_claims={"sesion": sesion_de(refresh_token)}),
                       refresh_token=refresh_token)

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refrescar():
        usuario = usuario_actual()
        if usuario is None:  # el refresh token es válido, pero el usuario se borró
            return token_sin_usuario()
        respuesta = {}
        sesion = {"jti": get_jwt()["jti"], "exp": get_jwt()["exp"]}  # el refresh token de esta petición
        if current_app.config["ROTAR_REFRESH_TOKENS"]:  # tarea 5
            nuevo = rotar_refresh_token(usuario)
            if nuevo is None:
                return error("Este refresh token ya se usó: inicia sesión de nuevo.", 401, "TOKEN_REVOKED")
            respuesta["refresh_token"] = nuevo
            sesion = sesion_de(nuevo)
        respuesta["access_token"] = create_access_token(identity=str(usuario.id), fresh=False,
                                                        additional_claims={"sesion": sesion})
        return jsonify(respuesta)

    @app.post("/auth/logout")
    @jwt_required()
    def logout():
        refresh = refresh_token_del_cuerpo()
        if isinstance(refresh, str):
            return error(refresh, 400)
        datos = get_jwt()
        almacen().revocar(datos["jti"], datos["exp"])
        if sesion := datos.get("sesion"):  # el refresh token de esta sesión, aunque no venga en el cuerpo
            almacen().revocar(sesion["jti"], sesion["exp"])
        if refresh is not None:
            almacen().revocar(refresh["jti"], refresh["exp"])
        return jsonify(mensaje="Sesión cerrada.")

    @app.post("/auth/logout-todo")
    @jwt_required()
    def logout_todo():
        almacen().cerrar_sesiones(get_jwt_identity(), time.time())
        return jsonify(mensaje="Se han cerrado todas tus sesiones.")

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        usuario = usuario_actual()
        if usuario is None:
            return token_sin_usuario()
        return jsonify(usuario.a_dict())

    @app.post("/api/perfil/password")
    @jwt_required(fresh=True)
    def cambiar_password():
        usuario = usuario_actual()
        if usuario is None:
            return token_sin_usuario()
        datos = leer_json()
        if not isinstance(datos, dict):
            return error('El cuerpo debe ser un objeto JSON: {"password_actual": "…", "password_nueva": "…"}.', 400)
        actual = datos.get("password_actual")
        if not isinstance(actual, str):
            return error("El campo «password_actual» es obligatorio y debe ser un texto.", 400)
        if len(actual.encode("utf-8")) > MAX_PASSWORD_BYTES:
            return error(f"La contraseña admite como máximo {MAX_PASSWORD_BYTES} bytes.", 400)
        if mensaje := problema_de_password(datos.get("password_nueva"), "password_nueva"):
            return error(mensaje, 400)
        if not bcrypt.checkpw(actual.encode("utf-8"), usuario.password_hash.encode("ascii")):
            return error("La contraseña actual no es correcta.", 401, "INVALID_CREDENTIALS")
        usuario.password_hash = cifrar(datos["password_nueva"])
        db.session.commit()
        almacen().cerrar_sesiones(str(usuario.id), time.time())
        identidad = str(usuario.id)
        return jsonify(access_token=create_access_token(identity=identidad, fresh=True),
                       refresh_token=create_refresh_token(identity=identidad))

    @app.delete("/api/perfil")
    @jwt_required(fresh=True)
    def borrar_cuenta():
        usuario = usuario_actual()
        if usuario is None:
            return token_sin_usuario()
        if usuario.rol == "admin" and cuantos_admins() <= 1:
            return error("El último administrador no puede borrar su cuenta: nombra antes a otro admin.", 409)
        db.session.execute(db.delete(Articulo).where(Articulo.autor_id == usuario.id))
        db.session.delete(usuario)
        db.session.commit()
        return "", 204

    # ── Artículos ────────────────────────────────────────────────────────────

    def puede_ver(articulo):
        """Los publicados los ve cualquiera; los borradores, solo su autor."""
        if articulo.publicado:
            return True
        usuario = usuario_actual()
        return usuario is not None and articulo.autor_id == usuario.id

    def exigir_autor(articulo):
        """``None`` si el usuario del token puede modificar el artículo; si no, la respuesta de error (401 o 403)."""
        usuario = usuario_actual()
        if usuario is None:
            return token_sin_usuario()
        if usuario.rol == "admin":
            return None
        if articulo.autor_id != usuario.id:
            return error("Solo el autor puede modificar o borrar este artículo.", 403)
        return None

    @app.get("/api/articulos")
    @jwt_required(optional=True)
    def listar_articulos():
        consulta = db.select(Articulo).order_by(Articulo.id)
        usuario = usuario_actual()
        if usuario is None:
            consulta = consulta.where(Articulo.publicado)
        else:
            consulta = consulta.where(db.or_(Articulo.publicado, Articulo.autor_id == usuario.id))
        articulos = db.session.scalars(consulta)
        return jsonify([articulo.a_dict() for articulo in articulos])

    @app.get("/api/articulos/<int:articulo_id>")
    @jwt_required(optional=True)
    def obtener_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»
            return no_encontrado(articulo_id)
        return jsonify(articulo.a_dict())

    @app.post("/api/articulos")
    @rol_requerido("editor", "admin")
    def crear_articulo():
        autor = usuario_actual()
        if autor is None:
            return token_sin_usuario()
        campos, mensaje = validar_articulo(leer_json())
        if mensaje:
            return error(mensaje, 400)
        articulo = Articulo(**campos, autor_id=autor.id)
        db.session.add(articulo)
        db.session.commit()
        ubicacion = url_for("obtener_articulo", articulo_id=articulo.id)
        return jsonify(articulo.a_dict()), 201, {"Location": ubicacion}

    @app.put("/api/articulos/<int:articulo_id>")
    @app.patch("/api/articulos/<int:articulo_id>")
    @rol_requerido("editor", "admin")
    def actualizar_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
            return no_encontrado(articulo_id)
        if respuesta := exigir_autor(articulo):
            return respuesta
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
    @rol_requerido("editor", "admin")
    def eliminar_articulo(articulo_id):
        articulo = buscar(articulo_id)
        if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
            return no_encontrado(articulo_id)
        if respuesta := exigir_autor(articulo):
            return respuesta
        db.session.delete(articulo)
        db.session.commit()
        return "", 204

    # ── Administración de usuarios ───────────────────────────────────────────

    def buscar_usuario(usuario_id):
        if usuario_id > MAX_ID:
            return None
        return db.session.get(Usuario, usuario_id)

    @app.get("/api/admin/usuarios")
    @rol_requerido("admin")
    def listar_usuarios():
        usuarios = db.session.scalars(db.select(Usuario).order_by(Usuario.id))
        return jsonify([usuario.a_dict() for usuario in usuarios])

    @app.patch("/api/admin/usuarios/<int:usuario_id>")
    @rol_requerido("admin")
    def cambiar_rol(usuario_id):
        rol, mensaje = validar_rol(leer_json())
        if mensaje:
            return error(mensaje, 400)
        usuario = buscar_usuario(usuario_id)
        if usuario is None:
            return error(f"No existe ningún usuario con id {usuario_id}.", 404)
        if usuario.rol == "admin" and rol != "admin" and cuantos_admins() <= 1:
            return error("No se puede quitar el rol de admin al último administrador: nombra antes a otro.", 409)
        usuario.rol = rol
        db.session.commit()
        return jsonify(usuario.a_dict())

    @app.cli.command("crear-admin")
    @click.argument("email")
    @click.option("--nombre", help="Nombre, si el usuario es nuevo (si no lo das, se pregunta).")
    @click.option("--password", help="Contraseña, si el usuario es nuevo (si no la das, se pide sin mostrarla).")
    def crear_admin(email, nombre, password):
        """Crea un administrador con EMAIL, o da el rol admin al usuario que ya lo tiene."""
        email = email.strip().lower()
        if len(email) > MAX_EMAIL or not EMAIL.match(email):
            raise click.ClickException(f"«{email}» no es un email válido.")
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email))
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
        if mensaje := problema_de_password(password):
            raise click.ClickException(mensaje)
        usuario = Usuario(email=email, nombre=nombre, password_hash=cifrar(password), rol="admin")
        db.session.add(usuario)
        db.session.commit()
        click.echo(f"Administrador {usuario.id} creado: {usuario.email}")

    @app.errorhandler(AlmacenNoDisponible)
    def almacen_no_disponible(e):
        app.logger.error("El almacén de revocados no responde: %s", e.__cause__)
        return error(NO_DISPONIBLE, 503)

    @app.errorhandler(HTTPException)
    def error_http(e):
        """La API responde siempre en JSON, nunca con una página HTML: el sobre con el código de cada estado."""
        # TODO (tarea 3): el sobre para todo error HTTP, con su mensaje en español y su código.
        respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
        respuesta.status_code = e.code
        if e.code == 405 and getattr(e, "valid_methods", None):  # abort(405) a secas no las trae
            respuesta.headers["Allow"] = ", ".join(e.valid_methods)
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
    429: "Demasiados intentos: espera un poco antes de volver a probar (mira la cabecera Retry-After).",
    500: "Error interno del servidor.",
}
