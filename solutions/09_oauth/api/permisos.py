# Generado por «taller sincronizar» desde solutions/06_roles/api/permisos.py: edítalo allí.
"""Quién puede ver y escribir qué artículos, ahora con roles: solo editores y admins escriben.

El rol viaja en el token como claim (el cliente lo lee para saber qué
enseñar), pero los permisos se deciden con ``current_user.rol``: el usuario
leído de la base de datos en cada petición. Un admin degradado pierde sus
permisos en la siguiente petición, y un token que diga ``"rol": "admin"`` no
vale nada si la base de datos dice otra cosa.
"""

from functools import wraps

from flask_jwt_extended import current_user, jwt_required, verify_jwt_in_request

from .errores import error
from .extensiones import db, jwt
from .modelos import ROLES, Articulo
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


@jwt.additional_claims_loader
def claims_con_rol(identidad):
    """Los claims de ``tokens.py`` (nombre, email e ``iat``) y el ``rol`` del usuario.

    Se registra después que el de ``tokens.py`` (este módulo lo importa), así
    que es el ``additional_claims_loader`` que usa Flask-JWT-Extended.
    """
    usuario = usuario_de(identidad)
    return {**claims_de_todo_token(identidad), **({"rol": usuario.rol} if usuario else {})}


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

    def decorador(vista):
        @wraps(vista)
        def envoltura(*args, **kwargs):
            verify_jwt_in_request()  # sin token o con uno malo: 401/422; usuario borrado: 401
            if current_user.rol not in roles:
                return error(f"No tienes permiso: hace falta el rol {' o '.join(roles)}.", 403)
            return vista(*args, **kwargs)

        return envoltura

    return decorador


def escritor_requerido(vista):
    """Decorador de las rutas que crean, modifican o borran artículos: solo editores y admins."""
    return rol_requerido("editor", "admin")(vista)


def token_opcional(vista):
    """Decorador de las rutas que leen artículos: el token es opcional; sin él se ven solo los publicados."""
    return jwt_required(optional=True)(vista)


def exigir_autor(articulo):
    """``None`` si el usuario del token puede modificar el artículo; si no, la respuesta de error (401 o 403)."""
    usuario = usuario_actual()
    if usuario is None:
        return token_sin_usuario()
    if usuario.rol == "admin":
        return None
    if articulo.autor_id != usuario.id:
        return error("Solo el autor puede modificar o borrar este artículo.", 403)
    return None


def puede_ver(articulo):
    """Los publicados los ve cualquiera; los borradores, solo su autor."""
    if articulo.publicado:
        return True
    usuario = usuario_actual()
    return usuario is not None and articulo.autor_id == usuario.id


def visibles(consulta):
    """``consulta`` (de artículos) limitada a los que puede ver quien pregunta: los publicados y sus borradores."""
    usuario = usuario_actual()
    if usuario is None:
        return consulta.where(Articulo.publicado)
    return consulta.where(db.or_(Articulo.publicado, Articulo.autor_id == usuario.id))
