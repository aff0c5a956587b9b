"""Lección 08 · JWT en el navegador: cookies HttpOnly, CSRF, SameSite y CORS.

La semilla («pasando el jwt en un template de flask») creaba un token para
«admin» sin pedir contraseña y lo dejaba en un ``<input type="hidden">`` y en
``console.log``: cualquier visitante, y cualquier script de la página, era
admin. Esta demo tiene dos caras:

* ``VARIANTE_INSEGURA=True`` (apagada por defecto, **solo para ver el fallo**):
  la página de la semilla en ``/inseguro/``, con el token en el HTML y en
  ``localStorage``, unos comentarios que se pintan sin escapar (un XSS
  almacenado) y CORS con ``*`` y credenciales;
* siempre, el modo cookies de Flask-JWT-Extended bien hecho: los tokens en
  cookies ``HttpOnly``, CSRF de doble envío (``X-CSRF-TOKEN``), ``SameSite=Lax``
  y ``Secure`` puestos a mano, la cookie del refresh token limitada a su ruta,
  refresco implícito en ``after_request``, un logout que revoca y borra las
  cookies y CORS con orígenes explícitos. Los clientes de la API siguen usando
  la cabecera ``Authorization``.

Ponla en marcha con::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app lessons/08_navegador/app.py crear-usuario ana@example.com --nombre Ana
    flask --app lessons/08_navegador/app.py run
    VARIANTE_INSEGURA=1 flask --app lessons/08_navegador/app.py run   # la página de la semilla
"""

import os
import secrets
import time
from datetime import timedelta

import bcrypt
import click
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_cors import CORS
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_jwt,
    get_jwt_request_location,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_jwt_extended.exceptions import CSRFError
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
MAX_PASSWORD_BYTES = 72  # bcrypt no admite más
MAX_TITULO, MAX_CONTENIDO = 200, 5000
EMISOR = "taller-flask-jwt/08_navegador"  # «iss»: esta app firma los tokens…
AUDIENCIA = "taller-flask-jwt/08_navegador/api"  # …y «aud»: solo esta app los acepta
# La cabecera Content-Security-Policy de las páginas seguras: solo scripts de nuestro origen, ninguno en línea.
MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande.",
    415: "Tipo de contenido no admitido.",
}
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


class Usuario(db.Model):
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    nombre = db.Column(db.String(100), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)

    def a_dict(self):
        return {"id": self.id, "email": self.email, "nombre": self.nombre}


class Articulo(db.Model):
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    titulo = db.Column(db.String(MAX_TITULO), nullable=False)
    contenido = db.Column(db.Text, nullable=False, default="")
    autor_id = db.Column(db.Integer, db.ForeignKey("usuario.id"), nullable=True)

    def a_dict(self):
        return {"id": self.id, "titulo": self.titulo, "contenido": self.contenido, "autor_id": self.autor_id}


class TokenRevocado(db.Model):
    """Como en la lección 05: el ``jti`` de cada token revocado, hasta su ``exp``."""

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.Integer, nullable=False)


# ── El sobre de error (lección 07) ───────────────────────────────────────────


def error(mensaje, estado, codigo):
    """``{"error": mensaje, "codigo": codigo}``; los 401 llevan ``WWW-Authenticate`` (RFC 6750)."""
    respuesta = jsonify(error=mensaje, codigo=codigo)
    respuesta.status_code = estado
    if estado == 401:
        respuesta.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return respuesta


def registrar_errores(app, gestor_jwt):
    gestor_jwt.unauthorized_loader(lambda motivo: error("Falta el token: inicia sesión.", 401, "TOKEN_MISSING"))
    gestor_jwt.invalid_token_loader(lambda motivo: error("El token no es válido.", 401, "TOKEN_INVALID"))
    gestor_jwt.expired_token_loader(lambda c, d: error("El token ha caducado: renuévalo.", 401, "TOKEN_EXPIRED"))
    gestor_jwt.revoked_token_loader(
        lambda c, d: error("La sesión se cerró: inicia sesión de nuevo.", 401, "TOKEN_REVOKED")
    )
    gestor_jwt.user_lookup_error_loader(lambda c, d: error("El usuario del token ya no existe.", 401, "USER_NOT_FOUND"))

    # Después de JWTManager(app): sustituye a su manejador (un 401 «Missing CSRF token» en inglés).
    @app.errorhandler(CSRFError)
    def csrf_invalido(e):
        """La cookie del token llegó, pero sin la cabecera X-CSRF-TOKEN que la acompaña (o con otra)."""
        return error("Falta la cabecera X-CSRF-TOKEN o no coincide con tu sesión.", 403, "CSRF_INVALID")

    @app.errorhandler(HTTPException)
    def error_http(e):
        estado = e.code or 500
        return error(MENSAJES_HTTP.get(estado, "La petición no se pudo atender."), estado, f"HTTP_{estado}")

    @app.errorhandler(Exception)
    def error_interno(e):
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500, "INTERNAL_ERROR")


