"""Quién puede escribir artículos: el token para escribir y la autoría.

``articulos.py`` solo pregunta aquí: las reglas viven en un sitio, y cuando
cambian (la lección 06 añade los roles) cambia este módulo, no las rutas. Quién
puede *ver* cada artículo (los borradores, solo su autor) lo dice el modelo, en
``modelo_articulo.py``, con el usuario que da :func:`usuarios.lector`.
"""

from flask_jwt_extended import jwt_required

from .errores import error
from .usuarios import token_sin_usuario, usuario_actual


def escritor_requerido(vista):
    """Decorador de las rutas que crean, modifican o borran artículos: exigen un token válido (401 o 422 si no)."""
    # TODO (tarea 4): escribir exige un token (@jwt_required()).
    return vista


def exigir_autor(articulo):
    """``None`` si el usuario del token puede modificar el artículo; si no, la respuesta de error (401 o 403)."""
    # TODO (tarea 4): 401 si el usuario del token ya no existe; 403 si no es el autor.
    return None
