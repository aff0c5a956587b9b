"""Quién puede escribir artículos, ahora con roles: solo editores y admins escriben, y un admin modera.

El rol viaja en el token como claim (el cliente lo lee para saber qué
enseñar), pero los permisos se deciden con ``current_user.rol``: el usuario
leído de la base de datos en cada petición. Un admin degradado pierde sus
permisos en la siguiente petición, y un token que diga ``"rol": "admin"`` no
vale nada si la base de datos dice otra cosa.
"""

from functools import wraps

# jwt_required: lo usa el punto de partida del estudiante (los bloques [ejercicio]).
from flask_jwt_extended import current_user, jwt_required, verify_jwt_in_request  # noqa: F401

from .errores import error
from .extensiones import jwt
from .modelos import ROLES
from .tokens import claims_de_todo_token
from .usuarios import token_sin_usuario, usuario_actual, usuario_de


@jwt.user_lookup_loader
def cargar_usuario(cabecera, datos):
    """El ``user_lookup_loader``: el ``Usuario`` del token, leído de la base de datos en cada petición.

    Es lo que devuelve ``current_user``. Si el usuario ya no existe devuelve
    ``None`` y Flask-JWT-Extended responde con :func:`usuario_no_encontrado`
    (401) sin entrar en la ruta: nunca un 500 por un token de un usuario borrado.
    """
    return usuario_de(datos["sub"])


@jwt.user_lookup_error_loader
def usuario_no_encontrado(cabecera, datos):
    """El ``user_lookup_error_loader``: 401 en JSON cuando el usuario del token ya no existe."""
    return token_sin_usuario()


# TODO (tarea 1): todo token lleva también el claim "rol" (el del login y el del refresco).
def rol_requerido(*roles):
    """Decorador: la ruta exige un token válido (401 si no lo hay) de un usuario con uno de ``roles`` (403 si no).

    El rol se lee de la base de datos (``current_user``), no del claim del token:
    un cambio de rol vale desde la siguiente petición. Ponlo debajo de la ruta::

        @bp.get("/api/admin/usuarios")
        @rol_requerido("admin")
        def listar_usuarios(): ...
    """
    desconocidos = set(roles) - set(ROLES)
    if not roles or desconocidos:  # una errata («amdin») dejaría la ruta cerrada para todos sin avisar
        raise ValueError(f"rol_requerido necesita roles de {ROLES}, no {roles}.")

    # TODO (tarea 3): verify_jwt_in_request() (401 sin token) y 403 si current_user.rol no está en roles.
    return jwt_required()


def escritor_requerido(vista):
    """Decorador de las rutas que crean, modifican o borran artículos: solo editores y admins."""
    # TODO (tarea 4): solo editores y admins escriben artículos.
    return jwt_required()(vista)


def exigir_autor(articulo):
    """``None`` si el usuario del token puede modificar el artículo; si no, la respuesta de error (401 o 403)."""
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    # TODO (tarea 4): un admin modifica cualquier artículo; los demás, solo los suyos.
    if articulo.autor_id != usuario.id:
        return error("Solo el autor puede modificar o borrar este artículo.", 403)
    return None