# ── Configuración ────────────────────────────────────────────────────────────


def configurar_cookies(app):
    """Las opciones de las cookies, puestas a mano: los valores por defecto de la biblioteca no son seguros."""
    app.config.setdefault("JWT_COOKIE_SECURE", not app.debug)  # por defecto False: viajaría también por http://
    app.config.setdefault("JWT_COOKIE_SAMESITE", "Lax")  # por defecto None: el navegador decide
    app.config.update(
        JWT_TOKEN_LOCATION=["headers", "cookies"],  # la API sigue aceptando «Authorization: Bearer …»
        JWT_COOKIE_CSRF_PROTECT=True,  # doble envío: cookie csrf_access_token + cabecera X-CSRF-TOKEN
        JWT_CSRF_IN_COOKIES=True,
        JWT_ACCESS_COOKIE_PATH="/",
        JWT_REFRESH_COOKIE_PATH="/auth/refresh",  # el refresh token solo viaja a la ruta que lo usa
    )


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


def origenes_del_entorno():
    """``ORIGENES_PERMITIDOS="http://127.0.0.1:5173,https://app.example.com"`` → una lista (vacía por defecto)."""
    return [o.strip() for o in os.environ.get("ORIGENES_PERMITIDOS", "").split(",") if o.strip()]


def configurar_cors(app):
    """CORS con Flask-CORS: orígenes explícitos y credenciales (cookies) solo para ellos."""
    origenes = app.config["ORIGENES_PERMITIDOS"]
    if app.config["VARIANTE_INSEGURA"]:
        # ¡LA TRAMPA CLÁSICA! Con «*» y credenciales, Flask-CORS devuelve el Origin de quien pregunte:
        # cualquier web lee las respuestas de la API con las cookies de tu usuario.
        CORS(app, origins="*", supports_credentials=True)
        return
    if "*" in origenes:
        raise ValueError("ORIGENES_PERMITIDOS no admite «*» con cookies: escribe cada origen (esquema://host:puerto).")
    CORS(
        app,
        resources={r"/api/*": {}, r"/auth/*": {}},
        origins=origenes,
        supports_credentials=True,
        allow_headers=["Content-Type", "X-CSRF-TOKEN", "Authorization"],
        max_age=600,
    )


def url_de_base_de_datos(carpeta_instance):
    return os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(carpeta_instance, "navegador.sqlite")


# ── Ayudantes ────────────────────────────────────────────────────────────────


def leer_json():
    """El cuerpo JSON si es un objeto, o ``None`` (texto, lista, ``null``, JSON roto, formulario…)."""
    try:
        datos = request.get_json(silent=True)
    except RecursionError:
        return None
    return datos if isinstance(datos, dict) else None


def cifrar(password):
    coste = current_app.config["BCRYPT_LOG_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")


def revocar(jti, exp):
    db.session.merge(TokenRevocado(jti=jti, caduca_en=int(exp)))
    db.session.commit()


def sesion_de(refresh_token):
    """``{"jti", "exp"}`` del refresh token: el claim «sesion» del access token (el logout revoca los dos)."""
    claims = decode_token(refresh_token, allow_expired=True)
    return {"jti": claims["jti"], "exp": claims["exp"]}


def iniciar_sesion_con_cookies(respuesta, usuario):
    """Pone los dos tokens en cookies HttpOnly (y sus dos cookies CSRF legibles) en ``respuesta``."""
    identidad = str(usuario.id)  # sub: siempre un texto
    refresh_token = create_refresh_token(identity=identidad)
    access_token = create_access_token(
        identity=identidad, fresh=True, additional_claims={"sesion": sesion_de(refresh_token)}
    )
    set_access_cookies(respuesta, access_token)
    set_refresh_cookies(respuesta, refresh_token)
    return respuesta


