"""Lección 05 · Revocación de tokens: del ``set()`` de la semilla a una tabla y a Redis con TTL.

Un JWT no se puede «borrar»: es un texto firmado que vale hasta su ``exp`` y que
el cliente guarda donde quiere. Para que deje de valer antes, el servidor apunta
su ``jti`` en una lista de revocados y Flask-JWT-Extended la consulta en cada
petición (``token_in_blocklist_loader``). Dónde vive esa lista lo decide
``ALMACEN_REVOCADOS``:

* ``memoria``: el ``set()`` de la semilla. Solo para ver cómo falla: no se
  comparte entre procesos, se olvida al reiniciar y crece sin fin;
* ``sqlite`` (por defecto): una tabla en la base de datos de la app
  (``DATABASE_URL`` para PostgreSQL);
* ``redis``: una clave por token con un TTL igual a lo que le queda de vida
  (``REDIS_URL``, por defecto ``redis://127.0.0.1:6379/0``).

Ponla en marcha con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app lessons/05_revocacion/app.py crear-usuario ana@example.com --nombre Ana
    flask --app lessons/05_revocacion/app.py run
    ALMACEN_REVOCADOS=redis flask --app lessons/05_revocacion/app.py run
"""

import math
import os
import re
import secrets
import time
from datetime import timedelta

import bcrypt
import click
import redis
from flask import Flask, current_app, jsonify, request, url_for
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
)
from flask_sqlalchemy import SQLAlchemy
from jwt.exceptions import PyJWTError
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import SQLAlchemyError
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
ALMACENES = ("memoria", "sqlite", "redis")
ESPERA_REDIS = 0.25  # segundos para conectar y otros tantos para responder: un 503 en menos de 1 s
NO_DISPONIBLE = "El servicio de sesiones no está disponible ahora mismo; inténtalo de nuevo en unos segundos."


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class ConfiguracionMala(RuntimeError):
    """Un valor de configuración que no se entiende."""


class AlmacenNoDisponible(Exception):
    """El almacén de revocados no responde: no sabemos si el token está revocado (se responde 503)."""


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


class TokenRevocado(db.Model):
    """Un token revocado: su ``jti`` y cuándo caduca (después ya no hace falta recordarlo)."""

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.Integer, nullable=False, index=True)  # el ``exp`` del token (segundos desde 1970)


class SesionesCerradas(db.Model):
    """«Cerrar todas las sesiones»: los tokens de este usuario emitidos antes de ``desde`` no valen."""

    usuario = db.Column(db.String(32), primary_key=True)  # el ``sub`` de sus tokens
    desde = db.Column(db.Float, nullable=False)  # segundos desde 1970, con fracción
    caduca_en = db.Column(db.Integer, nullable=False)  # después, todos esos tokens han caducado solos


def segundos_que_le_quedan(exp):
    """Cuánto le queda de vida a un token que caduca en ``exp``: el TTL de su entrada (0 si ya caducó)."""
    return max(0, math.ceil(exp - time.time()))


def vida_maxima(app):
    """La vida del token más largo (el refresh token), en segundos: ningún token anterior la sobrevive."""
    vida = app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    return int(vida.total_seconds()) if isinstance(vida, timedelta) else int(vida)


# ¡CUIDADO! ESTE ALMACÉN ESTÁ AQUÍ SOLO PARA VER CÓMO FALLA. No lo uses nunca.
# Es el ``tokens_revocados = set()`` de la semilla: cada proceso (cada worker de
# gunicorn) tiene su propio conjunto, así que un token revocado en uno sigue
# valiendo en los demás; al reiniciar se vacía y los tokens revocados vuelven a
# valer; y nadie saca nunca nada: crece mientras el servidor esté encendido.
tokens_revocados = set()
sesiones_cerradas = {}


