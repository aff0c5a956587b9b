"""La administración de usuarios: la lista y el cambio de rol (solo admins) y la orden ``flask crear-admin``.

Siempre queda al menos un admin: el último no puede perder el rol ni borrar su
cuenta (nadie más podría administrar).
"""

import click
from flask import Blueprint, jsonify, request
from flask_jwt_extended import current_user, verify_jwt_in_request

from . import perfil
from .basedatos import MAX_ID
from .cuerpo import leer_json
from .errores import error
from .extensiones import db
from .modelos import MAX_EMAIL, MAX_NOMBRE, ROLES, Usuario
from .permisos import rol_requerido
from .usuarios import EMAIL, hash_de_password, problema_de_password

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


def por_implementar():
    """Respuesta provisional de lo que aún no has programado."""
    return error("Por implementar.", 501)


# TODO (tarea 3): la lista de usuarios y el cambio de rol, solo para admins (tarea 5: el último admin).
@bp.get("/api/admin/usuarios")
def listar_usuarios():
    return por_implementar()


@bp.patch("/api/admin/usuarios/<int:usuario_id>")
def cambiar_rol(usuario_id):
    return por_implementar()


@perfil.bp.before_request
def el_ultimo_admin_no_borra_su_cuenta():
    """Antes de ``DELETE /api/perfil`` (en ``perfil.py``): el último admin no puede borrar su cuenta."""
    if request.method != "DELETE":
        return None
    # TODO (tarea 5): el último admin no puede borrar su cuenta (nadie podría administrar).
    return None


@bp.cli.command("crear-admin")
@click.argument("email")
@click.option("--nombre", help="Nombre, si el usuario es nuevo (si no lo das, se pregunta).")
@click.option("--password", help="Contraseña, si el usuario es nuevo (si no la das, se pide sin mostrarla).")
def crear_admin(email, nombre, password):
    """Crea un administrador con EMAIL, o da el rol admin al usuario que ya lo tiene."""
    # TODO (tarea 2): si el email existe, rol admin; si no, un usuario nuevo con rol admin.
    raise click.ClickException("Por implementar.")
