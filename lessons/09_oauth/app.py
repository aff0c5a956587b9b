"""Lección 09 · OAuth2 y OpenID Connect: «Iniciar sesión con…» con el cliente Flask de Authlib.

La semilla («OAuth2: Login con Terceros») registraba Google y GitHub con Authlib,
pero sin ``SECRET_KEY`` la redirección daba un 500 (Authlib guarda el ``state`` en
la sesión), un ``state`` ausente o repetido también daba un 500
(``MismatchingStateError``), nuestros tokens viajaban en la URL de vuelta y las
cuentas se emparejaban solo por el email, aunque el proveedor no lo hubiera
verificado. Aquí cada proveedor OpenID Connect se configura con su URL de
descubrimiento (Google, el proveedor local ``taller proveedor-oidc`` o cualquier
otro), GitHub como OAuth2 simple, las cuentas se vinculan por (proveedor, ``sub``),
cada ``OAuthError`` es un 400 en español y nuestros tokens llegan al navegador en
cookies HttpOnly o con un código de un solo uso que se canjea por POST.

Variables de entorno:

``SECRET_KEY`` y ``JWT_SECRET_KEY``
    Al menos 32 bytes aleatorios cada una; sin ellas solo arranca en depuración o pruebas.
``OAUTH_PROVEEDORES``
    Los proveedores, separados por comas (por defecto ``oidc``): ``oidc,google,github``.
``OAUTH_<NOMBRE>_DISCOVERY_URL``, ``OAUTH_<NOMBRE>_CLIENT_ID``, ``OAUTH_<NOMBRE>_CLIENT_SECRET``
    Los de cada proveedor OpenID Connect. ``OIDC`` apunta por defecto al proveedor local
    (``http://127.0.0.1:9000``, cliente ``taller-demo``); ``GOOGLE``, al descubrimiento de Google.
``OAUTH_GITHUB_CLIENT_ID``, ``OAUTH_GITHUB_CLIENT_SECRET`` (y ``OAUTH_GITHUB_URL_WEB``, ``OAUTH_GITHUB_URL_API``)
    GitHub, que no es OpenID Connect; las URL solo cambian para probar contra un sustituto local.
``COOKIES_SEGURAS``
    ``0`` quita el atributo ``Secure`` de las cookies (por defecto solo se quita en depuración o pruebas).

Ponla en marcha con el proveedor local (en otra terminal, ``taller proveedor-oidc``)::

    export OAUTH_OIDC_CLIENT_SECRET=…   # el que anuncia taller proveedor-oidc
    flask --app lessons/09_oauth/app.py run --debug
"""

import hashlib
import os
import secrets
from datetime import UTC, datetime, timedelta

import bcrypt
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, jsonify, redirect, render_template_string, request, session, url_for
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_sqlalchemy import SQLAlchemy
from joserfc.errors import JoseError
from markupsafe import Markup

db = SQLAlchemy()

MIN_BYTES_SECRETO = 32
COMO_GENERAR = 'export {0}=$(python -c "import secrets; print(secrets.token_hex(32))")'
MAX_PASSWORD_BYTES = 72
EMISOR = "taller-leccion-09"  # el iss de nuestros tokens
AUDIENCIA = "taller-leccion-09-api"  # y su aud: otra app con la misma clave no los acepta
DESCUBRIMIENTO = {
    "oidc": "http://127.0.0.1:9000/.well-known/openid-configuration",
    "google": "https://accounts.google.com/.well-known/openid-configuration",
}
NOMBRES = {"oidc": "el proveedor del taller", "google": "Google", "github": "GitHub"}
DURACION_CODIGO_DE_ENTREGA = timedelta(seconds=60)


class SecretoDebil(RuntimeError):
    """La app no arranca sin secretos fuertes."""


