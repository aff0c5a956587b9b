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


def configurar(app, config=None, *ajustes):
    """Los valores por defecto, los de cada parte (``ajustes``: funciones que devuelven un dict), luego ``config``.

    Cada parte de la app que necesita ajustes
    propios (el refresco, la revocación…) los declara en su módulo y la fábrica
    se los pasa aquí: la configuración se lee de arriba abajo en un solo sitio.
    """
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url_de_base_de_datos(app.instance_path),
        MAX_CONTENT_LENGTH=1024 * 1024,
        JWT_SECRET_KEY=os.environ.get("JWT_SECRET_KEY"),  # del entorno, nunca escrita en el código
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=15),
        BCRYPT_LOG_ROUNDS=12,
    )
    for parte in ajustes:
        app.config.from_mapping(parte())
    if config:
        app.config.update(config)
