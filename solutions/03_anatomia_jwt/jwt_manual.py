"""JWT con HS256 a mano, solo con la biblioteca estándar (lección 03).

Un JWT firmado (RFC 7519 §3, RFC 7515 §3.1, serialización compacta) son tres
trozos en base64url separados por puntos::

    base64url(cabecera) . base64url(payload) . base64url(firma)

La firma es HMAC-SHA256 (RFC 7518 §3.2) de la «entrada de la firma»: los dos
primeros trozos tal como llegan, unidos por el punto, en ASCII.

Uso::

    token = codificar({"sub": "42"}, clave)
    datos = decodificar(token, clave, margen=30)

Aquí no se importa PyJWT: el ejercicio es hacerlo a mano. Las pruebas
comprueban que lo que sale de aquí lo verifica PyJWT y al revés.
"""

import base64
import hashlib
import hmac
import json
import math
import re
import time

CABECERA = {"alg": "HS256", "typ": "JWT"}
ALGORITMO = "HS256"
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")  # el alfabeto de RFC 4648 §5, sin «=»
MIN_CLAVE = 32  # bytes: RFC 7518 §3.2 pide para HS256 una clave de 256 bits o más


class ErrorDeToken(Exception):
    """Base de todos los motivos para rechazar un token."""


class TokenMalFormado(ErrorDeToken):
    """No son tres trozos en base64url canónico, la cabecera o la carga útil no son un objeto JSON,
    la cabecera pide extensiones críticas (``crit``) o ``exp``/``nbf`` no son un número finito."""


class AlgoritmoNoPermitido(ErrorDeToken):
    """La cabecera pide un algoritmo distinto de HS256 (o ninguno, o «none»)."""


class FirmaInvalida(ErrorDeToken):
    """La firma no corresponde a la cabecera y la carga útil con esta clave."""


class TokenExpirado(ErrorDeToken):
    """Ya pasó la fecha de ``exp`` (RFC 7519 §4.1.4)."""


class TokenTodaviaNoValido(ErrorDeToken):
    """Aún no ha llegado la fecha de ``nbf`` (RFC 7519 §4.1.5)."""


# ── Tarea 1: base64url sin relleno ───────────────────────────────────────────


def b64url_codificar(datos: bytes) -> str:
    """``datos`` en base64url sin el relleno ``=`` (RFC 7515 §2 y apéndice C)."""
    # [solución] tarea 1: base64 con el alfabeto URL («-» y «_») y sin los «=» del final.
    return base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii")
    # [ejercicio]
    # raise NotImplementedError("por implementar: b64url_codificar (tarea 1)")
    # [fin]


def b64url_decodificar(texto: str) -> bytes:
    """Los bytes de un texto base64url sin relleno; ``TokenMalFormado`` si no lo es."""
    # [solución] tarea 1: solo el alfabeto base64url, sin «=»; repón el relleno, decodifica y exige la forma canónica.
    if not isinstance(texto, str) or not BASE64URL.fullmatch(texto) or len(texto) % 4 == 1:
        raise TokenMalFormado(f"«{str(texto)[:40]}» no es base64url sin relleno (solo A-Z, a-z, 0-9, «-» y «_»).")
    datos = base64.urlsafe_b64decode(texto + "=" * (-len(texto) % 4))
    # Los bits que sobran en el último carácter deben ser cero (RFC 4648 §3.5): si no, otro texto
    # daría los mismos bytes, y un mismo token tendría varias formas válidas.
    if base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii") != texto:
        raise TokenMalFormado(f"«{texto[-40:]}» no es base64url canónico: el último carácter lleva bits de más.")
    return datos
    # [ejercicio]
    # raise NotImplementedError("por implementar: b64url_decodificar (tarea 1)")
    # [fin]


# ── Tarea 2: firmar ──────────────────────────────────────────────────────────