class Usuario(db.Model):
    __table_args__ = {"sqlite_autoincrement": True}  # un id borrado no se reutiliza
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True)  # solo emails de los que nos fiamos
    nombre = db.Column(db.String(100), nullable=False)
    password_hash = db.Column(db.String(60))  # None: la cuenta solo entra con un proveedor
    identidades = db.relationship("Identidad", back_populates="usuario", order_by="Identidad.id")

    def a_dict(self):
        return {
            "id": self.id,
            "email": self.email,
            "nombre": self.nombre,
            "identidades": [{"proveedor": i.proveedor, "sub": i.sub} for i in self.identidades],
        }


class Identidad(db.Model):
    """Una cuenta de un proveedor, vinculada a un usuario por (proveedor, sub): el sub no cambia, el email sí."""

    __table_args__ = (db.UniqueConstraint("proveedor", "sub"),)
    id = db.Column(db.Integer, primary_key=True)
    proveedor = db.Column(db.String(40), nullable=False)
    sub = db.Column(db.String(255), nullable=False)
    email = db.Column(db.String(254))  # lo que dijo el proveedor, verificado o no
    email_verificado = db.Column(db.Boolean, nullable=False, default=False)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id"), nullable=False)
    usuario = db.relationship("Usuario", back_populates="identidades")


class CodigoDeEntrega(db.Model):
    """Un código de un solo uso que el frontend canjea por POST por nuestros tokens (guardamos su hash)."""

    huella = db.Column(db.String(64), primary_key=True)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id"), nullable=False)
    expira = db.Column(db.DateTime, nullable=False)


# ── Configuración: secretos y proveedores ────────────────────────────────────


def comprobar_secretos(app):
    """``SECRET_KEY`` (la sesión guarda state, nonce y code_verifier) y ``JWT_SECRET_KEY``: 32 bytes o más."""
    for variable in ("SECRET_KEY", "JWT_SECRET_KEY"):
        clave = app.config.get(variable)
        if not clave and (app.debug or app.testing):
            app.config[variable] = secrets.token_hex(32)  # solo para esta ejecución
        elif not clave:
            raise SecretoDebil(
                f"Falta {variable} en el entorno. Genera una clave con:\n    {COMO_GENERAR.format(variable)}"
            )
        elif len(str(clave).encode("utf-8")) < MIN_BYTES_SECRETO:
            raise SecretoDebil(
                f"{variable} es débil: necesita al menos {MIN_BYTES_SECRETO} bytes aleatorios. "
                f"Genera una con:\n    {COMO_GENERAR.format(variable)}"
            )


def proveedores_del_entorno(entorno):
    """``{nombre: datos}`` de los proveedores de ``OAUTH_PROVEEDORES`` que tienen client_id y secreto."""
    proveedores = {}
    for nombre in entorno.get("OAUTH_PROVEEDORES", "oidc").replace(" ", "").lower().split(","):
        if not nombre:
            continue
        prefijo = f"OAUTH_{nombre.upper()}_"
        datos = {
            "client_id": entorno.get(prefijo + "CLIENT_ID", "taller-demo" if nombre == "oidc" else None),
            "client_secret": entorno.get(prefijo + "CLIENT_SECRET"),
            "nombre": entorno.get(prefijo + "NOMBRE", NOMBRES.get(nombre, nombre)),
        }
        if nombre == "github":
            datos["url_web"] = entorno.get(prefijo + "URL_WEB", "https://github.com")
            datos["url_api"] = entorno.get(prefijo + "URL_API", "https://api.github.com")
        else:
            datos["discovery_url"] = entorno.get(prefijo + "DISCOVERY_URL", DESCUBRIMIENTO.get(nombre))
        if datos["client_id"] and datos["client_secret"] and (nombre == "github" or datos["discovery_url"]):
            proveedores[nombre] = datos
    return proveedores