class AlmacenEnMemoria:
    """El ``set()`` de la semilla (ver el aviso de arriba)."""

    nombre = "memoria"

    def revocar(self, jti, exp):
        tokens_revocados.add(jti)

    def cerrar_sesiones(self, usuario, desde):
        sesiones_cerradas[usuario] = desde

    def esta_revocado(self, jti, usuario, emitido):
        return jti in tokens_revocados or emitido < sesiones_cerradas.get(usuario, 0)


class AlmacenSQL:
    """Una tabla de la base de datos de la app: la comparten todos los procesos y sobrevive a un reinicio."""

    nombre = "sqlite"

    def __init__(self, vida_maxima):
        self.vida_maxima = vida_maxima

    def revocar(self, jti, exp):
        db.session.merge(TokenRevocado(jti=jti, caduca_en=exp))  # merge: revocar dos veces no es un error
        self._guardar()

    def cerrar_sesiones(self, usuario, desde):
        db.session.merge(SesionesCerradas(usuario=usuario, desde=desde, caduca_en=math.ceil(desde) + self.vida_maxima))
        self._guardar()

    def esta_revocado(self, jti, usuario, emitido):
        try:
            if db.session.get(TokenRevocado, jti) is not None:
                return True
            cerradas = db.session.get(SesionesCerradas, usuario)
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e
        return cerradas is not None and emitido < cerradas.desde

    def purgar(self):
        """Borra lo que ya caducó (un token caducado se rechaza igual): la tabla no crece sin fin."""
        ahora = int(time.time())
        borrados = db.session.execute(db.delete(TokenRevocado).where(TokenRevocado.caduca_en < ahora)).rowcount
        borrados += db.session.execute(db.delete(SesionesCerradas).where(SesionesCerradas.caduca_en < ahora)).rowcount
        self._guardar()
        return borrados

    def _guardar(self):
        try:
            db.session.commit()
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e


class AlmacenRedis:
    """Una clave por token revocado con TTL = lo que le queda de vida: Redis la borra sola cuando caduca."""

    nombre = "redis"

    def __init__(self, url, prefijo, vida_maxima):
        self.prefijo = prefijo
        self.vida_maxima = vida_maxima
        # Tiempos de espera cortos y sin reintentos: si Redis no contesta, 503 enseguida (nunca colgados).
        self.redis = redis.Redis.from_url(
            url, socket_connect_timeout=ESPERA_REDIS, socket_timeout=ESPERA_REDIS, retry=Retry(NoBackoff(), 0)
        )

    def clave_token(self, jti):
        return f"{self.prefijo}jti:{jti}"

    def clave_usuario(self, usuario):
        return f"{self.prefijo}usuario:{usuario}"

    def revocar(self, jti, exp):
        ttl = segundos_que_le_quedan(exp)
        if ttl > 0:  # un token ya caducado no hace falta apuntarlo
            self._pedir(self.redis.set, self.clave_token(jti), "revocado", ex=ttl)

    def cerrar_sesiones(self, usuario, desde):
        self._pedir(self.redis.set, self.clave_usuario(usuario), repr(desde), ex=self.vida_maxima)

    def esta_revocado(self, jti, usuario, emitido):
        revocado, desde = self._pedir(self.redis.mget, self.clave_token(jti), self.clave_usuario(usuario))
        return revocado is not None or (desde is not None and emitido < float(desde))

    @staticmethod
    def _pedir(orden, *args, **kwargs):
        try:
            return orden(*args, **kwargs)
        except redis.RedisError as e:  # caído, lento, URL mala…: nunca un 500, nunca aceptar a ciegas
            raise AlmacenNoDisponible from e


def crear_almacen(app):
    """El almacén que pide ``ALMACEN_REVOCADOS`` (por defecto ``redis`` si hay ``REDIS_URL``; si no, ``sqlite``)."""
    nombre = app.config["ALMACEN_REVOCADOS"] or ("redis" if app.config["REDIS_URL"] else "sqlite")
    if nombre not in ALMACENES:
        raise ConfiguracionMala(f"ALMACEN_REVOCADOS debe ser uno de {', '.join(ALMACENES)}, no «{nombre}».")
    if nombre == "memoria":
        app.logger.warning(
            "ALMACEN_REVOCADOS=memoria: los tokens revocados se guardan en un set() de ESTE proceso. Otro worker "
            "los seguirá aceptando y al reiniciar se olvidan. Úsalo solo para ver el fallo de la lección 05."
        )
        return AlmacenEnMemoria()
    if nombre == "redis":
        url = app.config["REDIS_URL"] or "redis://127.0.0.1:6379/0"
        return AlmacenRedis(url, app.config["REDIS_PREFIJO"], vida_maxima(app))
    return AlmacenSQL(vida_maxima(app))


