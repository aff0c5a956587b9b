"""Los tokens que emite la app: qué lleva cada uno sale de aquí (las lecciones siguientes lo amplían)."""

from flask_jwt_extended import create_access_token


def tokens_del_login(usuario):
    """El cuerpo de la respuesta de un login correcto: ``{"access_token": …}``.

    El ``sub`` del token es el id del usuario **como texto** (``"7"``): con un
    entero, Flask-JWT-Extended crea el token pero lo rechaza (422) al usarlo.
    La caducidad sale de ``JWT_ACCESS_TOKEN_EXPIRES``.
    """
    return {"access_token": create_access_token(identity=str(usuario.id))}
