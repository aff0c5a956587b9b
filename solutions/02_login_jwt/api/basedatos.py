"""La base de datos: crea las tablas al arrancar, avisa si su esquema es viejo y da la orden ``init-db``.

``db.create_all()`` crea las tablas que faltan, pero no añade columnas a una
tabla que ya existe. Si la base de datos es de una versión anterior de la app
(de otra lección, o de antes de añadir un campo), en lugar de un 500 «no such
column» en cada petición la app responde 503 diciendo qué hacer.
"""

import re

import click
from flask import current_app, jsonify
from flask.cli import with_appcontext
from sqlalchemy import exc, inspect

from .extensiones import db

COMO_REHACER = "flask --app api init-db"
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT): un id mayor no es de nadie
ID = re.compile(r"[1-9][0-9]{0,18}")  # un id como texto: dígitos ASCII sin ceros delante; «１» (ancho completo) no es 1


def columnas_que_faltan():
    """Las columnas de los modelos que no están en la base de datos, como ``["usuario.rol"]``."""
    inspector = inspect(db.engine)
    existentes = set(inspector.get_table_names())
    faltan = []
    for tabla in db.metadata.sorted_tables:
        if tabla.name in existentes:
            hay = {c["name"] for c in inspector.get_columns(tabla.name)}
            faltan += [f"{tabla.name}.{c.name}" for c in tabla.columns if c.name not in hay]
    return faltan


def esquema_anticuado():
    """503 en JSON si la base de datos no tiene todas las columnas de los modelos; ``None`` si está al día."""
    faltan = current_app.extensions.get("columnas_que_faltan")
    if not faltan:
        return None
    mensaje = (
        f"La base de datos es de una versión anterior de la app: le faltan {', '.join(faltan)}. "
        f"Rehazla con «{COMO_REHACER}» (borra sus datos) o borra el archivo .sqlite de la carpeta instance/."
    )
    return jsonify(error=mensaje), 503


@click.command("init-db")
@with_appcontext
def init_db():
    """Borra y vuelve a crear todas las tablas (se pierden los datos)."""
    db.drop_all()
    db.create_all()
    current_app.extensions["columnas_que_faltan"] = []
    click.echo(f"Base de datos creada de nuevo: {db.engine.url.render_as_string(hide_password=True)}")


def crear_tablas():
    """``db.create_all()``, a prueba de otro proceso que crea las mismas tablas a la vez.

    gunicorn con dos procesos arranca dos apps: las dos ven que falta una tabla y la
    crean, y la segunda falla con «table … already exists». Basta con volver a
    intentarlo: entonces ya no falta ninguna y ``create_all`` no toca nada.
    """
    try:
        db.create_all()
    except exc.DatabaseError:
        db.create_all()


def init_app(app):
    """Crea las tablas que falten, anota las columnas que falten y registra ``init-db``."""
    with app.app_context():
        crear_tablas()  # crea las tablas la primera vez; si ya existen no toca nada
        faltan = columnas_que_faltan()
    app.extensions["columnas_que_faltan"] = faltan
    if faltan:
        app.logger.warning("A la base de datos le faltan %s: ejecuta «%s».", ", ".join(faltan), COMO_REHACER)
    app.before_request(esquema_anticuado)
    app.cli.add_command(init_db)
