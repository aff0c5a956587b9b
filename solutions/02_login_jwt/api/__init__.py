"""API de artículos · lección 02: usuarios con bcrypt, login con JWT y artículos con autor.

La fábrica es la lista de las partes de la app: configuración, extensiones,
blueprints, errores y órdenes. Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api run
"""

from flask import Flask

from . import articulos, auth, basedatos, errores, usuarios
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, leccion="02")
    db.init_app(app)
    jwt.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(usuarios.bp)
    app.register_blueprint(articulos.bp)
    app.register_blueprint(errores.bp)
    basedatos.init_app(app)
    return app
