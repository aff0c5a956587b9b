# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/permisos.py): no hace falta que lo cambies.
"""Quién puede escribir artículos y con qué token se leen: el token para escribir, la autoría y el token opcional.

``articulos.py`` solo pregunta aquí: las reglas viven en un sitio, y cuando
cambian (la lección 06 añade los roles) cambia este módulo, no las rutas. Quién
puede *ver* cada artículo (los borradores, solo su autor) lo dice el modelo, en
``modelo_articulo.py``.
"""

from flask_jwt_extended import jwt_required

from .errores import error
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
