"""Las páginas: la lista de artículos con el inicio de sesión, crear un artículo con ``fetch`` y cerrar sesión.

El navegador nunca ve un token: ``/web/login`` los pone en cookies HttpOnly,
``/web/refresh`` refresca el access token en su cookie y ``/web/logout`` revoca
los dos y borra las cookies. Los artículos se pintan con Jinja, que escapa su
texto: un ``<script>`` en un artículo es solo texto.
"""

from flask import Blueprint, g, jsonify, render_template
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

from . import auth
from .errores import error  # noqa: F401 (lo usa el punto de partida del estudiante)
from .extensiones import db
from .modelo_articulo import Articulo
from .revocacion import almacen
from .tokens import access_del_refresco
from .usuarios import token_sin_usuario, usuario_actual, usuario_de

bp = Blueprint("paginas", __name__)

# La API no carga nada («default-src 'none'», en cuerpo.py); una página carga su script y su estilo
# de aquí mismo, y nada en línea: un <script> que se colara en un artículo tampoco se ejecutaría.
POLITICA_DE_LAS_PAGINAS = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.after_request
def politica_de_contenido(respuesta):
    """La política de contenido de las páginas (el after_app_request de la API no la pisa: usa setdefault)."""
    respuesta.headers["Content-Security-Policy"] = POLITICA_DE_LAS_PAGINAS
    return respuesta


# Lo que el script de la página necesita saber (va a la plantilla con |tojson). Nunca un token.
RUTAS = {
    "perfil": "/api/perfil",
    "articulos": "/api/articulos",
    "login": "/web/login",
    "refresh": "/web/refresh",
    "logout": "/web/logout",
}


@bp.get("/")
def inicio():
    """La página: los artículos publicados (Jinja los escapa) y el formulario de inicio de sesión o el de publicar."""
    # TODO (tarea 3): render_template con los artículos publicados y los datos del script.
    return error("La página aún no está hecha.", 501, "NOT_IMPLEMENTED")


@bp.post("/web/login")
def login_web():
    """El login de la página: el de ``/auth/login``, con los tokens en cookies y el usuario en el cuerpo."""
    # TODO (tarea 1): set_access_cookies y set_refresh_cookies; el cuerpo, sin tokens.
    return error("El inicio de sesión de la página aún no está hecho.", 501, "NOT_IMPLEMENTED")


@bp.post("/web/refresh")
@jwt_required(refresh=True, locations=["cookies"])
def refrescar_web():
    """Un access token nuevo en su cookie, con el refresh token de la cookie (que solo viaja a esta ruta)."""
    # TODO (tarea 4): el access token nuevo, a la cookie; el cuerpo, sin él.
    return error("El refresco aún no está hecho.", 501, "NOT_IMPLEMENTED")


@bp.post("/web/logout")
@jwt_required(locations=["cookies"])
def logout_web():
    """Cierra la sesión del navegador: revoca los dos tokens (como ``/auth/logout``) y borra las cookies."""
    # TODO (tarea 5): revocar el access token y el refresh token de su «sesion», y unset_jwt_cookies.
    return error("El logout de la página aún no está hecho.", 501, "NOT_IMPLEMENTED")
