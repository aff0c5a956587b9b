# Viene de la solución de la lección 08 (solutions/08_navegador/api/paginas.py): no hace falta que lo cambies.
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
    articulos = db.session.scalars(db.select(Articulo).where(Articulo.publicado).order_by(Articulo.id)).all()
    return render_template("inicio.html", articulos=articulos, datos={"rutas": RUTAS})


@bp.post("/web/login")
def login_web():
    """El login de la página: el de ``/auth/login``, con los tokens en cookies y el usuario en el cuerpo."""
    respuesta = auth.login()
    if respuesta.status_code != 200:
        return respuesta
    tokens = respuesta.get_json()
    usuario = usuario_de(decode_token(tokens["access_token"])["sub"])
    respuesta = jsonify(usuario=usuario.a_dict())
    set_access_cookies(respuesta, tokens["access_token"])
    set_refresh_cookies(respuesta, tokens["refresh_token"])
    return respuesta


@bp.post("/web/refresh")
@jwt_required(refresh=True, locations=["cookies"])
def refrescar_web():
    """Un access token nuevo en su cookie, con el refresh token de la cookie (que solo viaja a esta ruta)."""
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    respuesta = jsonify(mensaje="Sesión refrescada.")
    set_access_cookies(respuesta, access_del_refresco(usuario))
    return respuesta


@bp.post("/web/logout")
@jwt_required(locations=["cookies"])
def logout_web():
    """Cierra la sesión del navegador: revoca los dos tokens (como ``/auth/logout``) y borra las cookies."""
    datos = get_jwt()
    almacen().revocar(datos["jti"], datos["exp"])
    if sesion := datos.get("sesion"):
        almacen().revocar(sesion["jti"], sesion["exp"])
    g.sin_renovar = True  # que el refresco implícito no ponga otra cookie en esta respuesta
    respuesta = jsonify(mensaje="Sesión cerrada.")
    unset_jwt_cookies(respuesta)
    return respuesta
