"""API de artículos · lección 06: roles y claims personalizados (admin, editor, usuario).

Lo de la lección 05 (registro, login con dos tokens, refresco, revocación,
«cerrar todas las sesiones», Redis con TTL) ya funciona; lo nuevo son los
roles: cada usuario tiene un ``rol`` (``modelos.py``) que viaja en el token
como claim, pero los permisos (``permisos.py``) se deciden con el rol de la
base de datos, leído en cada petición: un cambio de rol surte efecto en la
siguiente. Los admins gestionan los roles (``admin.py``). Ejecútala desde la
carpeta que contiene ``api/``; el primer admin se crea con ``crear-admin``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api crear-admin admin@example.com
    flask --app api run
"""

from flask import Flask

from . import admin, articulos, auth, basedatos, errores, perfil, refresco, revocacion, usuarios
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    configurar(app, config, refresco.ajustes, revocacion.ajustes, leccion="06")
    db.init_app(app)
    jwt.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, admin, errores):
        app.register_blueprint(parte.bp)
    basedatos.init_app(app)
    return app
