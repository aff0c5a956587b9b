# Generado por «taller sincronizar» desde solutions/06_roles/api/admin.py: edítalo allí.
"""La administración de usuarios: la lista y el cambio de rol (solo admins) y la orden ``flask crear-admin``.

Siempre queda al menos un admin: el último no puede perder el rol ni borrar su
cuenta (nadie más podría administrar).
"""

import click
from flask import Blueprint, jsonify, request
from flask_jwt_extended import current_user, verify_jwt_in_request

from . import perfil
from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import MAX_EMAIL, MAX_ID, MAX_NOMBRE, ROLES, Usuario
from .permisos import rol_requerido
from .usuarios import EMAIL, cifrar, problema_de_password

bp = Blueprint("admin", __name__, cli_group=None)  # cli_group=None: «flask crear-admin», sin prefijo


def cuantos_admins():
    """Cuántos usuarios tienen el rol admin."""
    return db.session.scalar(db.select(db.func.count()).select_from(Usuario).filter_by(rol="admin"))


def validar_rol(datos):
    """El rol nuevo del cuerpo de ``PATCH /api/admin/usuarios/<id>``, o ``(None, mensaje)`` si no vale."""
    if not isinstance(datos, dict) or set(datos) != {"rol"}:
        return None, 'El cuerpo debe ser un objeto JSON con solo el campo «rol»: {"rol": "editor"}.'
    if datos["rol"] not in ROLES:
        return None, f"Rol no válido: usa uno de {', '.join(ROLES)}."
    return datos["rol"], None


def buscar_usuario(usuario_id):
    if usuario_id > MAX_ID:
        return None
    return db.session.get(Usuario, usuario_id)


@bp.get("/api/admin/usuarios")
@rol_requerido("admin")
def listar_usuarios():
    usuarios = db.session.scalars(db.select(Usuario).order_by(Usuario.id))
    return jsonify([usuario.a_dict() for usuario in usuarios])


@bp.patch("/api/admin/usuarios/<int:usuario_id>")
@rol_requerido("admin")
def cambiar_rol(usuario_id):
    rol, mensaje = validar_rol(leer_json())
    if mensaje:
        return error(mensaje, 400)
    usuario = buscar_usuario(usuario_id)
    if usuario is None:
        return error(f"No existe ningún usuario con id {usuario_id}.", 404)
    if usuario.rol == "admin" and rol != "admin" and cuantos_admins() <= 1:
        return error("No se puede quitar el rol de admin al último administrador: nombra antes a otro.", 409)
    usuario.rol = rol
    db.session.commit()
    return jsonify(usuario.a_dict())


@perfil.bp.before_request
def el_ultimo_admin_no_borra_su_cuenta():
    """Antes de ``DELETE /api/perfil`` (en ``perfil.py``): el último admin no puede borrar su cuenta."""
    if request.method != "DELETE":
        return None
    verify_jwt_in_request(fresh=True)  # sin un token fresco, el mismo 401 que daría la ruta
    if current_user.rol == "admin" and cuantos_admins() <= 1:
        return error("El último administrador no puede borrar su cuenta: nombra antes a otro admin.", 409)
    return None


@bp.cli.command("crear-admin")
@click.argument("email")
@click.option("--nombre", help="Nombre, si el usuario es nuevo (si no lo das, se pregunta).")
@click.option("--password", help="Contraseña, si el usuario es nuevo (si no la das, se pide sin mostrarla).")
def crear_admin(email, nombre, password):
    """Crea un administrador con EMAIL, o da el rol admin al usuario que ya lo tiene."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise click.ClickException(f"«{email}» no es un email válido.")
    usuario = db.session.scalar(db.select(Usuario).filter_by(email=email))
    if usuario is not None:
        usuario.rol = "admin"
        db.session.commit()
        click.echo(f"{usuario.email} (id {usuario.id}) ahora es admin.")
        return
    nombre = (nombre or click.prompt("Nombre")).strip()
    if not nombre or len(nombre) > MAX_NOMBRE:
        raise click.ClickException(f"El nombre no puede estar vacío ni pasar de {MAX_NOMBRE} caracteres.")
    if password is None:
        password = click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repítela")
    if mensaje := problema_de_password(password):
        raise click.ClickException(mensaje)
    usuario = Usuario(email=email, nombre=nombre, password_hash=cifrar(password), rol="admin")
    db.session.add(usuario)
    db.session.commit()
    click.echo(f"Administrador {usuario.id} creado: {usuario.email}")
