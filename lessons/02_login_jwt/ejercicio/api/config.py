"""La configuración: valores por defecto, lo que llega en ``config`` y un ``JWT_SECRET_KEY`` que debe ser fuerte."""

import os
import secrets
from datetime import timedelta

MIN_BYTES_SECRETO = 32  # HS256: la clave debe tener al menos 32 bytes (RFC 7518, sección 3.2)
CLAVES_PUBLICAS = {"mi_clave_secreta", "super-secret-key-cambiar-en-produccion"}  # las de las semillas
COMO_GENERAR = 'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'


class SecretoDebil(RuntimeError):
    """La app no arranca sin un JWT_SECRET_KEY fuerte."""


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

    Al final exige un secreto fuerte. Cada parte de la app que necesita ajustes
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
    comprobar_secreto(app)


def comprobar_secreto(app):
    """Exige un ``JWT_SECRET_KEY`` fuerte. Sin ninguno, solo en depuración o en pruebas se usa uno aleatorio.

    Fuera de depuración y pruebas, sin clave, con una de menos de 32 bytes o con
    una de ejemplo, lanza ``SecretoDebil``: la app se niega a arrancar.
    """
    # TODO (tarea 2): sin un JWT_SECRET_KEY fuerte la app no arranca (salvo sin clave en depuración o pruebas).
    pass
