"""API de artículos · lección 04: refresh tokens, claims que sobreviven al refresco y tokens frescos.

Lo de la lección 02 (registro con bcrypt, login, perfil, autoría y borradores)
ya funciona; lo nuevo está en ``tokens.py`` (el par de tokens y sus claims),
``refresco.py`` (``POST /auth/refresh`` y la rotación) y ``perfil.py`` (las
operaciones sensibles, que exigen un token fresco). Ejecútala desde la carpeta
que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api run
"""

from flask import Flask

from . import articulos, auth, basedatos, errores, perfil, refresco, usuarios
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, refresco.ajustes, leccion="04")
    db.init_app(app)
    jwt.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, articulos, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
