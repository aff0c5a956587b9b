# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/permisos.py): no hace falta que lo cambies.
"""Quién puede ver y escribir qué artículos: el token para escribir, la autoría y los borradores.

``articulos.py`` solo pregunta aquí: las reglas viven en un sitio, y cuando
cambian (la lección 06 añade los roles) cambia este módulo, no las rutas.
"""

from flask_jwt_extended import jwt_required

from .errores import error
from .extensiones import db
from .modelos import Articulo
from .usuarios import token_sin_usuario, usuario_actual


def escritor_requerido(vista):
    """Decorador de las rutas que crean, modifican o borran artículos: exigen un token válido (401 o 422 si no)."""
    return jwt_required()(vista)


def token_opcional(vista):
    """Decorador de las rutas que leen artículos: el token es opcional; sin él se ven solo los publicados."""
    return jwt_required(optional=True)(vista)


def exigir_autor(articulo):
    """``None`` si el usuario del token puede modificar el artículo; si no, la respuesta de error (401 o 403)."""
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    if articulo.autor_id != usuario.id:
        return error("Solo el autor puede modificar o borrar este artículo.", 403)
    return None


def puede_ver(articulo):
    """Los publicados los ve cualquiera; los borradores, solo su autor."""
    if articulo.publicado:
        return True
    usuario = usuario_actual()
    return usuario is not None and articulo.autor_id == usuario.id


def visibles(consulta):
    """``consulta`` (de artículos) limitada a los que puede ver quien pregunta: los publicados y sus borradores."""
    usuario = usuario_actual()
    if usuario is None:
        return consulta.where(Articulo.publicado)
    return consulta.where(db.or_(Articulo.publicado, Articulo.autor_id == usuario.id))
