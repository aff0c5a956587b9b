# Generado por «taller sincronizar» desde solutions/05_revocacion/api/tokens.py: edítalo allí.
"""Los tokens que emite la app: cada access token lleva su «sesion», el refresh token al que está ligado."""

import time

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token, get_jwt

from .extensiones import jwt
from .revocacion import almacen
from .usuarios import usuario_de


def sesion_de(refresh_token):
    """``{"jti", "exp"}`` de un refresh token: el claim «sesion» que liga a él cada access token.

    Así el logout, con solo el access token, sabe qué refresh token revocar.
    """
    claims = decode_token(refresh_token, allow_expired=True)  # recién creado: solo caduca si la vida configurada es ≤ 0
    return {"jti": claims["jti"], "exp": claims["exp"]}


def tokens_del_login(usuario):
    """El cuerpo de la respuesta de un login correcto: un access token fresco y un refresh token."""
    identidad = str(usuario.id)  # sub: siempre un texto
    refresh_token = create_refresh_token(identity=identidad)
    sesion = sesion_de(refresh_token)
    return {
        "access_token": create_access_token(identity=identidad, fresh=True, additional_claims={"sesion": sesion}),
        "refresh_token": refresh_token,
    }


def access_del_refresco(usuario, refresh_token=None):
    """El access token nuevo de ``POST /auth/refresh``: no fresco y ligado a su refresh token.

    ``refresh_token`` es el nuevo si hay rotación; si no, la sesión es la del
    refresh token de la petición.
    """
    sesion = sesion_de(refresh_token) if refresh_token else {"jti": get_jwt()["jti"], "exp": get_jwt()["exp"]}
    return create_access_token(identity=str(usuario.id), fresh=False, additional_claims={"sesion": sesion})


def tras_cambiar_password(usuario):
    """Tras guardar la contraseña nueva: se cierran todas las sesiones y esta recibe dos tokens nuevos (200).

    Los tokens nuevos son los de un login (:func:`tokens_del_login`): el access
    token lleva su «sesion», así que un logout posterior revoca también este
    refresh token, que si no seguiría vivo 30 días.
    """
    almacen().cerrar_sesiones(str(usuario.id), time.time())
    return tokens_del_login(usuario)


def claims_del_usuario(identidad):
    """Los claims propios de todo token de ``identidad``: ``{"nombre", "email"}``, leídos de la base de datos."""
    usuario = usuario_de(identidad)
    if usuario is None:
        return {}
    return {"nombre": usuario.nombre, "email": usuario.email}


@jwt.additional_claims_loader
def claims_de_todo_token(identidad):
    """Los claims de :func:`claims_del_usuario` y un ``iat`` con fracción de segundo (el RFC 7519 lo permite).

    «Emitido antes de T» (tarea 3) no puede depender del redondeo a segundos: un
    login en el mismo segundo que «cerrar todas las sesiones» debe valer.
    """
    return {**claims_del_usuario(identidad), "iat": time.time()}
