"""Dónde se apuntan los tokens revocados: en dos tablas de la base de datos o en Redis, con TTL.

Los dos almacenes tienen los mismos tres métodos (``revocar``,
``cerrar_sesiones``, ``esta_revocado``) y, si no pueden responder, lanzan
``AlmacenNoDisponible``: la app contesta 503 y nunca acepta un token que
podría estar revocado.
"""

import math
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import SQLAlchemyError

from .extensiones import db

ESPERA_REDIS = 0.25  # segundos para conectar y otros tantos para responder: un 503 en menos de 1 s


class AlmacenNoDisponible(Exception):
    """El almacén de revocados no responde: no sabemos si el token está revocado (se responde 503)."""


class TokenRevocado(db.Model):
    """Un token revocado: su ``jti`` y cuándo caduca (``exp``; después ya no hace falta recordarlo)."""

    jti = db.Column(db.String(64), primary_key=True)
    caduca_en = db.Column(db.Integer, nullable=False, index=True)


class SesionesCerradas(db.Model):
    """«Cerrar todas las sesiones»: los tokens de ``usuario`` emitidos antes de ``desde`` no valen."""

    usuario = db.Column(db.String(32), primary_key=True)  # el ``sub`` de sus tokens
    desde = db.Column(db.Float, nullable=False)  # segundos desde 1970, con fracción
    caduca_en = db.Column(db.Integer, nullable=False)  # después, todos esos tokens han caducado solos


def segundos_que_le_quedan(exp):
    """Lo que le queda de vida a un token que caduca en ``exp`` (segundos desde 1970), redondeado hacia arriba."""
    return max(0, math.ceil(exp - time.time()))


class AlmacenSQL:
    """Los revocados en dos tablas de la base de datos de la app (SQLite por defecto)."""

    def __init__(self, vida_maxima):
        self.vida_maxima = vida_maxima  # segundos: la vida del refresh token

    def revocar(self, jti, exp):
        """Apunta el token ``jti`` (que caduca en ``exp``) como revocado."""
        # TODO (tarea 1): guarda el jti y su exp en TokenRevocado (revocar dos veces no es un error).
        pass

    def cerrar_sesiones(self, usuario, desde):
        """Todos los tokens de ``usuario`` (su ``sub``) emitidos antes de ``desde`` dejan de valer."""
        # TODO (tarea 3): guarda (o cambia) la fila de SesionesCerradas del usuario.
        pass

    def esta_revocado(self, jti, usuario, emitido):
        """¿Está revocado el token ``jti`` de ``usuario`` emitido en ``emitido`` (su ``iat``)?"""
        # TODO (tarea 1): revocado si su jti está en TokenRevocado (tarea 3: o si se emitió antes del cierre).
        return False

    def _guardar(self):
        try:
            db.session.commit()
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e


class AlmacenRedis:
    """Los revocados en Redis: una clave por token, con el TTL de lo que le queda de vida."""

    def __init__(self, url, prefijo, vida_maxima):
        self.prefijo = prefijo  # todas las claves empiezan así («taller:» por defecto)
        self.vida_maxima = vida_maxima
        # TODO (tarea 5): tiempos de espera cortos y sin reintentos: si Redis no contesta, 503 enseguida.
        self.redis = redis.Redis.from_url(url)

    def revocar(self, jti, exp):
        # TODO (tarea 4): la clave prefijo + "jti:" + jti, con TTL = lo que le queda al token (si le queda algo).
        pass

    def cerrar_sesiones(self, usuario, desde):
        # TODO (tarea 4): la clave prefijo + "usuario:" + usuario con el instante, y TTL = vida del refresh token.
        pass

    def esta_revocado(self, jti, usuario, emitido):
        # TODO (tarea 4): una sola consulta (MGET) para las dos claves.
        return False

    @staticmethod
    def _pedir(orden, *args, **kwargs):
        """Ejecuta una orden de Redis; si Redis falla, ``AlmacenNoDisponible`` (nunca un 500, nunca aceptar)."""
        # TODO (tarea 5): captura redis.RedisError y lanza AlmacenNoDisponible.
        return orden(*args, **kwargs)