def clave_en_bytes(clave) -> bytes:
    """La clave como bytes (un texto se codifica en UTF-8). Rechaza claves de otro tipo o de menos de 32 bytes."""
    # [solución] tarea 2: acepta str o bytes de MIN_CLAVE bytes o más; TypeError o ValueError si no.
    if isinstance(clave, str):
        clave = clave.encode("utf-8")
    if not isinstance(clave, bytes):
        raise TypeError(f"La clave debe ser un texto o bytes, no {type(clave).__name__}.")
    if not clave:
        raise ValueError("La clave no puede estar vacía.")
    if len(clave) < MIN_CLAVE:
        raise ValueError(f"La clave tiene {len(clave)} bytes; HS256 pide al menos {MIN_CLAVE} (RFC 7518 §3.2).")
    return clave
    # [ejercicio]
    # raise NotImplementedError("por implementar: clave_en_bytes (tarea 2)")
    # [fin]


def firmar(entrada: bytes, clave) -> bytes:
    """HMAC-SHA256 de ``entrada`` con ``clave``: los 32 bytes de la firma."""
    # [solución] tarea 2: hmac.new(clave, entrada, hashlib.sha256).digest().
    return hmac.new(clave_en_bytes(clave), entrada, hashlib.sha256).digest()
    # [ejercicio]
    # raise NotImplementedError("por implementar: firmar (tarea 2)")
    # [fin]


def json_compacto(datos: dict) -> bytes:
    """JSON sin espacios, en UTF-8, como lo escribe PyJWT."""
    return json.dumps(datos, separators=(",", ":")).encode("utf-8")


def codificar(payload: dict, clave) -> str:
    """Un JWT HS256 con la cabecera ``{"alg":"HS256","typ":"JWT"}`` y este ``payload``."""
    # [solución] tarea 2: valida, junta cabecera y payload en base64url, firma y añade la firma.
    if not isinstance(payload, dict):
        raise TypeError(f"La carga útil debe ser un dict (un objeto JSON), no {type(payload).__name__}.")
    clave = clave_en_bytes(clave)
    entrada = b64url_codificar(json_compacto(CABECERA)) + "." + b64url_codificar(json_compacto(payload))
    return entrada + "." + b64url_codificar(firmar(entrada.encode("ascii"), clave))
    # [ejercicio]
    # raise NotImplementedError("por implementar: codificar (tarea 2)")
    # [fin]


# ── Tarea 3: leer el token y fijar el algoritmo ──────────────────────────────


