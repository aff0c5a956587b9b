"""Las rutas del proveedor: autorización (inicio de sesión y consentimiento), token, userinfo,
descubrimiento y JWKS.

Los errores de la autorización siguen el RFC 6749 §4.1.2.1: si el cliente o la dirección de
retorno no son válidos, una página en español y ninguna redirección; si lo son, el error
viaja a la dirección de retorno (``error``, ``error_description`` y el ``state``). El
``error_description`` de OAuth queda en inglés: el RFC 6749 §5.2 solo admite ASCII en él.
"""

import hmac
import logging
import secrets
import time

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oidc.core.errors import ConsentRequiredError
from flask import Blueprint, Response, jsonify, render_template, request, session
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .modelos import USUARIOS_DE_PRUEBA, Usuario, autenticar, buscar_usuario
from .servidor import emisor, estado, metadatos

bp = Blueprint("proveedor_oidc", __name__, template_folder="templates")
log = logging.getLogger(__name__)

RUTAS_JSON = ("/token", "/userinfo", "/.well-known/", "/jwks.json")
DESCRIPCION_DE_ALCANCES = {
    "openid": "saber quién eres (un identificador estable, «sub»)",
    "email": "tu dirección de email y si está verificada",
    "profile": "tu nombre",
}
MENSAJES_HTTP = {
    404: "Esta dirección no existe en el proveedor.",
    405: "Método no permitido en esta dirección.",
    413: "La petición es demasiado grande.",
    500: "Error interno del proveedor.",
}
EXPLICACIONES = {
    "insecure_transport": "Este proveedor solo atiende en http://127.0.0.1 o http://localhost: fuera de la propia "
    "máquina, OAuth 2 exige https.",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"


# ── Utilidades ───────────────────────────────────────────────────────────────


def usuario_de_la_sesion() -> Usuario | None:
    return buscar_usuario(session.get("sub"))


def token_csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valido() -> bool:
    esperado = session.get("csrf", "")
    recibido = request.form.get("csrf", "")
    return bool(esperado) and hmac.compare_digest(esperado.encode(), recibido.encode())


def pagina(plantilla: str, **contexto: object) -> str:
    return render_template(f"proveedor_oidc/{plantilla}", csrf=token_csrf(), **contexto)


def pagina_de_error(codigo: int, mensaje: str, error: str = "", detalle: str = "") -> tuple[str, int]:
    return render_template("proveedor_oidc/error.html", mensaje=mensaje, error=error, detalle=detalle), codigo


def es_ruta_json() -> bool:
    return request.path.startswith(RUTAS_JSON)


def problema_del_cliente() -> str | None:
    """Por qué no se puede ni siquiera redirigir al cliente (cliente o dirección de retorno malos)."""
    client_id = request.values.get("client_id")
    if not client_id:
        return "Falta el parámetro client_id: no se sabe qué aplicación te envía aquí."
    cliente = estado().clientes.get(client_id)
    if cliente is None:
        return f"La aplicación «{client_id}» no está registrada en este proveedor."
    redirect_uri = request.values.get("redirect_uri")
    if not redirect_uri:
        return "Falta el parámetro redirect_uri: OpenID Connect lo exige en cada petición de autorización."
    if not cliente.check_redirect_uri(redirect_uri):
        registradas = ", ".join(f"«{u}»" for u in cliente.redirect_uris) or "ninguna"
        return (
            f"La dirección de retorno «{redirect_uri}» no está registrada para «{client_id}», así que "
            "el proveedor no te envía allí: se compara letra por letra, sin prefijos ni comodines "
            f"(RFC 9700 §2.1). Registradas: {registradas}."
        )
    return None


def error_de_autorizacion(error: OAuth2Error) -> ResponseReturnValue:
    if error.redirect_uri:
        return estado().servidor.handle_error_response(None, error)
    mensaje = EXPLICACIONES.get(error.error, "La petición de autorización no es válida.")
    return pagina_de_error(400, mensaje, error.error, error.description or "")


def contexto_de(grant: AuthorizationCodeGrant, usuario: Usuario | None = None, aviso: str = "") -> dict[str, object]:
    cliente = grant.client
    alcances = [DESCRIPCION_DE_ALCANCES[a] for a in grant.request.scope.split() if a in DESCRIPCION_DE_ALCANCES]
    return {"cliente": cliente, "alcances": alcances, "usuario": usuario, "aviso": aviso, "accion": request.full_path}


# ── Autorización: inicio de sesión y consentimiento ──────────────────────────


@bp.route("/authorize", methods=["GET", "POST"])
def autorizar() -> ResponseReturnValue:
    if problema := problema_del_cliente():
        return pagina_de_error(400, problema, "invalid_request")
    servidor = estado().servidor
    usuario = usuario_de_la_sesion()
    try:
        grant = servidor.get_consent_grant(end_user=usuario)
    except OAuth2Error as error:
        return error_de_autorizacion(error)

    if request.method == "GET":
        prompts = (request.args.get("prompt") or "").split()
        if "none" in prompts:  # sin pantallas: o ya consintió en esta sesión o error
            if grant.client.client_id in session.get("consentidos", []):
                return servidor.create_authorization_response(grant_user=usuario, grant=grant)
            return error_de_autorizacion(
                ConsentRequiredError(redirect_uri=grant.redirect_uri, state=request.args.get("state"))
            )
        if usuario is None or grant.prompt == "login":
            return pagina("entrar.html", **contexto_de(grant))
        return pagina("consentir.html", **contexto_de(grant, usuario))

    if not csrf_valido():
        return pagina_de_error(
            400,
            "El formulario caducó o no salió de esta página (falta el token CSRF o no "
            "coincide). Vuelve a la aplicación y empieza de nuevo.",
            "csrf",
        )
    accion = request.form.get("accion")
    if accion == "denegar":
        return servidor.create_authorization_response(grant_user=None, grant=grant)
    if accion == "salir":
        session.clear()
        return pagina("entrar.html", **contexto_de(grant))
    if accion == "entrar":
        usuario = autenticar(request.form.get("email", ""), request.form.get("password", ""))
        if usuario is None:
            return pagina("entrar.html", **contexto_de(grant, aviso="El email o la contraseña no son correctos."))
        session.clear()  # sesión nueva al iniciar sesión, con un token CSRF nuevo
        session.update(sub=usuario.sub, auth_time=int(time.time()))
        return pagina("consentir.html", **contexto_de(grant, usuario))
    if accion == "permitir":
        if usuario is None:
            return pagina("entrar.html", **contexto_de(grant, aviso="Inicia sesión antes de dar permiso."))
        session["consentidos"] = sorted({*session.get("consentidos", []), grant.client.client_id})
        return servidor.create_authorization_response(grant_user=usuario, grant=grant)
    return pagina_de_error(400, "El formulario no indica qué hacer (permitir, denegar o entrar).", "invalid_request")


# ── Endpoints para las aplicaciones ──────────────────────────────────────────


@bp.post("/token")
def token() -> ResponseReturnValue:
    return estado().servidor.create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> ResponseReturnValue:
    return estado().servidor.create_endpoint_response("userinfo")


@bp.get("/.well-known/openid-configuration")
def descubrimiento() -> ResponseReturnValue:
    return jsonify(metadatos())


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    return jsonify({"keys": [estado().clave.as_dict(private=False)]})


@bp.get("/")
def inicio() -> ResponseReturnValue:
    return pagina(
        "inicio.html", metadatos=metadatos(), usuarios=USUARIOS_DE_PRUEBA, clientes=estado().clientes.values()
    )


# ── Cabeceras y errores ──────────────────────────────────────────────────────


@bp.after_request
def emisor_en_la_vuelta(respuesta: Response) -> Response:
    """Toda vuelta al cliente (con código o con error) lleva ``iss`` (RFC 9207): el cliente que usa
    varios proveedores comprueba así cuál le responde (ataque de confusión, RFC 9700 §4.4)."""
    if request.endpoint == "proveedor_oidc.autorizar" and respuesta.status_code == 302 and respuesta.location:
        respuesta.location = add_params_to_uri(respuesta.location, {"iss": emisor()})
    return respuesta


@bp.after_app_request
def cabeceras(respuesta: Response) -> Response:
    respuesta.headers["Cache-Control"] = "no-store"
    respuesta.headers["Pragma"] = "no-cache"
    respuesta.headers["X-Content-Type-Options"] = "nosniff"
    if respuesta.mimetype == "text/html":
        respuesta.headers["Content-Security-Policy"] = CSP
        respuesta.headers["X-Frame-Options"] = "DENY"
        respuesta.headers["Referrer-Policy"] = "no-referrer"
    return respuesta


@bp.app_errorhandler(OAuth2Error)
def error_oauth(error: OAuth2Error) -> ResponseReturnValue:
    if es_ruta_json():
        return estado().servidor.handle_error_response(None, error)
    mensaje = EXPLICACIONES.get(error.error, "La petición no es válida.")
    return pagina_de_error(error.status_code or 400, mensaje, error.error, error.description or "")


@bp.app_errorhandler(HTTPException)
def error_http(error: HTTPException) -> ResponseReturnValue:
    codigo = error.code or 500
    if es_ruta_json():
        nombre = "invalid_request" if codigo < 500 else "server_error"
        return jsonify(error=nombre, error_description=error.name), codigo
    return pagina_de_error(codigo, MENSAJES_HTTP.get(codigo, "La petición no es válida."))


@bp.app_errorhandler(Exception)
def error_inesperado(error: Exception) -> ResponseReturnValue:
    log.exception("Error inesperado en el proveedor OIDC")
    if es_ruta_json():
        return jsonify(error="server_error", error_description="Internal error"), 500
    return pagina_de_error(500, MENSAJES_HTTP[500])
