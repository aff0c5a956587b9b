"""API de artículos · lección 09: «Iniciar sesión con…» (OAuth2 y OpenID Connect).

Lo de la lección 08 (el sobre de error, roles, revocación, cookies HttpOnly con
CSRF, las páginas) ya funciona; lo nuevo es entrar con una cuenta de otro:
los proveedores OpenID Connect por su URL de descubrimiento y GitHub como
OAuth2 (``oauth.py``), y las cuentas vinculadas por (proveedor, ``sub``)
(``cuentas.py``). Ejecútala desde la carpeta que contiene ``api/``, con el
proveedor del taller en otra terminal (``taller proveedor-oidc``)::

    export SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    export OAUTH_OIDC_CLIENT_SECRET=…   # el que anuncia taller proveedor-oidc
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
    oauth,
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
    ajustes = (refresco.ajustes, revocacion.ajustes, limites.ajustes, navegador.ajustes, oauth.ajustes)
    configurar(app, config, *ajustes, leccion="09")
    db.init_app(app)
    jwt.init_app(app)
    limites.init_app(app)
    navegador.init_app(app)
    oauth.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, admin, paginas, oauth, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
