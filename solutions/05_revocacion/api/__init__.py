"""API de artículos · lección 05: revocación de tokens (logout, cerrar todas las sesiones, Redis con TTL).

Lo de la lección 04 (registro, login con dos tokens, refresco, claims que salen
del usuario, tokens frescos y rotación) ya funciona; lo nuevo está en
``revocacion.py`` (el almacén de revocados, en SQLite o en Redis, el logout y
«cerrar todas las sesiones») y ``tokens.py`` (cada access token va ligado a su
refresh token). Si Redis no contesta se responde 503: nunca se acepta un token
que podría estar revocado. Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api run
    REDIS_URL=redis://127.0.0.1:6379/0 flask --app api run
"""

from flask import Flask

from . import articulos, auth, basedatos, errores, perfil, refresco, revocacion, usuarios
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, refresco.ajustes, revocacion.ajustes, leccion="05")
    db.init_app(app)
    jwt.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