def renovar_si_caduca_pronto(respuesta):
    """El refresco implícito: si el access token de la cookie caduca pronto, va uno nuevo en esta respuesta."""
    if g.get("sin_renovar") or get_jwt_request_location() != "cookies":
        return respuesta  # sin token, con cabecera (el cliente de la API refresca él) o tras el logout
    datos = get_jwt()
    if datos.get("type") != "access" or datos["exp"] - time.time() > current_app.config["RENOVAR_ANTES"]:
        return respuesta
    nuevo = create_access_token(identity=datos["sub"], additional_claims={"sesion": datos.get("sesion")})
    set_access_cookies(respuesta, nuevo)
    return respuesta


def articulo_del_cuerpo():
    """``(titulo, contenido)`` del cuerpo, o un mensaje de error."""
    datos = leer_json()
    if datos is None:
        return 'El cuerpo debe ser un objeto JSON: {"titulo": "…", "contenido": "…"}.'
    titulo, contenido = datos.get("titulo"), datos.get("contenido", "")
    if not isinstance(titulo, str) or not titulo.strip() or len(titulo) > MAX_TITULO:
        return f"El campo «titulo» es obligatorio: un texto de 1 a {MAX_TITULO} caracteres."
    if not isinstance(contenido, str) or len(contenido) > MAX_CONTENIDO:
        return f"El campo «contenido» debe ser un texto de hasta {MAX_CONTENIDO} caracteres."
    return titulo.strip(), contenido


# ── La variante insegura: la página de la semilla ────────────────────────────


def registrar_variante_insegura(app):
    """¡CUIDADO! SOLO PARA VER EL FALLO. La página de la semilla y un XSS almacenado. No la copies."""
    comentarios = []  # en memoria: lo que escriba cualquiera, sin escapar

    @app.get("/inseguro/")
    def pagina_de_la_semilla():
        # Como la semilla: un token del primer usuario (el administrador) para cualquier visitante, sin iniciar sesión.
        token = create_access_token(identity="1")
        return render_template("inseguro.html", jwt_token=token, comentarios=comentarios)

    @app.post("/inseguro/comentarios")
    def comentar():
        datos = leer_json() or {}
        comentarios.append(str(datos.get("texto", "")))  # se guarda tal cual… y se pinta con |safe
        return jsonify(total=len(comentarios)), 201