def objeto_json(segmento: str, que: str) -> dict:
    """El objeto JSON de un segmento base64url; ``TokenMalFormado`` si no lo es."""
    datos = b64url_decodificar(segmento)
    try:
        valor = json.loads(datos.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenMalFormado(f"{que} no es JSON válido en UTF-8.") from None
    if not isinstance(valor, dict):
        raise TokenMalFormado(f"{que} debe ser un objeto JSON ({{…}}), no {type(valor).__name__}.")
    return valor


def separar(token: str):
    """``(cabecera, payload, entrada_firmada, firma)`` de un token compacto, sin verificar nada.

    ``entrada_firmada`` son los dos primeros segmentos tal como llegan (con su punto),
    en bytes: es lo que se firmó, aunque su JSON no sea el que escribiríamos nosotros.
    """
    # [solución] tarea 3: tres segmentos; cabecera y payload, objetos JSON; firma, base64url.
    if not isinstance(token, str):
        raise TokenMalFormado(f"El token debe ser un texto, no {type(token).__name__}.")
    segmentos = token.split(".")
    if len(segmentos) != 3:
        raise TokenMalFormado(f"Un JWT tiene tres partes separadas por puntos; este tiene {len(segmentos)}.")
    cabecera_b64, payload_b64, firma_b64 = segmentos
    cabecera = objeto_json(cabecera_b64, "La cabecera")
    payload = objeto_json(payload_b64, "La carga útil")
    firma = b64url_decodificar(firma_b64)
    return cabecera, payload, f"{cabecera_b64}.{payload_b64}".encode("ascii"), firma
    # [ejercicio]
    # raise NotImplementedError("por implementar: separar (tarea 3)")
    # [fin]


def comprobar_algoritmo(cabecera: dict) -> None:
    """``AlgoritmoNoPermitido`` si la cabecera no dice exactamente ``"alg": "HS256"``;
    ``TokenMalFormado`` si pide extensiones críticas (``crit``), que este módulo no entiende."""
    # [solución] tarea 3: el algoritmo lo fija el servidor; la cabecera solo puede coincidir. Y ningún «crit».
    alg = cabecera.get("alg")
    if alg != ALGORITMO:
        raise AlgoritmoNoPermitido(f"Algoritmo {alg!r} no permitido: solo se acepta {ALGORITMO}.")
    # RFC 7515 §4.1.11: si quien verifica no entiende una extensión de «crit», el token no es válido.
    # Este módulo no entiende ninguna (tampoco «b64» de RFC 7797, que los JWT no pueden usar).
    if "crit" in cabecera:
        raise TokenMalFormado(f"La cabecera pide extensiones críticas que no se admiten: crit = {cabecera['crit']!r}.")
    # [ejercicio]
    # raise NotImplementedError("por implementar: comprobar_algoritmo (tarea 3)")
    # [fin]


# ── Tarea 5: exp, nbf y el margen ────────────────────────────────────────────


def instante(payload: dict, claim: str):
    """El valor numérico de ``exp`` o ``nbf`` (``None`` si no está); ``TokenMalFormado`` si no es un número finito."""
    valor = payload.get(claim)
    if valor is not None and (isinstance(valor, bool) or not isinstance(valor, (int, float))):
        raise TokenMalFormado(f"«{claim}» debe ser un número (segundos desde 1970), no {valor!r}.")
    # [solución] tarea 5: json.loads acepta NaN, Infinity y 1e400 (→ inf); ninguno es una fecha.
    if isinstance(valor, float) and not math.isfinite(valor):
        raise TokenMalFormado(f"«{claim}» debe ser un número finito (segundos desde 1970), no {valor!r}.")
    # [fin]
    return valor


def comprobar_tiempos(payload: dict, *, margen: float = 0, ahora: float | None = None) -> None:
    """``TokenExpirado`` o ``TokenTodaviaNoValido`` según ``exp`` y ``nbf``, con ``margen`` segundos de tolerancia."""
    # [solución] tarea 5: válido si ahora - margen < exp y ahora + margen >= nbf.
    ahora = time.time() if ahora is None else ahora
    exp = instante(payload, "exp")
    if exp is not None and ahora - margen >= exp:
        raise TokenExpirado(f"El token caducó hace {ahora - exp:.0f} s (exp = {exp}).")
    nbf = instante(payload, "nbf")
    if nbf is not None and ahora + margen < nbf:
        raise TokenTodaviaNoValido(f"El token no es válido hasta dentro de {nbf - ahora:.0f} s (nbf = {nbf}).")
    # [ejercicio]
    # raise NotImplementedError("por implementar: comprobar_tiempos (tarea 5)")
    # [fin]


# ── Tarea 4: verificar ───────────────────────────────────────────────────────


def decodificar(token: str, clave, *, margen: float = 0, ahora: float | None = None) -> dict:
    """La carga útil de ``token`` si es un HS256 válido firmado con ``clave``; si no, un ``ErrorDeToken``.

    El orden importa: primero la forma (tarea 3), después el algoritmo (tarea 3),
    después la firma (tarea 4) y solo entonces las fechas (tarea 5): los claims de
    un token sin verificar no significan nada.
    """
    cabecera, payload, entrada, firma = separar(token)
    comprobar_algoritmo(cabecera)
    # [solución] tarea 4: compara la firma recibida con la esperada, en tiempo constante.
    if not hmac.compare_digest(firma, firmar(entrada, clave)):
        raise FirmaInvalida("La firma no coincide: el token se alteró o se firmó con otra clave.")
    # [ejercicio]
    # raise NotImplementedError("por implementar: verificar la firma en decodificar (tarea 4)")
    # [fin]
    comprobar_tiempos(payload, margen=margen, ahora=ahora)
    return payload
