"""Los logs: una línea JSON por evento y por petición, sin tokens, contraseñas ni cabeceras.

Cada línea es un objeto JSON (``momento``, ``nivel``, ``evento``, ``mensaje`` y
los campos del evento) que un recolector de logs lee sin expresiones regulares.
Por cada petición sale una línea ``peticion`` con el método, la ruta (sin la
query), el estado, la duración y el usuario (el ``sub`` del token, si se
verificó); un 401 o 403 sale como aviso y un 500, como error con su traza.
Nunca se escribe el cuerpo ni una cabecera, y antes de escribir cualquier
línea se tacha lo que parezca un JWT o un ``Bearer …`` (OWASP Logging Cheat
Sheet: ni contraseñas, ni tokens de sesión, ni claves).
"""

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime

from flask import current_app, g, request
from flask.logging import default_handler
from flask_jwt_extended import get_jwt

TACHADO = "[oculto]"
# Un JWT (tres trozos base64url, el primero empieza por «eyJ», que es «{"») o lo que siga a «Bearer ».
SECRETOS = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*|(?<=Bearer )\S+", re.IGNORECASE)
CAMPOS_PROHIBIDOS = {"password", "password_actual", "password_nueva", "access_token", "refresh_token", "token"}
CAMPOS_PROHIBIDOS |= {"authorization", "cookie", "set-cookie", "x-csrf-token"}
ATRIBUTOS_DEL_REGISTRO = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def tachar(valor):
    """``valor`` con los JWT y los ``Bearer …`` tachados; en un dict, también los campos prohibidos."""
    if isinstance(valor, str):
        return SECRETOS.sub(TACHADO, valor)
    if isinstance(valor, dict):
        return {k: TACHADO if str(k).lower() in CAMPOS_PROHIBIDOS else tachar(v) for k, v in valor.items()}
    if isinstance(valor, list | tuple):
        return [tachar(v) for v in valor]
    return valor


class FormatoJSON(logging.Formatter):
    """Cada registro, una línea JSON: los campos fijos, los de ``extra=`` y la traza si la hay; todo tachado."""

    def format(self, registro):
        # TODO (tareas 1, 2, 5, 6 y 8): una línea JSON con los campos de «extra», todo pasado por tachar().
        return super().format(registro)


def usuario_de_la_peticion():
    """El ``sub`` del token que se verificó en esta petición, o ``None`` (sin token, o no se llegó a verificar)."""
    try:
        return get_jwt().get("sub")
    except RuntimeError:  # la vista no pidió token (o la verificación falló antes)
        return None


def empezar():
    """``before_request``: apunta cuándo empezó la petición."""
    g.inicio_de_la_peticion = time.perf_counter()


def nivel_de(estado):
    """Error para un 5xx; aviso para 401, 403 y 429 (intentos de entrar o de saltarse permisos); info el resto."""
    # TODO (tareas 2 y 6): los fallos de autenticación y de permisos, como avisos (OWASP A09).
    return logging.INFO


def terminar(respuesta):
    """``after_request``: la línea ``peticion``. La ruta va sin la query; ni el cuerpo ni las cabeceras."""
    inicio = g.get("inicio_de_la_peticion", time.perf_counter())
    # TODO (tareas 1, 2 y 5): una línea por petición, con su estado, su duración, la IP y el usuario del token.
    return respuesta


class ManejadorJSON(logging.StreamHandler):
    """Escribe en el ``sys.stderr`` de cada momento (gunicorn y las pruebas lo cambian) con :class:`FormatoJSON`."""

    def __init__(self):
        super().__init__()
        self.setFormatter(FormatoJSON())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _):
        pass


def init_app(app):
    """Cambia el manejador de Flask por uno que escribe JSON en stderr y registra el log de cada petición."""
    for manejador in list(app.logger.handlers):  # otra app del mismo paquete en este proceso ya puso el suyo
        if isinstance(manejador, ManejadorJSON) or manejador is default_handler:
            app.logger.removeHandler(manejador)
    app.logger.addHandler(ManejadorJSON())
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False  # una línea por evento, no otra más en el log raíz
    app.before_request(empezar)
    app.after_request(terminar)