def registrar_proveedores(oauth, proveedores):
    """Un cliente de Authlib por proveedor: los OpenID Connect solo con su descubrimiento; GitHub, a mano."""
    for nombre, datos in proveedores.items():
        if nombre == "github":  # OAuth2 sin OpenID Connect: ni id_token ni descubrimiento
            oauth.register(
                "github",
                client_id=datos["client_id"],
                client_secret=datos["client_secret"],
                authorize_url=f"{datos['url_web']}/login/oauth/authorize",
                access_token_url=f"{datos['url_web']}/login/oauth/access_token",
                api_base_url=f"{datos['url_api']}/",
                client_kwargs={
                    "scope": "read:user user:email",
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": "client_secret_post",
                },
            )
        else:
            oauth.register(
                nombre,
                client_id=datos["client_id"],
                client_secret=datos["client_secret"],
                server_metadata_url=datos["discovery_url"],
                client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            )


# ── Respuestas de error: una página o JSON en español, nunca un 500 ─────────


PAGINA = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>{{ titulo }}</title></head>
<body><h1>{{ titulo }}</h1>{{ cuerpo }}</body></html>"""

ERROR = """<p>{{ mensaje }}</p><p><a href="{{ url_for('inicio') }}">Volver al inicio</a></p>"""


def fallo(mensaje, estado, codigo):
    """El sobre ``{"error", "codigo"}`` si el cliente pide JSON; si no, una página en español."""
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=mensaje, codigo=codigo), estado
    cuerpo = Markup(render_template_string(ERROR, mensaje=mensaje))
    return render_template_string(PAGINA, titulo="No se pudo iniciar sesión", cuerpo=cuerpo), estado


def respuesta_a_oauth_error(e):
    """Cada ``OAuthError`` de Authlib, en palabras: el error del proveedor o el del state."""
    if e.error == "mismatching_state":
        return fallo(
            "La vuelta del proveedor no corresponde a ningún inicio de sesión en curso: falta el parámetro "
            "state, no coincide con el de tu sesión o ya se usó. Empieza de nuevo desde «Iniciar sesión con…».",
            400,
            "STATE_INVALIDO",
        )
    if e.error == "access_denied":
        return fallo(
            "Has cancelado el inicio de sesión en el proveedor: no se ha compartido nada.", 400, "ACCESO_DENEGADO"
        )
    return fallo(f"El proveedor respondió con un error ({e.error}). Vuelve a intentarlo.", 400, "ERROR_DEL_PROVEEDOR")


# ── Vincular cuentas: por (proveedor, sub), nunca por un email sin verificar ──


def datos_de_oidc(cliente, token):
    """sub, email, email_verified y nombre: del id_token y, si faltan (solo ``sub``), de userinfo."""
    datos = dict(token["userinfo"])  # el id_token ya verificado por Authlib: firma, iss, aud, exp y nonce
    if "email" not in datos:
        extra = cliente.userinfo(token=token)
        if extra.get("sub") != datos["sub"]:  # OpenID Connect Core §5.3.2: debe ser el mismo usuario
            raise OAuthError(error="userinfo_de_otro_usuario")
        datos = {**extra, **datos}
    return datos


def datos_de_github(cliente, token):
    """GitHub: /user da el id (nuestro sub) y /user/emails el email principal y verificado, aunque sea privado."""
    perfil = cliente.get("user", token=token)
    perfil.raise_for_status()
    perfil = perfil.json()
    emails = cliente.get("user/emails", token=token)
    emails.raise_for_status()
    principal = next((e for e in emails.json() if e.get("primary")), None) or {}
    return {
        "sub": str(perfil["id"]),
        "email": principal.get("email"),
        "email_verified": principal.get("verified") is True,
        "name": perfil.get("name") or perfil.get("login"),
    }


def vincular(proveedor, datos, usuario_actual=None):
    """El usuario de esta identidad: ``(usuario, None)`` o ``(None, (mensaje, estado, codigo))``.

    1. Si (proveedor, sub) ya está vinculado, es ese usuario, diga lo que diga el email.
    2. Con la sesión iniciada, la identidad se vincula al usuario actual.
    3. Si no, solo un email **verificado** por el proveedor sirve para encontrar una cuenta
       (o crearla); un email sin verificar podría ser de cualquiera.
    """
    sub, email = str(datos["sub"]), (datos.get("email") or "").strip().lower() or None
    verificado = datos.get("email_verified") is True
    identidad = db.session.scalar(db.select(Identidad).filter_by(proveedor=proveedor, sub=sub))
    if identidad is not None:
        if usuario_actual is not None and identidad.usuario_id != usuario_actual.id:
            return None, ("Esa cuenta del proveedor ya está vinculada a otro usuario.", 409, "YA_VINCULADA")
        return identidad.usuario, None
    if usuario_actual is not None:
        usuario = usuario_actual
    elif email and verificado:
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email))
        if usuario is None:
            usuario = Usuario(email=email, nombre=(datos.get("name") or email.split("@")[0])[:100])
            db.session.add(usuario)
    else:
        return None, (
            "El proveedor no ha verificado tu email, así que no podemos saber si es tuyo. Verifícalo en el "
            "proveedor o, si ya tienes cuenta aquí, inicia sesión con tu contraseña y vincula el proveedor desde "
            "la página de inicio.",
            403,
            "EMAIL_NO_VERIFICADO",
        )
    db.session.add(Identidad(proveedor=proveedor, sub=sub, email=email, email_verificado=verificado, usuario=usuario))
    db.session.commit()
    return usuario, None


def entregar_tokens(usuario, respuesta):
    """Nuestros tokens, en cookies HttpOnly (SameSite=Lax; Secure fuera de depuración). Nunca en la URL."""
    identidad = str(usuario.id)
    set_access_cookies(respuesta, create_access_token(identity=identidad))
    set_refresh_cookies(respuesta, create_refresh_token(identity=identidad))
    return respuesta


def nuevo_codigo_de_entrega(usuario):
    codigo = secrets.token_urlsafe(32)
    huella = hashlib.sha256(codigo.encode()).hexdigest()
    expira = datetime.now(UTC).replace(tzinfo=None) + DURACION_CODIGO_DE_ENTREGA
    db.session.add(CodigoDeEntrega(huella=huella, usuario_id=usuario.id, expira=expira))
    db.session.commit()
    return codigo


# ── MODO_SEMILLA: los errores de la semilla, a propósito (solo en depuración o pruebas) ──


def callback_de_la_semilla(cliente, proveedor):
    """Lo que hacía la semilla: sin capturar OAuthError (500), por email a secas y tokens en la URL."""
    token = cliente.authorize_access_token()  # MismatchingStateError → 500
    datos = datos_de_github(cliente, token) if proveedor == "github" else datos_de_oidc(cliente, token)
    usuario = db.session.scalar(db.select(Usuario).filter_by(email=datos["email"]))  # ¡sin mirar si está verificado!
    if usuario is None:
        usuario = Usuario(email=datos["email"], nombre=datos.get("name") or datos["email"])
        db.session.add(usuario)
        db.session.commit()
    identidad = str(usuario.id)
    return redirect(
        url_for(
            "inicio",
            access_token=create_access_token(identity=identidad),
            refresh_token=create_refresh_token(identity=identidad),
        )
    )


# ── La app ───────────────────────────────────────────────────────────────────

INICIO = """{% if usuario %}
<p>Has iniciado sesión como <strong>{{ usuario.nombre }}</strong> ({{ usuario.email or "sin email" }}).</p>
<ul>{% for i in usuario.identidades %}<li>Vinculada: {{ nombres.get(i.proveedor, i.proveedor) }}</li>{% endfor %}</ul>
{% for p in proveedores if p not in vinculados %}
<form method="post" action="{{ url_for('empezar_vinculo', proveedor=p) }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button>Vincular {{ nombres[p] }}</button></form>
{% endfor %}
<form method="post" action="{{ url_for('logout') }}"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<button>Cerrar sesión</button></form>
{% elif proveedores %}
<ul>{% for p in proveedores %}
<li><a href="{{ url_for('login', proveedor=p) }}">Iniciar sesión con {{ nombres[p] }}</a></li>{% endfor %}</ul>
{% else %}
<p>No hay ningún proveedor configurado: arranca <code>taller proveedor-oidc</code> y define
<code>OAUTH_OIDC_CLIENT_SECRET</code> con el secreto que anuncia (lee el README de la lección 09).</p>
{% endif %}"""


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(app.instance_path, "oauth.sqlite"),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),
        BCRYPT_LOG_ROUNDS=12,
        PROVEEDORES_OAUTH=proveedores_del_entorno(os.environ),
        ENTREGA_DE_TOKENS="cookies",  # o "codigo": un código de un uso en la URL, canjeado por POST /auth/canjear
        MODO_SEMILLA=os.environ.get("MODO_SEMILLA") == "1",  # ¡solo para ver los errores de la semilla!
        # Las cookies no distinguen puertos: cada app del taller nombra las suyas.
        SESSION_COOKIE_NAME="leccion09_sesion",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # la vuelta del proveedor es una navegación GET: Lax la deja pasar
        JWT_TOKEN_LOCATION=["cookies"],
        JWT_ACCESS_COOKIE_NAME="leccion09_acceso",
        JWT_REFRESH_COOKIE_NAME="leccion09_refresco",
        JWT_ACCESS_CSRF_COOKIE_NAME="leccion09_csrf_acceso",
        JWT_REFRESH_CSRF_COOKIE_NAME="leccion09_csrf_refresco",
        JWT_REFRESH_COOKIE_PATH="/auth/refresh",
        JWT_COOKIE_SAMESITE="Lax",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_CSRF_CHECK_FORM=True,  # los formularios de la página mandan csrf_token
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        JWT_ENCODE_ISSUER=EMISOR,
        JWT_DECODE_ISSUER=EMISOR,
        JWT_ENCODE_AUDIENCE=AUDIENCIA,
        JWT_DECODE_AUDIENCE=AUDIENCIA,
    )
    if config:
        app.config.update(config)
    seguras = os.environ.get("COOKIES_SEGURAS", "0" if app.debug or app.testing else "1") != "0"
    app.config.setdefault("JWT_COOKIE_SECURE", seguras)
    app.config["SESSION_COOKIE_SECURE"] = app.config["JWT_COOKIE_SECURE"]
    if app.config["MODO_SEMILLA"]:
        if not (app.debug or app.testing):
            raise RuntimeError("MODO_SEMILLA reproduce fallos de seguridad: solo en depuración o pruebas.")
        app.config["JWT_SECRET_KEY"] = app.config.get("JWT_SECRET_KEY") or secrets.token_hex(32)
    else:
        comprobar_secretos(app)

    db.init_app(app)
    gestor_jwt = JWTManager(app)
    oauth = OAuth(app)
    registrar_proveedores(oauth, app.config["PROVEEDORES_OAUTH"])

    @gestor_jwt.user_lookup_loader
    def cargar_usuario(cabecera, datos):
        return db.session.get(Usuario, int(datos["sub"])) if datos["sub"].isdecimal() else None

    @gestor_jwt.unauthorized_loader
    def sin_token(motivo):
        return jsonify(
            error="Inicia sesión primero (falta la cookie de sesión o su token CSRF).", codigo="TOKEN_MISSING"
        ), 401

    @gestor_jwt.invalid_token_loader
    def token_invalido(motivo):
        return jsonify(error="El token no es válido.", codigo="TOKEN_INVALID"), 401

    @gestor_jwt.expired_token_loader
    def token_caducado(cabecera, datos):
        return jsonify(error="El token ha caducado: pide otro en /auth/refresh.", codigo="TOKEN_EXPIRED"), 401

    @gestor_jwt.user_lookup_error_loader
    def usuario_no_encontrado(cabecera, datos):
        return jsonify(error="El usuario del token ya no existe.", codigo="USER_NOT_FOUND"), 401

    with app.app_context():
        db.create_all()

    def cliente_de(proveedor):
        if proveedor not in current_app.config["PROVEEDORES_OAUTH"]:
            abort(404)
        return oauth.create_client(proveedor)

    @app.errorhandler(404)
    def no_existe(e):
        return fallo("La ruta o el proveedor no existe.", 404, "NOT_FOUND")

    @app.errorhandler(requests.RequestException)
    def proveedor_inaccesible(e):
        current_app.logger.warning("El proveedor no responde: %s", e)
        return fallo(
            "No se pudo hablar con el proveedor: ¿está en marcha? Vuelve a intentarlo.", 502, "PROVEEDOR_INACCESIBLE"
        )

    @app.get("/")
    def inicio():
        verify_jwt_in_request(optional=True)
        usuario = current_user if get_jwt_identity() else None
        vinculados = {i.proveedor for i in usuario.identidades} if usuario else set()
        cuerpo = Markup(
            render_template_string(
                INICIO,
                usuario=usuario,
                proveedores=list(app.config["PROVEEDORES_OAUTH"]),
                vinculados=vinculados,
                csrf=get_jwt().get("csrf"),
                nombres={p: d["nombre"] for p, d in app.config["PROVEEDORES_OAUTH"].items()},
            )
        )
        return render_template_string(PAGINA, titulo="Lección 09 · Iniciar sesión con…", cuerpo=cuerpo)

    @app.get("/auth/<proveedor>/login")
    def login(proveedor):
        """Redirige al proveedor; Authlib guarda state, nonce y code_verifier en la sesión."""
        cliente = cliente_de(proveedor)
        return cliente.authorize_redirect(url_for("callback", proveedor=proveedor, _external=True))

    @app.post("/auth/<proveedor>/vincular")
    @jwt_required()
    def empezar_vinculo(proveedor):
        """Con la sesión iniciada (y su token CSRF): vincula otra cuenta al usuario actual."""
        cliente = cliente_de(proveedor)
        session["vincular_a"] = get_jwt_identity()
        return cliente.authorize_redirect(url_for("callback", proveedor=proveedor, _external=True))

    @app.get("/auth/<proveedor>/callback")
    def callback(proveedor):
        cliente = cliente_de(proveedor)
        if app.config["MODO_SEMILLA"]:
            return callback_de_la_semilla(cliente, proveedor)
        try:
            if proveedor != "github":  # RFC 9207: la vuelta dice quién la emite (evita la confusión de proveedores)
                emisor = cliente.load_server_metadata().get("issuer")
                if "iss" in request.args and request.args["iss"] != emisor:
                    raise OAuthError(error="emisor_incorrecto")
            token = cliente.authorize_access_token()  # comprueba el state y canjea el código con el code_verifier
            datos = datos_de_github(cliente, token) if proveedor == "github" else datos_de_oidc(cliente, token)
        except OAuthError as e:
            return respuesta_a_oauth_error(e)
        except JoseError as e:
            current_app.logger.info("id_token rechazado: %s", e)
            return fallo(
                "El id_token del proveedor no es válido (firma, emisor, audiencia, caducidad o nonce).",
                400,
                "ID_TOKEN_INVALIDO",
            )
        usuario_actual = None
        if "vincular_a" in session:
            verify_jwt_in_request(optional=True)
            if session.pop("vincular_a") != get_jwt_identity():
                return fallo(
                    "La sesión cambió mientras vinculabas la cuenta: vuelve a empezar.", 400, "SESION_CAMBIADA"
                )
            usuario_actual = current_user
        usuario, problema = vincular(proveedor, datos, usuario_actual)
        if problema:
            return fallo(*problema)
        if app.config["ENTREGA_DE_TOKENS"] == "codigo":
            return redirect(url_for("inicio", codigo=nuevo_codigo_de_entrega(usuario)))
        return entregar_tokens(usuario, redirect(url_for("inicio")))

    @app.post("/auth/canjear")
    def canjear():
        """El código de un solo uso por nuestros tokens, en el cuerpo de la respuesta (nunca en una URL)."""
        datos = request.get_json(silent=True)
        if not isinstance(datos, dict) or not isinstance(datos.get("codigo"), str):
            return jsonify(error='El cuerpo debe ser un objeto JSON: {"codigo": "…"}.', codigo="VALIDATION_ERROR"), 400
        huella = hashlib.sha256(datos["codigo"].encode()).hexdigest()
        entrega = db.session.get(CodigoDeEntrega, huella)
        if entrega is not None:
            db.session.delete(entrega)  # de un solo uso, valga o no
            db.session.commit()
        if entrega is None or entrega.expira < datetime.now(UTC).replace(tzinfo=None):
            return jsonify(error="El código no existe, ya se usó o caducó.", codigo="CODIGO_INVALIDO"), 400
        identidad = str(entrega.usuario_id)
        return jsonify(
            access_token=create_access_token(identity=identidad), refresh_token=create_refresh_token(identity=identidad)
        )

    @app.post("/auth/registro")
    def registro():
        """Una cuenta local con contraseña (para ver cómo se vincula después con un proveedor)."""
        datos = request.get_json(silent=True)
        if not isinstance(datos, dict) or not all(
            isinstance(datos.get(k), str) and datos[k].strip() for k in ("email", "password", "nombre")
        ):
            return jsonify(error='El cuerpo debe ser {"email", "password", "nombre"}.', codigo="VALIDATION_ERROR"), 400
        if len(datos["password"].encode("utf-8")) > MAX_PASSWORD_BYTES:
            return jsonify(error="La contraseña admite como máximo 72 bytes.", codigo="VALIDATION_ERROR"), 400
        email = datos["email"].strip().lower()
        if db.session.scalar(db.select(Usuario).filter_by(email=email)):
            return jsonify(error="Ya existe una cuenta con ese email.", codigo="CONFLICT"), 409
        coste = app.config["BCRYPT_LOG_ROUNDS"]
        hash_ = bcrypt.hashpw(datos["password"].encode("utf-8"), bcrypt.gensalt(rounds=coste)).decode("ascii")
        usuario = Usuario(email=email, nombre=datos["nombre"].strip()[:100], password_hash=hash_)
        db.session.add(usuario)
        db.session.commit()
        return jsonify(usuario.a_dict()), 201

    @app.post("/auth/login")
    def login_local():
        datos = request.get_json(silent=True)
        if (
            not isinstance(datos, dict)
            or not isinstance(datos.get("email"), str)
            or not isinstance(datos.get("password"), str)
            or len(datos["password"].encode()) > MAX_PASSWORD_BYTES
        ):
            return jsonify(error='El cuerpo debe ser {"email", "password"}.', codigo="VALIDATION_ERROR"), 400
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=datos["email"].strip().lower()))
        if (
            usuario is None
            or usuario.password_hash is None
            or not bcrypt.checkpw(datos["password"].encode("utf-8"), usuario.password_hash.encode("ascii"))
        ):
            return jsonify(error="Email o contraseña incorrectos.", codigo="INVALID_CREDENTIALS"), 401
        return entregar_tokens(usuario, jsonify(usuario.a_dict()))

    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refrescar():
        respuesta = jsonify(mensaje="Token renovado.")
        set_access_cookies(respuesta, create_access_token(identity=str(current_user.id)))
        return respuesta

    @app.post("/auth/logout")
    @jwt_required()
    def logout():
        respuesta = redirect(url_for("inicio")) if request.form else jsonify(mensaje="Sesión cerrada.")
        unset_jwt_cookies(respuesta)
        return respuesta

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        return jsonify(current_user.a_dict())

    return app
