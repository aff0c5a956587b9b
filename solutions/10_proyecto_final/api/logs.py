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
        # [solución] tareas 1, 2, 5, 6 y 8: una línea JSON con los campos de «extra», todo pasado por tachar().
        linea = {
            "momento": datetime.fromtimestamp(registro.created, UTC).isoformat(timespec="milliseconds"),
            "nivel": registro.levelname,
            "evento": getattr(registro, "evento", "mensaje"),
            "mensaje": registro.getMessage(),
            "proceso": registro.process,  # con varios procesos (gunicorn -w 2), cuál escribió la línea
        }
        linea.update({k: v for k, v in vars(registro).items() if k not in ATRIBUTOS_DEL_REGISTRO})
        if registro.exc_info:
            linea["excepcion"] = registro.exc_info[0].__name__
            linea["traza"] = self.formatException(registro.exc_info)
        return json.dumps(tachar(linea), ensure_ascii=False, default=str)
        # [ejercicio]
        # return super().format(registro)
        # [fin]


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
    # [solución] tareas 2 y 6: los fallos de autenticación y de permisos, como avisos (OWASP A09).
    if estado >= 500:
        return logging.ERROR
    if estado in (401, 403, 429):
        return logging.WARNING
    return logging.INFO
    # [ejercicio]
    # return logging.INFO
    # [fin]


def terminar(respuesta):
    """``after_request``: la línea ``peticion``. La ruta va sin la query; ni el cuerpo ni las cabeceras."""
    inicio = g.get("inicio_de_la_peticion", time.perf_counter())
    # [solución] tareas 1, 2 y 5: una línea por petición, con su estado, su duración, la IP y el usuario del token.
    campos = {
        "evento": "peticion",
        "metodo": request.method,
        "ruta": request.path,
        "estado": respuesta.status_code,
        "duracion_ms": round((time.perf_counter() - inicio) * 1000, 2),
        "ip": request.remote_addr,
        "usuario": usuario_de_la_peticion(),
    }
    current_app.logger.log(
        nivel_de(respuesta.status_code), "%s %s → %s", request.method, request.path, respuesta.status_code, extra=campos
    )
    # [fin]
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
