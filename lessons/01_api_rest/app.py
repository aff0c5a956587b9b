"""Lección 01 · API REST con Flask: el CRUD de elementos («items») de la semilla, bien hecho.

La semilla recreaba la lista en cada petición, así que nada de lo que se
creaba, cambiaba o borraba sobrevivía a la petición siguiente. Aquí los datos
viven en SQLite (un archivo en la carpeta ``instance/``), los ids los genera
la base de datos y no se reutilizan, y toda entrada mala recibe un 400 en JSON.

Ejecútala con::

    flask --app lessons/01_api_rest/app.py run
"""

import os

from flask import Flask, jsonify, request, url_for
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MAX_NOMBRE = 100
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)


class Item(db.Model):
    """Un elemento de la lista: solo tiene id y nombre."""

    # AUTOINCREMENT: SQLite no vuelve a dar el id de un elemento borrado.
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)

    def a_dict(self):
        return {"id": self.id, "nombre": self.nombre}


def buscar_item(item_id):
    """El elemento con ese id, o ``None`` (también si el id no cabe en la base de datos)."""
    if item_id > MAX_ID:
        return None
    return db.session.get(Item, item_id)


def error(mensaje, estado):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP."""
    return jsonify(error=mensaje), estado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido.

    ``silent=True``: un cuerpo que no es JSON da ``None`` en lugar de una página
    de error 415 o 400 en HTML. ``RecursionError``: un JSON anidado miles de
    niveles (``[[[[…``) agota la pila del analizador; también es «no válido».
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def leer_nombre():
    """Lee y valida el cuerpo JSON. Devuelve ``(nombre, None)`` o ``(None, respuesta_de_error)``."""
    datos = leer_json()
    if not isinstance(datos, dict):
        return None, error('El cuerpo debe ser un objeto JSON, por ejemplo {"nombre": "Libro"}.', 400)
    nombre = datos.get("nombre")
    if nombre is None:
        return None, error("Falta el campo «nombre».", 400)
    if not isinstance(nombre, str):
        return None, error("El campo «nombre» debe ser un texto.", 400)
    nombre = nombre.strip()
    if not nombre:
        return None, error("El campo «nombre» no puede estar vacío.", 400)
    if len(nombre) > MAX_NOMBRE:
        return None, error(f"El campo «nombre» admite como máximo {MAX_NOMBRE} caracteres.", 400)
    return nombre, None


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "items.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def create_app(config=None):
    """Crea la aplicación. ``config`` sobrescribe la configuración (por ejemplo en las pruebas)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if config:
        app.config.update(config)

    db.init_app(app)
    with app.app_context():
        db.create_all()  # crea las tablas la primera vez; si ya existen no toca nada

    @app.get("/")
    def inicio():
        return jsonify(mensaje="Bienvenido a la API REST con Flask", items=url_for("listar_items"))

    @app.get("/api/items")
    def listar_items():
        items = db.session.scalars(db.select(Item).order_by(Item.id))
        return jsonify([item.a_dict() for item in items])

    @app.get("/api/items/<int:item_id>")
    def obtener_item(item_id):
        item = buscar_item(item_id)
        if item is None:
            return error(f"No existe ningún elemento con id {item_id}.", 404)
        return jsonify(item.a_dict())

    @app.post("/api/items")
    def crear_item():
        nombre, respuesta_error = leer_nombre()
        if respuesta_error:
            return respuesta_error
        item = Item(nombre=nombre)
        db.session.add(item)
        db.session.commit()
        ubicacion = url_for("obtener_item", item_id=item.id)
        return jsonify(item.a_dict()), 201, {"Location": ubicacion}

    @app.put("/api/items/<int:item_id>")
    def actualizar_item(item_id):
        item = buscar_item(item_id)
        if item is None:
            return error(f"No existe ningún elemento con id {item_id}.", 404)
        nombre, respuesta_error = leer_nombre()
        if respuesta_error:
            return respuesta_error
        item.nombre = nombre
        db.session.commit()
        return jsonify(item.a_dict())

    @app.delete("/api/items/<int:item_id>")
    def eliminar_item(item_id):
        item = buscar_item(item_id)
        if item is None:
            return error(f"No existe ningún elemento con id {item_id}.", 404)
        db.session.delete(item)
        db.session.commit()
        return "", 204

    @app.errorhandler(HTTPException)
    def error_http(e):
        """404, 405, 413…: la API responde siempre en JSON, nunca con una página HTML."""
        respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
        respuesta.status_code = e.code
        if e.code == 405:  # la cabecera Allow dice qué métodos sí se admiten
            respuesta.headers["Allow"] = e.get_response().headers["Allow"]
        return respuesta

    @app.errorhandler(Exception)
    def error_interno(e):
        """Un fallo inesperado: se registra entero en el log y el cliente recibe un 500 en JSON."""
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500)

    @app.cli.command("reiniciar-db")
    def reiniciar_db():
        """Borra y vuelve a crear las tablas (se pierden los datos)."""
        db.drop_all()
        db.create_all()
        print("Base de datos reiniciada.")

    return app


MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande (máximo 1 MB).",
    415: "Tipo de contenido no admitido.",
}