# ── La app ───────────────────────────────────────────────────────────────────


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=64 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=30),
        JWT_ENCODE_ISSUER=EMISOR,
        JWT_DECODE_ISSUER=EMISOR,
        JWT_ENCODE_AUDIENCE=AUDIENCIA,
        JWT_DECODE_AUDIENCE=AUDIENCIA,
        RENOVAR_ANTES=5 * 60,  # segundos: un access token que caduca antes se refresca solo
        ORIGENES_PERMITIDOS=origenes_del_entorno(),
        VARIANTE_INSEGURA=os.environ.get("VARIANTE_INSEGURA", "") not in ("", "0"),
        BCRYPT_LOG_ROUNDS=12,
    )
    if config:
        app.config.update(config)
    comprobar_secreto(app)
    configurar_cookies(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    registrar_errores(app, gestor_jwt)
    configurar_cors(app)

    @gestor_jwt.token_in_blocklist_loader
    def esta_revocado(cabecera, datos):
        return db.session.get(TokenRevocado, datos["jti"]) is not None

    @gestor_jwt.user_lookup_loader
    def cargar_usuario(cabecera, datos):
        return db.session.get(Usuario, int(datos["sub"])) if datos["sub"].isdecimal() else None

    with app.app_context():
        db.create_all()
        hash_ficticio = cifrar(secrets.token_urlsafe(16)).encode("ascii")

    def usuario_con_password(datos):
        """El usuario si el email y la contraseña cuadran (siempre una llamada a bcrypt), o ``None``."""
        email, password = datos.get("email"), datos.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or len(password.encode()) > 72:
            return None
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email.strip().lower()))
        guardado = usuario.password_hash.encode("ascii") if usuario else hash_ficticio
        return usuario if bcrypt.checkpw(password.encode("utf-8"), guardado) and usuario else None

    @app.after_request
    def despues_de_cada_peticion(respuesta):
        if request.endpoint == "inicio":
            respuesta.headers["Content-Security-Policy"] = CSP
        return renovar_si_caduca_pronto(respuesta)

    @app.get("/")
    def inicio():
        articulos = db.session.scalars(db.select(Articulo).order_by(Articulo.id)).all()
        # Lo que el script de la página necesita, con |tojson en la plantilla. Nunca el token.
        datos = {
            "rutas": {
                "perfil": "/api/perfil",
                "articulos": "/api/articulos",
                "login": "/web/login",
                "logout": "/auth/logout",
                "refresh": "/auth/refresh",
            }
        }
        return render_template("inicio.html", articulos=articulos, datos=datos)

    @app.post("/web/login")
    def login_web():
        """El inicio de sesión de la página: los tokens van en cookies; el cuerpo solo dice quién eres."""
        datos = leer_json()
        if datos is None:
            return error('El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.', 400, "VALIDATION_ERROR")
        usuario = usuario_con_password(datos)
        if usuario is None:
            return error("Email o contraseña incorrectos.", 401, "INVALID_CREDENTIALS")
        return iniciar_sesion_con_cookies(jsonify(usuario=usuario.a_dict()), usuario)

    @app.post("/auth/login")
    def login():
        """El inicio de sesión de la API (lecciones 02-07): los tokens en el cuerpo, para la cabecera Authorization."""
        datos = leer_json()
        if datos is None:
            return error('El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.', 400, "VALIDATION_ERROR")
        usuario = usuario_con_password(datos)
        if usuario is None:
            return error("Email o contraseña incorrectos.", 401, "INVALID_CREDENTIALS")
        refresh_token = create_refresh_token(identity=str(usuario.id))
        return jsonify(
            access_token=create_access_token(
                identity=str(usuario.id), fresh=True, additional_claims={"sesion": sesion_de(refresh_token)}
            ),
            refresh_token=refresh_token,
        )

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refrescar():
        datos = get_jwt()
        nuevo = create_access_token(
            identity=datos["sub"], additional_claims={"sesion": {"jti": datos["jti"], "exp": datos["exp"]}}
        )
        if get_jwt_request_location() != "cookies":
            return jsonify(access_token=nuevo)  # el cliente de la API, que lo mandará en la cabecera
        respuesta = jsonify(mensaje="Sesión refrescada.")  # el navegador: a la cookie, nunca al cuerpo
        set_access_cookies(respuesta, nuevo)
        return respuesta

    @app.post("/auth/logout")
    @jwt_required()
    def logout():
        datos = get_jwt()
        revocar(datos["jti"], datos["exp"])  # el access token…
        if sesion := datos.get("sesion"):
            revocar(sesion["jti"], sesion["exp"])  # …y el refresh token de su sesión
        g.sin_renovar = True  # que after_request no ponga otra cookie
        respuesta = jsonify(mensaje="Sesión cerrada.")
        unset_jwt_cookies(respuesta)  # y el navegador borra las cuatro cookies
        return respuesta

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        return jsonify(usuario=current_user.a_dict())

    @app.get("/api/articulos")
    def listar_articulos():
        articulos = db.session.scalars(db.select(Articulo).order_by(Articulo.id)).all()
        return jsonify(articulos=[a.a_dict() for a in articulos])

    @app.post("/api/articulos")
    @jwt_required()  # con la cookie, exige también X-CSRF-TOKEN
    def crear_articulo():
        campos = articulo_del_cuerpo()
        if isinstance(campos, str):
            return error(campos, 400, "VALIDATION_ERROR")
        articulo = Articulo(titulo=campos[0], contenido=campos[1], autor_id=current_user.id)
        db.session.add(articulo)
        db.session.commit()
        return jsonify(articulo.a_dict()), 201

    if app.config["VARIANTE_INSEGURA"]:
        app.logger.warning(
            "VARIANTE_INSEGURA: /inseguro/ reparte un token de administrador a cualquiera. "
            "Úsala solo para ver el fallo de la lección 08."
        )
        registrar_variante_insegura(app)

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
