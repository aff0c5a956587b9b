"""Los tokens que emite la app: un access token corto y fresco, un refresh token largo y los claims del usuario."""

from flask_jwt_extended import create_access_token, create_refresh_token

from .extensiones import jwt
from .usuarios import usuario_de


def tokens_del_login(usuario):
    """El cuerpo de la respuesta de un login correcto: ``{"access_token": …, "refresh_token": …}``.

    El access token es **fresco**: se acaba de dar la contraseña. El ``sub`` de
    los dos es el id del usuario como texto; las caducidades salen de
    ``JWT_ACCESS_TOKEN_EXPIRES`` y ``JWT_REFRESH_TOKEN_EXPIRES``.
    """
    identidad = str(usuario.id)  # sub: siempre un texto
    # TODO (tarea 1): un access token fresco (acabas de dar la contraseña) y un refresh token.
    return {"access_token": create_access_token(identity=identidad)}


def access_del_refresco(usuario, refresh_token=None):
    """El access token nuevo de ``POST /auth/refresh``: **no** fresco, porque no se ha dado la contraseña.

    ``refresh_token`` es el refresh token nuevo si hay rotación (la lección 05
    lo usa para ligar el access token a su sesión).
    """
    return create_access_token(identity=str(usuario.id), fresh=False)


def tras_cambiar_password(usuario):
    """La respuesta de ``POST /api/perfil/password`` cuando ya se ha guardado la contraseña nueva: 204 sin cuerpo.

    (En la lección 05, además, cierra las demás sesiones y da dos tokens nuevos.)
    """
    return "", 204


# TODO (tarea 3): los claims de todos los tokens salen de claims_del_usuario.
def claims_del_usuario(identidad):
    """Los claims propios de todo token de ``identidad``: ``{"nombre"}``, leído de la base de datos.

    Flask-JWT-Extended la llama en cada ``create_access_token`` y ``create_refresh_token``
    (es su ``additional_claims_loader``): los claims salen de un solo sitio y el token
    del login y el del refresco llevan los mismos, siempre al día. El email **no**
    va: la carga de un JWT la lee cualquiera que vea el token (lección 03), y el
    email es un dato personal que la API ya encuentra con el ``sub``.
    """
    # TODO (tarea 3): busca el usuario y devuelve su nombre ({} si ya no existe).
    return {}