def almacen():
    """El almacén de revocados de la app actual."""
    return current_app.extensions["revocados"]


def claims_de_todo_token(identidad):
    """``iat`` con fracción de segundo (el RFC 7519 lo permite): «emitido antes de T» no depende del redondeo."""
    return {"iat": time.time()}


def token_revocado(cabecera, datos):
    """El ``token_in_blocklist_loader``: Flask-JWT-Extended la llama en cada petición con un token válido."""
    return almacen().esta_revocado(datos["jti"], datos["sub"], datos["iat"])


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


def refresh_token_del_cuerpo():
    """Los claims del ``refresh_token`` opcional del cuerpo del logout, ``None`` si no viene, o un mensaje de error."""
    if not request.get_data(cache=True):  # sin cuerpo: solo se revoca el access token
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
        claims = decode_token(token, allow_expired=True)  # caducado: ya no vale, pero es de esta app
    except PyJWTError:
        return "El «refresh_token» no es un token válido de esta aplicación."
    if claims.get("type") != "refresh":
        return "El «refresh_token» no es un refresh token."
    if claims.get("sub") != get_jwt_identity():
        return "El «refresh_token» es de otro usuario."
    return claims


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "revocacion.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def sesion_de(refresh_token):
    """``{"jti", "exp"}`` de un refresh token: el claim «sesion» que liga a él cada access token.

    Así el logout, con solo el access token, sabe qué refresh token revocar.
    """
    claims = decode_token(refresh_token, allow_expired=True)  # recién creado: solo caduca si la vida configurada es ≤ 0
    return {"jti": claims["jti"], "exp": claims["exp"]}


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # nunca escrita en el código
        # iss y aud: emite y acepta solo sus tokens, aunque otra app comparta la clave (RFC 8725, 3.8 y 3.9)
        JWT_ENCODE_ISSUER="taller-flask-jwt/leccion-05",
        JWT_DECODE_ISSUER="taller-flask-jwt/leccion-05",
        JWT_ENCODE_AUDIENCE="taller-flask-jwt/leccion-05/demo",
        JWT_DECODE_AUDIENCE="taller-flask-jwt/leccion-05/demo",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=30),
        ALMACEN_REVOCADOS=os.environ.get("ALMACEN_REVOCADOS"),  # memoria, sqlite o redis
        REDIS_URL=os.environ.get("REDIS_URL"),
        REDIS_PREFIJO=os.environ.get("REDIS_PREFIJO", "taller05:"),
        BCRYPT_LOG_ROUNDS=12,
    )
    if config:
        app.config.update(config)
    comprobar_secreto(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    gestor_jwt.additional_claims_loader(claims_de_todo_token)
    gestor_jwt.token_in_blocklist_loader(token_revocado)  # en cada petición: ¿está revocado?
    app.extensions["revocados"] = crear_almacen(app)
    with app.app_context():
        db.create_all()
        # Un hash de verdad que no es de nadie: con un email desconocido también se llama a checkpw.
        hash_ficticio = cifrar(secrets.token_urlsafe(16)).encode("ascii")

    @app.after_request
    def decir_el_proceso(respuesta):
        """Qué proceso atendió la petición: con varios workers se ve quién recuerda qué."""
        respuesta.headers["X-Proceso"] = str(os.getpid())
        return respuesta

    @app.get("/")
    def inicio():
        return jsonify(
            mensaje="Revocación: inicia sesión, usa el token y ciérrala en POST /auth/logout; "
            "el token deja de valer aunque no haya caducado.",
            almacen=almacen().nombre,
            rutas=[
                url_for("login"),
                url_for("refrescar"),
                url_for("perfil"),
                url_for("logout"),
                url_for("logout_todo"),
            ],
        )

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
        # Siempre una llamada a checkpw: la respuesta tarda lo mismo exista o no el email.
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        correcta = bcrypt.checkpw(password.encode("utf-8"), guardado)
        if usuario is None or not correcta:
            return error("Email o contraseña incorrectos.", 401)  # el mismo mensaje en los dos casos
        identidad = str(usuario.id)  # sub: siempre un texto
        refresh_token = create_refresh_token(identity=identidad)
        # El claim «sesion» liga el access token a su refresh token: el logout revoca los dos.
        return jsonify(
            access_token=create_access_token(
                identity=identidad, fresh=True, additional_claims={"sesion": sesion_de(refresh_token)}
            ),
            refresh_token=refresh_token,
        )

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)  # un refresh token revocado recibe 401 «Token has been revoked»
    def refrescar():
        usuario = buscar_usuario(get_jwt_identity())
        if usuario is None:
            return error("El usuario del token ya no existe.", 401)
        sesion = {"jti": get_jwt()["jti"], "exp": get_jwt()["exp"]}  # el refresh token de esta petición
        return jsonify(access_token=create_access_token(identity=str(usuario.id), additional_claims={"sesion": sesion}))

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        usuario = buscar_usuario(get_jwt_identity())
        if usuario is None:
            return error("El usuario del token ya no existe.", 401)
        return jsonify(usuario=usuario.a_dict(), proceso=os.getpid())

    @app.post("/auth/logout")
    @jwt_required()
    def logout():
        refresh = refresh_token_del_cuerpo()
        if isinstance(refresh, str):
            return error(refresh, 400)
        datos = get_jwt()
        almacen().revocar(datos["jti"], datos["exp"])  # el access token de esta petición
        # Y el refresh token de su sesión: si no, seguiría fabricando access tokens 30 días.
        if sesion := datos.get("sesion"):
            almacen().revocar(sesion["jti"], sesion["exp"])
        if refresh is not None:  # y el que venga en el cuerpo, si viene
            almacen().revocar(refresh["jti"], refresh["exp"])
        return jsonify(mensaje="Sesión cerrada.")

    @app.post("/auth/logout-todo")
    @jwt_required()
    def logout_todo():
        # Cualquier token de este usuario emitido antes de este instante deja de valer, esté donde esté.
        almacen().cerrar_sesiones(get_jwt_identity(), time.time())
        return jsonify(mensaje="Se han cerrado todas tus sesiones, también esta.")

    @app.errorhandler(AlmacenNoDisponible)
    def almacen_no_disponible(e):
        """Sin almacén no sabemos si el token está revocado: se falla de forma segura, con un 503 en JSON."""
        app.logger.error("El almacén de revocados no responde: %s", e.__cause__)
        respuesta, estado = error(NO_DISPONIBLE, 503)
        respuesta.headers["Retry-After"] = "5"
        return respuesta, estado

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
        usuario = Usuario(email=email_normalizado, nombre=nombre.strip()[:MAX_NOMBRE], password_hash=cifrar(password))
        db.session.add(usuario)
        db.session.commit()
        click.echo(f"Usuario {usuario.id} creado: {usuario.email}")

    @app.cli.command("purgar-revocados")
    def purgar_revocados():
        """Borra de la tabla los tokens revocados que ya caducaron (con Redis no hace falta: los borra el TTL)."""
        if not isinstance(almacen(), AlmacenSQL):
            raise click.ClickException(f"Con ALMACEN_REVOCADOS={almacen().nombre} no hay nada que purgar.")
        click.echo(f"Borradas {almacen().purgar()} entradas caducadas.")

    @app.cli.command("reiniciar-db")
    def reiniciar_db():
        """Borra y vuelve a crear las tablas (se pierden los usuarios y los revocados)."""
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
