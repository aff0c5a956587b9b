"""La salud: ``GET /salud`` dice si la base de datos y Redis responden (200) o si alguno no (503).

La usa quien vigila la app (el balanceador, Kubernetes, un ``curl`` en un
cron): con un 503 deja de mandarle peticiones a este proceso. No pide token y
no enseña nada que ayude a un atacante: ni URLs, ni versiones, ni el error
exacto (ese va al log).
"""

import redis
from flask import Blueprint, current_app, jsonify
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .almacenes import ESPERA_REDIS
from .errores import CODIGOS_HTTP
from .extensiones import db

bp = Blueprint("salud", __name__)

BIEN, MAL, SIN_CONFIGURAR = "ok", "no responde", "sin configurar"


def estado_de_la_base_de_datos():
    """``"ok"`` si la base de datos contesta a ``SELECT 1``; si no, ``"no responde"`` (y el motivo, al log)."""
    # [solución] tarea 10: SELECT 1; si falla, deshacer la sesión y decir «no responde».
    try:
        db.session.execute(text("SELECT 1"))
        return BIEN
    except SQLAlchemyError as e:
        db.session.rollback()
        current_app.logger.error("La base de datos no responde: %s", type(e).__name__, extra={"evento": "salud"})
        return MAL
    # [ejercicio]
    # return BIEN
    # [fin]


def estado_de_redis():
    """``"ok"`` si Redis contesta a ``PING`` en menos de 1 s, ``"no responde"`` si no, o ``"sin configurar"``."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return SIN_CONFIGURAR
    # [solución] tarea 4: PING con la misma espera máxima que el almacén de revocados (un 503 rápido).
    cliente = redis.Redis.from_url(
        url, socket_connect_timeout=ESPERA_REDIS, socket_timeout=ESPERA_REDIS, retry=Retry(NoBackoff(), 0)
    )
    try:
        cliente.ping()
        return BIEN
    except redis.RedisError as e:
        current_app.logger.error("Redis no responde: %s", type(e).__name__, extra={"evento": "salud"})
        return MAL
    finally:
        cliente.close()
    # [ejercicio]
    # return BIEN
    # [fin]


@bp.get("/salud")
def salud():
    componentes = {"base_de_datos": estado_de_la_base_de_datos(), "redis": estado_de_redis()}
    # [solución] tarea 10: 200 si todo responde; si no, 503 con el sobre de error y el estado de cada parte.
    if MAL in componentes.values():
        cuerpo = {"estado": "no disponible", **componentes}
        cuerpo.update(error="Alguna parte de la API no responde.", codigo=CODIGOS_HTTP[503])
        return jsonify(cuerpo), 503
    return jsonify(estado="ok", **componentes)
    # [ejercicio]
    # return jsonify(error="La salud aún no está hecha.", codigo="NOT_IMPLEMENTED", **componentes), 501
    # [fin]
