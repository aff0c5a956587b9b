"""API de artículos · lección 01: un CRUD con SQLite, validación y errores en JSON.

Ejecuta tu ejercicio con ``taller ejecutar 01 --ejercicio`` (la solución, con ``--solucion``)
o, desde su carpeta, con::

    flask --app app.py run
"""

import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request, url_for
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

db = SQLAlchemy()

MAX_TITULO = 200
MAX_CONTENIDO = 10_000
CAMPOS = ("titulo", "contenido", "publicado")
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)


def ahora():
    return datetime.now(UTC)


def en_iso(fecha):
    """Fecha en ISO 8601 con zona horaria (SQLite la devuelve sin zona: es UTC)."""
    if fecha.tzinfo is None:
        fecha = fecha.replace(tzinfo=UTC)
    return fecha.isoformat()


class Articulo(db.Model):
    """Un artículo del blog."""

    # AUTOINCREMENT: SQLite no vuelve a dar el id de un artículo borrado.
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    titulo = db.Column(db.String(MAX_TITULO), nullable=False)
    contenido = db.Column(db.Text, nullable=False, default="")
    publicado = db.Column(db.Boolean, nullable=False, default=False)
    creado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora)
    actualizado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora, onupdate=ahora)

    def a_dict(self):
        return {
            "id": self.id,
            "titulo": self.titulo,
            "contenido": self.contenido,
            "publicado": self.publicado,
            "creado_en": en_iso(self.creado_en),
            "actualizado_en": en_iso(self.actualizado_en),
        }


