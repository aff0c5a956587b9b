"""Alembic, llamado por Flask-Migrate (``flask --app api db …``): la base de datos y los modelos son los de la app.

A diferencia de la plantilla de Flask-Migrate, no llama a ``logging.config.fileConfig``:
los registros de la app (JSON, sin secretos) no se tocan al migrar.
"""

from alembic import context
from flask import current_app

db = current_app.extensions["migrate"].db
opciones = {"target_metadata": db.metadata, "render_as_batch": True, "compare_type": True}

if context.is_offline_mode():  # flask db upgrade --sql: escribe el SQL sin conectarse
    context.configure(url=db.engine.url, literal_binds=True, **opciones)
    with context.begin_transaction():
        context.run_migrations()
else:
    with db.engine.connect() as conexion:
        context.configure(connection=conexion, **opciones)
        with context.begin_transaction():
            context.run_migrations()
