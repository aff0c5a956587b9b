# Viene de la solución de la lección 07 (solutions/07_errores/api/limites.py): no hace falta que lo cambies.
"""El límite de intentos del login (por IP y por cuenta) y del registro (por IP): 429 con ``Retry-After``.

Los límites se ponen a los blueprints enteros (``auth``: solo el login;
``usuarios``: solo su ``POST``, el registro), así que ``auth.py`` y
``usuarios.py`` no cambian. Cada intento se cuenta **antes** de comprobar la
contraseña: contado al responder (``deduct_when``), cincuenta intentos a la
vez pasarían todos la comprobación antes de que se apuntara el primero.
"""

import os

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.errors import StorageError
from redis.backoff import NoBackoff
from redis.retry import Retry
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, usuarios
from .almacenes import ESPERA_REDIS
from .cuerpo import leer_json
from .errores import error
from .revocacion import NO_DISPONIBLE


class ConfiguracionInsegura(RuntimeError):
    """La app no arranca con un contador de intentos que no comparten sus procesos."""


def ajustes():
    """Los ajustes del límite de intentos (la fábrica se los pasa a ``configurar``)."""
    return {
        "RATELIMIT_ENABLED": True,  # Flask-Limiter; las pruebas pueden apagarlo
        "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After (y X-RateLimit-*) en las respuestas limitadas
        "LIMITE_LOGIN": "5 per minute",  # intentos de login por IP (todos: se cuentan antes de mirar la contraseña)
        "LIMITE_LOGIN_CUENTA": "20 per hour",  # intentos de login por cuenta (email), vengan de la IP que vengan
        "LIMITE_REGISTRO": "10 per minute",  # registros por IP
        # Cuántos procesos sirven la app: gunicorn lee la misma variable si no le das -w.
        "PROCESOS": int(os.environ.get("WEB_CONCURRENCY", "1")),
        # Cuántos proxies de confianza hay delante: solo entonces se cree a X-Forwarded-For (ProxyFix).
        "PROXIES_DE_CONFIANZA": int(os.environ.get("PROXIES_DE_CONFIANZA", "0")),
    }


def cuenta_del_login():
    """La clave del límite por cuenta: el email del cuerpo normalizado (sin email, la IP)."""
    datos = leer_json()
    email = datos.get("email") if isinstance(datos, dict) else None
    if not isinstance(email, str) or not email.strip():
        return get_remote_address()
    return "cuenta:" + email.strip().lower()


def peticion_sin_limite():
    """``request_filter``: ``True`` si a la petición no la cuenta ningún límite (no es el login ni el registro).

    Sin él, Flask-Limiter resuelve en cada petición los límites de su blueprint
    (``GET /api/perfil`` es de ``usuarios``) aunque ninguno le toque.
    """
    es_registro = request.blueprint == usuarios.bp.name and request.method == "POST"
    return request.blueprint != auth.bp.name and not es_registro


def sin_contador(e):
    """El contador de intentos (Redis) no responde: 503, nunca un 500 y nunca un intento sin contar."""
    current_app.logger.error("El contador de intentos no responde: %s", e)
    return error(NO_DISPONIBLE, 503)


def init_app(app):
    """Un ``Limiter`` para esta app, con el contador en memoria (de este proceso) o en Redis (de todos)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIJO"] + "limites")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "unix://")):
        # Como el almacén de revocados: sin reintentos y con un tope de espera, un 503 en menos de 1 s.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": ESPERA_REDIS, "socket_timeout": ESPERA_REDIS, "retry": Retry(NoBackoff(), 0)},
        )
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        "wrap_exceptions": True,
    }
    app.register_error_handler(StorageError, sin_contador)
    if app.config["PROXIES_DE_CONFIANZA"] > 0:  # nunca por defecto: X-Forwarded-For lo escribe cualquiera
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES_DE_CONFIANZA"])
    if (
        app.config["RATELIMIT_ENABLED"]
        and app.config["PROCESOS"] > 1
        and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")
    ):
        raise ConfiguracionInsegura(
            f"Con {app.config['PROCESOS']} procesos, el contador de intentos en memoria:// es uno por proceso "
            "y el límite se multiplica: configura REDIS_URL (o RATELIMIT_STORAGE_URI) con un Redis compartido."
        )
    limitador = Limiter(get_remote_address, app=app)  # init_app lo guarda en app.extensions["limiter"]
    limitador.limit(lambda: current_app.config["LIMITE_LOGIN"])(auth.bp)
    limitador.limit(lambda: current_app.config["LIMITE_LOGIN_CUENTA"], key_func=cuenta_del_login)(auth.bp)
    limitador.limit(lambda: current_app.config["LIMITE_REGISTRO"], methods=["POST"])(usuarios.bp)
    limitador.request_filter(peticion_sin_limite)  # el resto de peticiones no pasa por el contador
