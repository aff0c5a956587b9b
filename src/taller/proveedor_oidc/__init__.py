"""Un proveedor OpenID Connect local para practicar sin Internet (lección 09).

Hecho con el servidor de autorización de Authlib. Sirve el flujo del código de
autorización con PKCE (solo S256) y ``nonce`` obligatorios, direcciones de retorno
comparadas de forma exacta, id_tokens RS256, userinfo y refresh tokens con rotación.
Los usuarios de prueba están en ``modelos.USUARIOS_DE_PRUEBA``.

Ponlo en marcha con ``taller proveedor-oidc`` o, para probarlo::

    from taller.proveedor_oidc import create_app
    app = create_app({"OIDC_EMISOR": "http://127.0.0.1:9000"})

Claves de configuración (``config`` las cambia):

``SECRET_KEY``
    Firma la sesión del proveedor (quién ha iniciado sesión). De la variable de entorno
    ``PROVEEDOR_OIDC_SECRET_KEY`` o aleatoria en cada arranque; al menos 32 bytes.
``OIDC_EMISOR``
    El ``iss`` de los id_tokens y la base de todas las URL del descubrimiento.
``OIDC_CLIENTES``
    Lista de ``{"client_id", "client_secret", "redirect_uris", "nombre"}``. Por defecto,
    un cliente ``OIDC_CLIENT_ID`` (``taller-demo``) con el secreto ``OIDC_CLIENT_SECRET``
    (aleatorio si falta) y las direcciones de retorno ``OIDC_REDIRECT_URIS``.
``OIDC_SOLO_SUB``
    ``True``: el id_token solo lleva ``sub``; el email y el nombre, solo en userinfo.
``OIDC_CLAVE_PRIVADA``
    Clave RSA privada en PEM; sin ella se genera una en cada arranque.
``OIDC_DURACION_CODIGO``, ``OIDC_DURACION_ID_TOKEN``, ``OIDC_DURACION_ACCESO``, ``OIDC_DURACION_REFRESCO``
    Segundos de vida de cada cosa (60, 600, 600 y 86400).
"""

import os
import secrets

from flask import Flask

from .modelos import Almacen, Cliente
from .servidor import Estado, cargar_o_generar_clave, crear_servidor, nuevo_secreto
from .vistas import bp

MIN_BYTES_SECRETO = 32
CLIENTE_DE_PRUEBA = "taller-demo"
REDIRECCION_DE_PRUEBA = "http://127.0.0.1:5000/auth/oidc/callback"

POR_DEFECTO = {
    "OIDC_EMISOR": "http://127.0.0.1:9000",
    "OIDC_SOLO_SUB": False,
    "OIDC_CLAVE_PRIVADA": None,
    "OIDC_DURACION_CODIGO": 60,
    "OIDC_DURACION_ID_TOKEN": 600,
    "OIDC_DURACION_ACCESO": 600,
    "OIDC_DURACION_REFRESCO": 86400,
    "OIDC_CLIENT_ID": CLIENTE_DE_PRUEBA,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_REDIRECT_URIS": [REDIRECCION_DE_PRUEBA],
    # La cookie de sesión tiene nombre propio: las cookies no distinguen puertos, y el
    # cliente de la lección (en 127.0.0.1:5000) usa «session»; con el mismo nombre se
    # pisarían una a otra en el navegador.
    "SESSION_COOKIE_NAME": "proveedor_oidc_sesion",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


class SecretoDebil(RuntimeError):
    """El proveedor no arranca con un secreto corto."""


def clientes_de(config: dict) -> dict[str, Cliente]:
    definiciones = config.get("OIDC_CLIENTES") or [
        {
            "client_id": config["OIDC_CLIENT_ID"],
            "client_secret": config.get("OIDC_CLIENT_SECRET") or nuevo_secreto(),
            "redirect_uris": list(config["OIDC_REDIRECT_URIS"]),
            "nombre": "Cliente de prueba del taller",
        }
    ]
    clientes = {}
    for d in definiciones:
        if len(d["client_secret"]) < MIN_BYTES_SECRETO:
            raise SecretoDebil(
                f"el secreto del cliente «{d['client_id']}» es demasiado corto: "
                f"usa al menos {MIN_BYTES_SECRETO} caracteres aleatorios"
            )
        clientes[d["client_id"]] = Cliente(
            d["client_id"], d["client_secret"], list(d["redirect_uris"]), d.get("nombre") or d["client_id"]
        )
    return clientes


def create_app(config: dict | None = None) -> Flask:
    """La app Flask del proveedor. ``config`` cambia cualquier clave (ver el docstring del módulo)."""
    app = Flask(__name__)
    app.config.update(POR_DEFECTO)
    # Su propia variable: el cliente de la lección tiene su SECRET_KEY y no deben compartirla.
    app.config["SECRET_KEY"] = os.environ.get("PROVEEDOR_OIDC_SECRET_KEY") or secrets.token_hex(32)
    app.config.update(config or {})
    if len(str(app.config["SECRET_KEY"]).encode()) < MIN_BYTES_SECRETO:
        raise SecretoDebil(
            f"SECRET_KEY (PROVEEDOR_OIDC_SECRET_KEY en el entorno) debe tener al menos {MIN_BYTES_SECRETO} bytes; "
            "genera una con: export PROVEEDOR_OIDC_SECRET_KEY="
            '$(python -c "import secrets; print(secrets.token_hex(32))")'
        )
    clientes = clientes_de(app.config)
    clave = cargar_o_generar_clave(app.config["OIDC_CLAVE_PRIVADA"])
    servidor, protector = crear_servidor(app)
    app.extensions["proveedor_oidc"] = Estado(clientes, clave, Almacen(), servidor, protector)
    app.register_blueprint(bp)
    return app
