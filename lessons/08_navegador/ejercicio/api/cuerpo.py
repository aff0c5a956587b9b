# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/cuerpo.py): no hace falta que lo cambies.
"""El cuerpo JSON de las peticiones."""

from flask import request


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
