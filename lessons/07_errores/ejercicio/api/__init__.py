"""API de artículos · lección 07: manejo de errores, un sobre para toda la API y límite de intentos.

Lo de la lección 06 (roles, revocación, refresco, Redis) ya funciona; lo nuevo
es cómo falla: toda respuesta de error es ``{"error": "…", "codigo": "…"}``
con un código estable para las máquinas, cada error de Flask-JWT-Extended es
un 401 con ``WWW-Authenticate`` (RFC 6750), ningún error HTTP sale en HTML
(``errores.py``), y el login y el registro tienen un límite de intentos por IP
(``limites.py``). Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api crear-admin admin@example.com
    flask --app api run
"""

from flask import Flask

from . import admin, articulos, auth, basedatos, errores, limites, perfil, refresco, revocacion, usuarios
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, refresco.ajustes, revocacion.ajustes, limites.ajustes, leccion="07")
    db.init_app(app)
    jwt.init_app(app)
    limites.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, admin, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
