"""Los entornos: desarrollo, pruebas y producción, cada uno con su clase de configuración.

``ENTORNO`` (en ``config`` o en el entorno) elige la clase; sin ella, ``desarrollo``
(o ``pruebas`` si ``config`` trae ``TESTING``). Las clases solo ponen valores: la
fábrica los aplica encima de los de cada parte y debajo de ``config``. Después,
:func:`exigir_produccion` revisa la configuración final: en producción la app no
arranca con un secreto débil, sin Redis o con la base de datos de ejemplo.
"""

import os

from .auth import CLAVES_PUBLICAS, MIN_BYTES_SECRETO
from .oauth import proveedores_del_entorno

COMO_GENERAR = 'python -c "import secrets; print(secrets.token_hex(32))"'


class ConfiguracionInsegura(RuntimeError):
    """La configuración no sirve para producción: la app se niega a arrancar."""


class Comun:
    """Lo que comparten los tres entornos."""

    # TODO (tarea 3): rotar los refresh tokens (RFC 9700, sección 4.14): cada uno vale una sola vez.
    ROTAR_REFRESH_TOKENS = False
    MIGRAR_AL_ARRANCAR = True  # desarrollo y pruebas: «flask db upgrade» al crear la app
    OAUTH_PROVEEDORES = "oidc"  # «Iniciar sesión con…»: el proveedor local (taller proveedor-oidc)
    # Sin pool_pre_ping: un «SELECT 1» antes de cada petición duplicaba las idas y vueltas a PostgreSQL
    # (medido en benchmarks/api_10.py). Una conexión que PostgreSQL cerró da un 503 (esquema.py) y el pool la cambia.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}


class Desarrollo(Comun):
    """``flask --app api run --debug`` en tu máquina: SQLite en ``instance/`` si no hay ``DATABASE_URL``."""

    NOMBRE = "desarrollo"


class Pruebas(Comun):
    """Las pruebas: bcrypt barato y el contador de intentos en memoria (un solo proceso)."""

    NOMBRE = "pruebas"
    TESTING = True
    BCRYPT_LOG_ROUNDS = 4
    RATELIMIT_STORAGE_URI = "memory://"


class Produccion(Comun):
    """Varios procesos detrás de un proxy: PostgreSQL, Redis y secretos del entorno, o no arranca."""

    NOMBRE = "produccion"
    MIGRAR_AL_ARRANCAR = False  # las migraciones son un paso del despliegue, no de cada proceso
    BCRYPT_LOG_ROUNDS = 12
    PREFERRED_URL_SCHEME = "https"
    OAUTH_PROVEEDORES = "google"  # con OAUTH_GOOGLE_CLIENT_ID y OAUTH_GOOGLE_CLIENT_SECRET del entorno


ENTORNOS = {clase.NOMBRE: clase for clase in (Desarrollo, Pruebas, Produccion)}


def elegir(config):
    """La clase del entorno: ``ENTORNO`` de ``config`` o del entorno; si no, pruebas (con ``TESTING``) o desarrollo."""
    config = config or {}
    nombre = (
        config.get("ENTORNO") or os.environ.get("ENTORNO") or ("pruebas" if config.get("TESTING") else "desarrollo")
    )
    # TODO (tarea 9): un nombre que no existe (una errata, «prod») no arranca: nunca desarrollo sin avisar.
    return ENTORNOS.get(nombre, Desarrollo)


def ajustes_para(config):
    """Los ajustes del entorno que elige ``config`` (la fábrica se los pasa a ``configurar``)."""
    clase = elegir(config)
    valores = {k: getattr(clase, k) for k in dir(clase) if k.isupper() and k != "NOMBRE"}
    return lambda: {
        "ENTORNO": clase.NOMBRE,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "PROVEEDORES_OAUTH": proveedores_de(clase, os.environ),
        **valores,
    }


def proveedores_de(clase, entorno):
    """Los proveedores de «Iniciar sesión con…»: los de ``OAUTH_PROVEEDORES`` del entorno o, si no, los de la clase.

    Cada uno con su id y su secreto del entorno (``OAUTH_GOOGLE_CLIENT_ID``…): sin ellos no se ofrece.
    """
    return proveedores_del_entorno({"OAUTH_PROVEEDORES": clase.OAUTH_PROVEEDORES, **entorno})


def es_debil(clave):
    """``True`` si ``clave`` falta, tiene menos de 32 bytes o es una de las de ejemplo de las semillas."""
    return not clave or len(str(clave).encode("utf-8")) < MIN_BYTES_SECRETO or clave in CLAVES_PUBLICAS


def problemas_de_produccion(config, base_elegida):
    """Lo que impide arrancar en producción (una lista de textos; vacía si todo está bien)."""
    problemas = []
    # TODO (tarea 9): secretos fuertes, sin depuración, con Redis y con una base de datos elegida.
    return problemas


def exigir_produccion(app, config):
    """En producción, lanza ``ConfiguracionInsegura`` con todo lo que falta; en los demás entornos no hace nada.

    ``config`` es el de ``create_app``: la base de datos está elegida si viene en él o en ``DATABASE_URL``.
    """
    if app.config["ENTORNO"] != Produccion.NOMBRE:
        return
    base_elegida = bool(os.environ.get("DATABASE_URL") or (config or {}).get("SQLALCHEMY_DATABASE_URI"))
    problemas = problemas_de_produccion(app.config, base_elegida)
    if problemas:
        raise ConfiguracionInsegura("La app no arranca en producción: " + "; ".join(problemas) + ".")