def error(mensaje, estado):
    """Respuesta de error en JSON: ``{"error": mensaje}`` con su código HTTP."""
    return jsonify(error=mensaje), estado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido.

    ``silent=True``: un cuerpo que no es JSON da ``None`` en lugar de un error
    415 o 400 en HTML. ``RecursionError``: un JSON anidado miles de niveles
    (``[[[[…``) agota la pila del analizador; también es «no válido».
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


# [ejercicio]
# def por_implementar():
#     """Respuesta provisional de lo que aún no has programado."""
#     return error("Por implementar.", 501)
#
#
# [fin]
def validar_articulo(datos, parcial=False):
    """Valida el cuerpo de un artículo.

    Devuelve ``(campos, None)`` si es válido o ``(None, mensaje)`` si no.
    Con ``parcial=True`` (PATCH) los campos ausentes no se tocan; si no (POST
    y PUT) ``titulo`` es obligatorio y el resto toma su valor por defecto.
    """
    # [solución] tarea 3: valida el cuerpo y devuelve (campos, None) o (None, mensaje).
    if not isinstance(datos, dict):
        return None, 'El cuerpo debe ser un objeto JSON, por ejemplo {"titulo": "Hola"}.'
    desconocidos = sorted(set(datos) - set(CAMPOS))
    if desconocidos:
        return None, f"Campos no permitidos: {', '.join(desconocidos)}. Se admiten: {', '.join(CAMPOS)}."
    if parcial and not datos:
        return None, f"Envía al menos uno de estos campos: {', '.join(CAMPOS)}."

    campos = {} if parcial else {"contenido": "", "publicado": False}
    if "titulo" in datos or not parcial:
        if "titulo" not in datos:
            return None, "Falta el campo «titulo»."
        titulo = datos["titulo"]
        if not isinstance(titulo, str):
            return None, "El campo «titulo» debe ser un texto."
        titulo = titulo.strip()
        if not titulo:
            return None, "El campo «titulo» no puede estar vacío."
        if len(titulo) > MAX_TITULO:
            return None, f"El campo «titulo» admite como máximo {MAX_TITULO} caracteres."
        campos["titulo"] = titulo
    if "contenido" in datos:
        if not isinstance(datos["contenido"], str):
            return None, "El campo «contenido» debe ser un texto."
        if len(datos["contenido"]) > MAX_CONTENIDO:
            return None, f"El campo «contenido» admite como máximo {MAX_CONTENIDO} caracteres."
        campos["contenido"] = datos["contenido"]
    if "publicado" in datos:
        if not isinstance(datos["publicado"], bool):
            return None, "El campo «publicado» debe ser true o false."
        campos["publicado"] = datos["publicado"]
    return campos, None
    # [ejercicio]
    # return datos, None
    # [fin]


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "articulos.sqlite")
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

    def buscar(articulo_id):
        """El artículo con ese id, o ``None`` (también si el id no cabe en la base de datos)."""
        if articulo_id > MAX_ID:
            return None
        return db.session.get(Articulo, articulo_id)

    def no_encontrado(articulo_id):
        return error(f"No existe ningún artículo con id {articulo_id}.", 404)

    @app.get("/api/articulos")
    def listar_articulos():
        # [solución] tarea 2: devuelve todos los artículos, ordenados por id.
        articulos = db.session.scalars(db.select(Articulo).order_by(Articulo.id))
        return jsonify([articulo.a_dict() for articulo in articulos])
        # [ejercicio]
        # return por_implementar()
        # [fin]

    @app.get("/api/articulos/<int:articulo_id>")
    def obtener_articulo(articulo_id):
        # [solución] tarea 2: devuelve el artículo, o 404 si no existe.
        articulo = buscar(articulo_id)
        if articulo is None:
            return no_encontrado(articulo_id)
        return jsonify(articulo.a_dict())
        # [ejercicio]
        # return por_implementar()
        # [fin]

    @app.post("/api/articulos")
    def crear_articulo():
        # [solución] tarea 1: valida, guarda y responde 201 con la cabecera Location.
        campos, mensaje = validar_articulo(leer_json())
        if mensaje:
            return error(mensaje, 400)
        articulo = Articulo(**campos)
        db.session.add(articulo)
        db.session.commit()
        ubicacion = url_for("obtener_articulo", articulo_id=articulo.id)
        return jsonify(articulo.a_dict()), 201, {"Location": ubicacion}
        # [ejercicio]
        # return por_implementar()
        # [fin]

    @app.put("/api/articulos/<int:articulo_id>")
    @app.patch("/api/articulos/<int:articulo_id>")
    def actualizar_articulo(articulo_id):
        # [solución] tarea 4: PUT reemplaza el artículo entero; PATCH cambia solo lo enviado.
        articulo = buscar(articulo_id)
        if articulo is None:
            return no_encontrado(articulo_id)
        parcial = request.method == "PATCH"
        campos, mensaje = validar_articulo(leer_json(), parcial=parcial)
        if mensaje:
            return error(mensaje, 400)
        for campo, valor in campos.items():
            setattr(articulo, campo, valor)
        articulo.actualizado_en = ahora()
        db.session.commit()
        return jsonify(articulo.a_dict())
        # [ejercicio]
        # return por_implementar()
        # [fin]

    @app.delete("/api/articulos/<int:articulo_id>")
    def eliminar_articulo(articulo_id):
        # [solución] tarea 5: borra el artículo y responde 204 sin cuerpo.
        articulo = buscar(articulo_id)
        if articulo is None:
            return no_encontrado(articulo_id)
        db.session.delete(articulo)
        db.session.commit()
        return "", 204
        # [ejercicio]
        # return por_implementar()
        # [fin]

    # [solución] tarea 6: los errores HTTP (404, 405, 413…) y los fallos inesperados en JSON.
    @app.errorhandler(HTTPException)
    def error_http(e):
        """La API responde siempre en JSON, nunca con una página HTML."""
        respuesta = jsonify(error=MENSAJES_HTTP.get(e.code, e.name))
        respuesta.status_code = e.code
        if e.code == 405:
            respuesta.headers["Allow"] = e.get_response().headers["Allow"]
        return respuesta

    @app.errorhandler(Exception)
    def error_interno(e):
        """Un fallo inesperado: el detalle va al log y el cliente recibe un 500 en JSON."""
        app.logger.exception("Error no controlado")
        return error("Error interno del servidor.", 500)

    # [fin]
    return app


MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande (máximo 1 MB).",
    415: "Tipo de contenido no admitido.",
}
