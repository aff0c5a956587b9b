"""API de artículos · lección 10: el proyecto final, listo para producción.

Todo lo de las lecciones 02–09 (registro, sesiones con JWT, refresco,
revocación, roles, el sobre de error, los límites de intentos, OAuth2) y, encima, lo
que pide un despliegue: un entorno por clase (``entornos.py``), migraciones
(``esquema.py``), logs JSON sin secretos (``logs.py``), la salud de la base de
datos y de Redis (``salud.py``) y el documento OpenAPI (``openapi.py``). La
API es para clientes que envían ``Authorization: Bearer``; «Iniciar sesión
con…» de la lección 09 (``oauth.py``, con Google en producción) termina en la
página de la lección 08 con los tokens en cookies HttpOnly. Ejecútala desde la carpeta que contiene ``api/``::

    export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
    export SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")
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
    navegador,
    oauth,
    openapi,
    paginas,
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
    ajustes = (refresco.ajustes, revocacion.ajustes, limites.ajustes, navegador.ajustes, oauth.ajustes, entorno)
    configurar(app, config, *ajustes, leccion="10")
    entornos.exigir_produccion(app, config)
    logs.init_app(app)
    esquema.opciones_del_motor(app)
    db.init_app(app)
    jwt.init_app(app)
    limites.init_app(app)
    navegador.init_app(app)
    oauth.init_app(app)
    partes = (auth, usuarios, perfil, refresco, revocacion, articulos, admin, paginas, oauth, salud, openapi, errores)
    for parte in partes:
        app.register_blueprint(parte.bp)
    esquema.init_app(app)
    openapi.init_app(app)
    return app
