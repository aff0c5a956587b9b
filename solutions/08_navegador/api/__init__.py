"""API de artículos · lección 08: el JWT en el navegador, con sus páginas.

Lo de la lección 07 (el sobre de error, roles, revocación, refresco, límites)
ya funciona; lo nuevo es el navegador: los tokens en cookies ``HttpOnly`` con
CSRF de doble envío, ``SameSite=Lax`` y ``Secure``, refresco implícito y CORS
con orígenes explícitos (``navegador.py``), y las páginas: el inicio de sesión, la lista
de artículos, crear uno con ``fetch`` y cerrar sesión (``paginas.py``, con su
plantilla y su script). Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api crear-admin admin@example.com
    flask --app api run --debug
"""

from flask import Flask

from . import (
    admin,
    articulos,
    auth,
    basedatos,
    errores,
    limites,
    navegador,
    paginas,
    perfil,
    refresco,
    revocacion,
    usuarios,
)
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, refresco.ajustes, revocacion.ajustes, limites.ajustes, navegador.ajustes, leccion="08")
    db.init_app(app)
    jwt.init_app(app)
    limites.init_app(app)
    navegador.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, admin, paginas, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
