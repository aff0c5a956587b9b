"""El protocolo entre las comprobaciones (de confianza) y el recinto donde corre el código del estudiante.

Cada mensaje es un marco: 4 bytes con la longitud (big-endian) y un objeto JSON en UTF-8.
Los valores que JSON no tiene (bytes, tuplas, timedelta, NaN…) viajan etiquetados con
``codificar``/``decodificar``. El lado de confianza nunca cree lo que llega: ``respuesta``
valida cada campo y cualquier cosa inesperada es un ``ErrorDelRecinto`` de esa comprobación.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import socket
import struct
import time
from datetime import timedelta
from typing import Any

MAX_MARCO = 16 * 1024 * 1024  # bytes de un mensaje; más es un error del recinto
CABECERA = struct.Struct(">I")


class ErrorDelRecinto(Exception):
    """El recinto no respondió, o respondió algo que no cumple el protocolo."""


class RecintoCaido(ErrorDelRecinto):
    """El proceso del recinto terminó (o cerró la conexión) antes de responder."""


class RecintoColgado(ErrorDelRecinto):
    """El recinto no respondió dentro del plazo."""


# ── Valores ──────────────────────────────────────────────────────────────────


def codificar(valor: Any, profundidad: int = 0) -> Any:
    """Un valor de Python como JSON; lo que no se sabe representar viaja como su ``repr``."""
    if profundidad > 60:
        return {"$repr": "…(demasiado anidado)"}
    if valor is None or isinstance(valor, (bool, str)):
        return valor
    if isinstance(valor, int):
        return valor if abs(valor) < 2**1000 else {"$repr": repr(valor)[:200]}
    if isinstance(valor, float):
        return valor if math.isfinite(valor) else {"$float": repr(valor)}
    if isinstance(valor, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(valor)).decode("ascii")}
    if isinstance(valor, timedelta):
        return {"$timedelta": valor.total_seconds()}
    if isinstance(valor, tuple):
        return {"$tupla": [codificar(v, profundidad + 1) for v in valor]}
    if isinstance(valor, list):
        return [codificar(v, profundidad + 1) for v in valor]
    if isinstance(valor, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in valor):
            return {k: codificar(v, profundidad + 1) for k, v in valor.items()}
        return {"$dict": [[codificar(k, profundidad + 1), codificar(v, profundidad + 1)] for k, v in valor.items()]}
    try:
        texto = repr(valor)
    except Exception:  # un __repr__ que falla no tumba al recinto
        texto = f"<{type(valor).__name__}>"
    return {"$repr": texto[:500]}


class ObjetoRemoto:
    """Un valor del recinto que no es JSON: solo se conoce su ``repr``."""

    def __init__(self, texto: str) -> None:
        self.texto = texto

    def __repr__(self) -> str:
        return self.texto


def decodificar(valor: Any, profundidad: int = 0) -> Any:
    """La inversa de ``codificar``; valida las etiquetas (lanza ErrorDelRecinto si algo no encaja)."""
    if profundidad > 64:
        raise ErrorDelRecinto("un valor demasiado anidado")
    if valor is None or isinstance(valor, (bool, str, int, float)):
        return valor
    if isinstance(valor, list):
        return [decodificar(v, profundidad + 1) for v in valor]
    if not isinstance(valor, dict):
        raise ErrorDelRecinto(f"un valor de tipo inesperado ({type(valor).__name__})")
    if len(valor) == 1:
        ((etiqueta, dato),) = valor.items()
        try:
            if etiqueta == "$bytes":
                return base64.b64decode(dato, validate=True)
            if etiqueta == "$float" and dato in ("nan", "inf", "-inf"):
                return float(dato)
            if etiqueta == "$timedelta":
                return timedelta(seconds=float(dato))
            if etiqueta == "$tupla":
                return tuple(decodificar(v, profundidad + 1) for v in _lista(dato))
            if etiqueta == "$dict":
                pares = [_lista(p) for p in _lista(dato)]
                return {_clave(decodificar(k, profundidad + 1)): decodificar(v, profundidad + 1) for k, v in pares}
            if etiqueta == "$repr":
                return ObjetoRemoto(texto(dato, 500))
        except (ValueError, TypeError) as e:
            raise ErrorDelRecinto(f"un valor «{etiqueta}» mal formado") from e
    if any(k.startswith("$") for k in valor):
        raise ErrorDelRecinto("una etiqueta de valor desconocida")
    return {k: decodificar(v, profundidad + 1) for k, v in valor.items()}


def _lista(dato: Any) -> list:
    if not isinstance(dato, list):
        raise TypeError("se esperaba una lista")
    return dato


def _clave(dato: Any) -> Any:
    if isinstance(dato, (list, dict)):
        raise TypeError("clave no hashable")
    return dato


# ── Validación de lo que llega del recinto ───────────────────────────────────


def texto(valor: Any, maximo: int = 100_000) -> str:
    """Un str de como mucho ``maximo`` caracteres, o ErrorDelRecinto."""
    if not isinstance(valor, str) or len(valor) > maximo:
        raise ErrorDelRecinto("un texto que falta o es demasiado largo")
    return valor


def entero(valor: Any, minimo: int, maximo: int) -> int:
    if not isinstance(valor, int) or isinstance(valor, bool) or not minimo <= valor <= maximo:
        raise ErrorDelRecinto(f"un número fuera de [{minimo}, {maximo}]")
    return valor


def texto_o_nada(valor: Any, maximo: int = 100_000) -> str | None:
    return None if valor is None else texto(valor, maximo)


def pares_de_texto(valor: Any, maximo: int = 200) -> list[tuple[str, str]]:
    """Una lista de pares [nombre, valor] (las cabeceras de una respuesta)."""
    if not isinstance(valor, list) or len(valor) > maximo:
        raise ErrorDelRecinto("una lista de cabeceras mal formada")
    pares = []
    for par in valor:
        if not (isinstance(par, list) and len(par) == 2):
            raise ErrorDelRecinto("una cabecera mal formada")
        pares.append((texto(par[0], 1000), texto(par[1], 64_000)))
    return pares


def binario(valor: Any) -> bytes:
    if not isinstance(valor, str):
        raise ErrorDelRecinto("un cuerpo que no es base64")
    try:
        return base64.b64decode(valor, validate=True)
    except ValueError as e:
        raise ErrorDelRecinto("un cuerpo que no es base64") from e


def a_base64(datos: bytes) -> str:
    return base64.b64encode(datos).decode("ascii")


# ── Marcos ───────────────────────────────────────────────────────────────────


def enviar(conexion: socket.socket, mensaje: dict, fds: tuple[int, ...] = ()) -> None:
    """Envía un marco; ``fds`` (descriptores, p. ej. un socket que escucha) viajan con su primer byte."""
    datos = json.dumps(mensaje, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(datos) > MAX_MARCO:
        raise ValueError(f"mensaje de {len(datos)} bytes (máximo {MAX_MARCO})")
    marco = CABECERA.pack(len(datos)) + datos
    if fds:
        enviado = socket.send_fds(conexion, [marco], list(fds))
        marco = marco[enviado:]
    conexion.sendall(marco)


def _leer(conexion: socket.socket, n: int, plazo: float | None) -> bytes:
    partes, faltan = [], n
    while faltan:
        if plazo is not None:
            restante = plazo - time.monotonic()
            if restante <= 0:
                raise RecintoColgado("no respondió a tiempo")
            conexion.settimeout(restante)
        try:
            parte = conexion.recv(min(faltan, 1 << 20))
        except TimeoutError:
            raise RecintoColgado("no respondió a tiempo") from None
        except OSError as e:
            raise RecintoCaido(f"la conexión se cortó ({e.__class__.__name__})") from None
        if not parte:
            raise RecintoCaido("cerró la conexión")
        partes.append(parte)
        faltan -= len(parte)
    return b"".join(partes)


_SUSTITUTO = re.compile(rb"\\u[dD][89a-fA-F]")


def _objeto(datos: bytes, quien: str) -> dict:
    """El objeto JSON de un marco, o ErrorDelRecinto; nunca otra excepción.

    ``json.loads`` lanza RecursionError (no ValueError) con un valor muy anidado, y acepta
    sustitutos sueltos (``"\\ud800"``) que luego no se pueden escribir en UTF-8: el informe de
    la comprobación fallaría en el plugin y parecería un fallo del taller.
    """
    try:
        mensaje = json.loads(datos.decode("utf-8"))
        if _SUSTITUTO.search(datos):  # el recinto escribe UTF-8 sin escapes: un \udXXX no es suyo
            json.dumps(mensaje, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError) as e:
        raise ErrorDelRecinto(f"{quien} un mensaje que no es JSON válido") from e
    if not isinstance(mensaje, dict):
        raise ErrorDelRecinto(f"{quien} un mensaje que no es un objeto")
    return mensaje


def recibir_con_fds(conexion: socket.socket, plazo: float | None = None) -> tuple[dict, list[int]]:
    """Como ``recibir``, y además los descriptores que viajen con el marco (como mucho 4).

    Los descriptores ya son de quien recibe: si el marco no vale, se cierran antes de lanzar el error.
    """
    try:
        if plazo is not None:
            restante = plazo - time.monotonic()
            if restante <= 0:
                raise RecintoColgado("no respondió a tiempo")
            conexion.settimeout(restante)
        inicio, fds, _, _ = socket.recv_fds(conexion, CABECERA.size, 4)
    except TimeoutError:
        raise RecintoColgado("no respondió a tiempo") from None
    except OSError as e:
        raise RecintoCaido(f"la conexión se cortó ({e.__class__.__name__})") from None
    try:
        if not inicio:
            raise RecintoCaido("cerró la conexión")
        (longitud,) = CABECERA.unpack(inicio + _leer(conexion, CABECERA.size - len(inicio), plazo))
        if longitud > MAX_MARCO:
            raise ErrorDelRecinto(f"un mensaje de {longitud} bytes (máximo {MAX_MARCO})")
        return _objeto(_leer(conexion, longitud, plazo), "llegó"), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def recibir(conexion: socket.socket, plazo: float | None = None) -> dict:
    """El siguiente mensaje; ``plazo`` es un instante de ``time.monotonic()``."""
    (longitud,) = CABECERA.unpack(_leer(conexion, CABECERA.size, plazo))
    if longitud > MAX_MARCO:
        raise ErrorDelRecinto(f"envió un mensaje de {longitud} bytes (máximo {MAX_MARCO})")
    return _objeto(_leer(conexion, longitud, plazo), "envió")
