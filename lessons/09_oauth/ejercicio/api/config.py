# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/config.py): no hace falta que lo cambies.
"""La configuración: los valores por defecto y, encima, lo que llega en ``config`` (por ejemplo en las pruebas)."""

import os
from datetime import timedelta


def url_de_base_de_datos(carpeta_instance):
    """``DATABASE_URL`` si existe (PostgreSQL con psycopg 3); si no, SQLite en ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(carpeta_instance, "articulos.sqlite")
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url.removeprefix(prefijo)
    return url


def emisor_y_audiencia(leccion):
    """Los claims ``iss`` y ``aud`` de la API de la lección ``leccion`` (``"05"``): emite y acepta solo los suyos.

    Sin ellos, cualquier app que comparta el ``JWT_SECRET_KEY`` acepta los
    tokens de las demás: el token del usuario 1 de la lección 02 sería el del
    admin 1 de la lección 06 (RFC 8725, secciones 3.8 y 3.9). Con ellos, un token
    de otra app, aunque esté bien firmado, es un token inválido.
    """
    emisor = f"taller-flask-jwt/leccion-{leccion}"
    audiencia = f"{emisor}/api"
    return {
        "JWT_ENCODE_ISSUER": emisor,  # el iss de los tokens que emite
        "JWT_DECODE_ISSUER": emisor,  # el único iss que acepta
        "JWT_ENCODE_AUDIENCE": audiencia,  # el aud: para quién es el token
        "JWT_DECODE_AUDIENCE": audiencia,
    }


def configurar(app, config=None, *ajustes, leccion):
    """Los valores por defecto, los de cada parte (``ajustes``: funciones que devuelven un dict), luego ``config``.

    Cada parte de la app que necesita ajustes
    propios (el refresco, la revocación…) los declara en su módulo y la fábrica
    se los pasa aquí: la configuración se lee de arriba abajo en un solo sitio.
    ``leccion`` (``"02"``) da el ``iss`` y el ``aud`` de sus tokens: cada lección, los suyos.
    """
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # del entorno, nunca escrita en el código
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        BCRYPT_LOG_ROUNDS=12,
        **emisor_y_audiencia(leccion),
    )
    for parte in ajustes:
        app.config.from_mapping(parte())
    if config:
        app.config.update(config)
