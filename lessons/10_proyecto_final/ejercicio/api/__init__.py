"""API de artículos · lección 10: el proyecto final, listo para producción.

Todo lo de las lecciones 02–08 (registro, sesiones con JWT, refresco,
revocación, roles, el sobre de error, los límites de intentos) y, encima, lo
que pide un despliegue: un entorno por clase (``entornos.py``), migraciones
(``esquema.py``), logs JSON sin secretos (``logs.py``), la salud de la base de
datos y de Redis (``salud.py``) y el documento OpenAPI (``openapi.py``). Las
páginas y las cookies de la lección 08 no se sirven aquí: esta API es para
clientes que envían ``Authorization: Bearer``. Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    flask --app api run --debug                       # desarrollo: SQLite en instance/
    ENTORNO=produccion gunicorn -c gunicorn.conf.py   # producción: ver gunicorn.conf.py
"""

from flask import Flask

from . import (
    admin,
    articulos,
    auth,
    entornos,
    errores,
    esquema,
    limites,
    logs,
    openapi,
    perfil,
    refresco,
    revocacion,
    salud,
    usuarios,
)
from .config import configurar
from .extensiones import db, jwt


def create_app(config: dict | None = None) -> Flask:
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    entorno = entornos.ajustes_para(config)  # desarrollo, pruebas o producción (ENTORNO)
    configurar(app, config, refresco.ajustes, revocacion.ajustes, limites.ajustes, entorno, leccion="10")
    entornos.exigir_produccion(app, config)
    logs.init_app(app)
    esquema.opciones_del_motor(app)
    db.init_app(app)
    jwt.init_app(app)
    limites.init_app(app)
    for parte in (auth, usuarios, perfil, refresco, revocacion, articulos, admin, salud, openapi, errores):
        app.register_blueprint(parte.bp)
    esquema.init_app(app)
    openapi.init_app(app)
    return app
