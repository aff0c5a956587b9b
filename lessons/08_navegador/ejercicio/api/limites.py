# Viene de la solución de la lección 07 (solutions/07_errores/api/limites.py): no hace falta que lo cambies.
"""El límite de intentos por IP del login y del registro (Flask-Limiter: 429 con ``Retry-After``).

Los límites se ponen a los blueprints enteros (``auth``: solo el login;
``usuarios``: solo su ``POST``, el registro), así que ``auth.py`` y
``usuarios.py`` no cambian.
"""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import auth, usuarios


def ajustes():
    """Los ajustes del límite de intentos (la fábrica se los pasa a ``configurar``)."""
    return {
        "RATELIMIT_ENABLED": True,  # Flask-Limiter; las pruebas pueden apagarlo
        "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After (y X-RateLimit-*) en las respuestas limitadas
        "LIMITE_LOGIN": "5 per minute",  # logins fallidos por IP
        "LIMITE_REGISTRO": "10 per minute",  # registros por IP
    }


def init_app(app):
    """Un ``Limiter`` para esta app, con el contador en memoria (de este proceso) o en Redis (de todos)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIJO"] + "limites")
    limitador = Limiter(get_remote_address, app=app)
    app.extensions["limitador"] = limitador  # Flask-Limiter solo guarda una referencia débil: que no se pierda
    limitador.limit(lambda: current_app.config["LIMITE_LOGIN"], deduct_when=lambda r: r.status_code == 401)(auth.bp)
    limitador.limit(lambda: current_app.config["LIMITE_REGISTRO"], methods=["POST"])(usuarios.bp)
