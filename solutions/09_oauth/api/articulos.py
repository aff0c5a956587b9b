# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/articulos.py: edítalo allí.
"""Los artículos: el CRUD de la lección 01 con autor. Quién puede ver o escribir cada uno lo dice ``permisos.py``."""

from flask import Blueprint, jsonify, request, url_for

from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import MAX_CONTENIDO, MAX_ID, MAX_TITULO, Articulo, ahora
from .permisos import escritor_requerido, exigir_autor, puede_ver, token_opcional, visibles
from .usuarios import token_sin_usuario, usuario_actual

bp = Blueprint("articulos", __name__)

CAMPOS = ("titulo", "contenido", "publicado")


def validar_articulo(datos, parcial=False):
    """Valida el cuerpo de un artículo.

    Devuelve ``(campos, None)`` si es válido o ``(None, mensaje)`` si no.
    Con ``parcial=True`` (PATCH) los campos ausentes no se tocan; si no (POST
    y PUT) ``titulo`` es obligatorio y el resto toma su valor por defecto.
    """
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


def buscar(articulo_id):
    """El artículo con ese id, o ``None`` (también si el id no cabe en la base de datos)."""
    if articulo_id > MAX_ID:
        return None
    return db.session.get(Articulo, articulo_id)


def no_encontrado(articulo_id):
    return error(f"No existe ningún artículo con id {articulo_id}.", 404)


@bp.get("/api/articulos")
@token_opcional
def listar_articulos():
    articulos = db.session.scalars(visibles(db.select(Articulo).order_by(Articulo.id)))
    return jsonify([articulo.a_dict() for articulo in articulos])


@bp.get("/api/articulos/<int:articulo_id>")
@token_opcional
def obtener_articulo(articulo_id):
    articulo = buscar(articulo_id)
    if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»
        return no_encontrado(articulo_id)
    return jsonify(articulo.a_dict())


@bp.post("/api/articulos")
@escritor_requerido
def crear_articulo():
    autor = usuario_actual()
    if autor is None:
        return token_sin_usuario()
    campos, mensaje = validar_articulo(leer_json())
    if mensaje:
        return error(mensaje, 400)
    articulo = Articulo(**campos, autor_id=autor.id)
    db.session.add(articulo)
    db.session.commit()
    ubicacion = url_for(".obtener_articulo", articulo_id=articulo.id)
    return jsonify(articulo.a_dict()), 201, {"Location": ubicacion}


@bp.put("/api/articulos/<int:articulo_id>")
@bp.patch("/api/articulos/<int:articulo_id>")
@escritor_requerido
def actualizar_articulo(articulo_id):
    articulo = buscar(articulo_id)
    if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
        return no_encontrado(articulo_id)
    if respuesta := exigir_autor(articulo):
        return respuesta
    parcial = request.method == "PATCH"
    campos, mensaje = validar_articulo(leer_json(), parcial=parcial)
    if mensaje:
        return error(mensaje, 400)
    for campo, valor in campos.items():
        setattr(articulo, campo, valor)
    articulo.actualizado_en = ahora()
    db.session.commit()
    return jsonify(articulo.a_dict())


@bp.delete("/api/articulos/<int:articulo_id>")
@escritor_requerido
def eliminar_articulo(articulo_id):
    articulo = buscar(articulo_id)
    if articulo is None or not puede_ver(articulo):  # un borrador ajeno «no existe»: 404, no 403
        return no_encontrado(articulo_id)
    if respuesta := exigir_autor(articulo):
        return respuesta
    db.session.delete(articulo)
    db.session.commit()
    return "", 204
