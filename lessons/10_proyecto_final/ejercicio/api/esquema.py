"""El esquema de la base de datos, con migraciones (Flask-Migrate sobre Alembic): actualizar nunca es borrar.

Las lecciones 02–08 creaban las tablas con ``db.create_all()`` y, si el modelo
cambiaba, ``flask --app api init-db`` las borraba y las creaba de nuevo. Aquí
cada cambio del esquema es una migración de ``migraciones/versions/`` y
``flask --app api db upgrade`` lleva cualquier base de datos (también una de la
lección 02 con datos) a la última sin perder nada. En desarrollo y en pruebas
la app la aplica al arrancar; en producción es un paso del despliegue y, hasta
que se dé, la app responde 503 diciendo qué orden falta.
"""

import re
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, request
from flask_migrate import Migrate, upgrade
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from .errores import error, error_interno
from .extensiones import db

CARPETA = str(Path(__file__).parent / "migraciones")
COMO_MIGRAR = "flask --app api db upgrade"
NO_RESPONDE = "La base de datos no responde ahora mismo; inténtalo de nuevo en unos segundos."
SIN_ESQUEMA = {"salud.salud"}  # responde aunque la base de datos no esté: dice ella misma cómo está
# El nombre de la tabla que no existe, en el mensaje de SQLite o en el de PostgreSQL (en inglés o en español).
TABLA_QUE_FALTA = re.compile(r'no such table: (\w+)|relation "(\w+)" does not exist|no existe la relación «(\w+)»')
ESPERA_POSTGRESQL = 2  # segundos para conectar: una base de datos caída da un 503, no una petición colgada

migrate = Migrate()


def revisiones_del_codigo():
    """Las revisiones finales (``heads``) de ``migraciones/versions``."""
    return set(ScriptDirectory.from_config(migrate.get_config(CARPETA)).get_heads())


def revisiones_de_la_base():
    """Las revisiones que la tabla ``alembic_version`` de la base de datos dice tener."""
    with db.engine.connect() as conexion:
        return set(MigrationContext.configure(conexion).get_current_heads())


def opciones_del_motor(app):
    """Antes de ``db.init_app``: con PostgreSQL, un tope de espera al conectar."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        opciones = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})  # una copia: el dict es de la clase del entorno
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": ESPERA_POSTGRESQL}, **opciones}


def esquema_pendiente():
    """``before_request``: hasta ver la base de datos en la última migración, la mira; si no lo está, 503."""
    if current_app.extensions["esquema_al_dia"] or request.endpoint in SIN_ESQUEMA:
        return None
    try:
        al_dia = revisiones_de_la_base() == revisiones_del_codigo()
    except SQLAlchemyError as e:
        current_app.logger.error("La base de datos no responde: %s", type(e).__name__)
        return error(NO_RESPONDE, 503)
    if not al_dia:
        current_app.logger.warning("La base de datos no está en la última migración: falta «%s».", COMO_MIGRAR)
        return error(f"La base de datos no está al día: ejecuta «{COMO_MIGRAR}» (no borra datos).", 503)
    current_app.extensions["esquema_al_dia"] = True
    return None


def falta_una_tabla(e):
    """Si ``e`` es «esa tabla no existe»: en SQLite, o en PostgreSQL (``42P01``, en el idioma del servidor)."""
    original = getattr(e, "orig", None) or e
    return "no such table" in str(original) or getattr(original, "sqlstate", None) == "42P01"


def sin_la_tabla(e):
    """503 que nombra la tabla si el mensaje la dice: una migración sin aplicar, o una que no la crea (la 0003)."""
    encontrada = TABLA_QUE_FALTA.search(str(getattr(e, "orig", None) or e))
    tabla = f"la tabla «{next(filter(None, encontrada.groups()))}»" if encontrada else "una tabla"
    current_app.logger.error("Falta %s: una migración sin aplicar, o que no la crea.", tabla)
    return error(f"A la base de datos le falta {tabla}: ejecuta «{COMO_MIGRAR}» y mira que una migración la cree.", 503)


def deshacer():
    """Deshace la transacción de la petición (la conexión puede estar rota: entonces no hay nada que deshacer)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass


def base_de_datos_caida(e):
    """Una consulta que no llega a la base de datos (reiniciada, caída, sin red): 503 y al log, nunca un 500.

    Sin ``pool_pre_ping`` (ver ``entornos.py``), tras reiniciar PostgreSQL la primera
    petición de cada conexión vieja acaba aquí; el pool ya la ha descartado. En
    SQLite, una tabla que no existe también es un ``OperationalError``.
    """
    deshacer()
    if falta_una_tabla(e):
        return sin_la_tabla(e)
    current_app.logger.error("La base de datos no responde: %s", type(getattr(e, "orig", None) or e).__name__)
    return error(NO_RESPONDE, 503)


def consulta_rechazada(e):
    """Un ``ProgrammingError``: en PostgreSQL, una tabla que no existe (503 que la nombra); si no, un fallo (500)."""
    deshacer()
    if falta_una_tabla(e):
        return sin_la_tabla(e)
    return error_interno(e)


def init_app(app):
    """Registra ``flask db …`` y, en desarrollo y pruebas, aplica las migraciones que falten."""
    migrate.init_app(app, db, directory=CARPETA, render_as_batch=True)
    app.extensions["esquema_al_dia"] = False
    if app.config["MIGRAR_AL_ARRANCAR"]:
        with app.app_context():
            upgrade(directory=CARPETA)
        app.extensions["esquema_al_dia"] = True
    app.before_request(esquema_pendiente)
    app.register_error_handler(OperationalError, base_de_datos_caida)
    app.register_error_handler(ProgrammingError, consulta_rechazada)
