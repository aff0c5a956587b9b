# Generado por «taller sincronizar» desde solutions/05_revocacion/api/almacenes.py: edítalo allí.
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
        db.session.merge(TokenRevocado(jti=jti, caduca_en=exp))
        self._guardar()

    def cerrar_sesiones(self, usuario, desde):
        """Todos los tokens de ``usuario`` (su ``sub``) emitidos antes de ``desde`` dejan de valer."""
        db.session.merge(SesionesCerradas(usuario=usuario, desde=desde, caduca_en=math.ceil(desde) + self.vida_maxima))
        self._guardar()

    def esta_revocado(self, jti, usuario, emitido):
        """¿Está revocado el token ``jti`` de ``usuario`` emitido en ``emitido`` (su ``iat``)?"""
        try:
            if db.session.get(TokenRevocado, jti) is not None:
                return True
            cerradas = db.session.get(SesionesCerradas, usuario)
        except SQLAlchemyError as e:
            db.session.rollback()
            raise AlmacenNoDisponible from e
        return cerradas is not None and emitido < cerradas.desde

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
        self.redis = redis.Redis.from_url(
            url, socket_connect_timeout=ESPERA_REDIS, socket_timeout=ESPERA_REDIS, retry=Retry(NoBackoff(), 0)
        )

    def revocar(self, jti, exp):
        ttl = segundos_que_le_quedan(exp)
        if ttl > 0:
            self._pedir(self.redis.set, f"{self.prefijo}jti:{jti}", "revocado", ex=ttl)

    def cerrar_sesiones(self, usuario, desde):
        self._pedir(self.redis.set, f"{self.prefijo}usuario:{usuario}", repr(desde), ex=self.vida_maxima)

    def esta_revocado(self, jti, usuario, emitido):
        revocado, desde = self._pedir(self.redis.mget, f"{self.prefijo}jti:{jti}", f"{self.prefijo}usuario:{usuario}")
        return revocado is not None or (desde is not None and emitido < float(desde))

    @staticmethod
    def _pedir(orden, *args, **kwargs):
        """Ejecuta una orden de Redis; si Redis falla, ``AlmacenNoDisponible`` (nunca un 500, nunca aceptar)."""
        try:
            return orden(*args, **kwargs)
        except redis.RedisError as e:
            raise AlmacenNoDisponible from e
