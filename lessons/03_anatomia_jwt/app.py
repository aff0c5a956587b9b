"""Lección 03 · Anatomía de un JWT: un inspector de tokens, como jwt.io pero local.

Pega un token (y, si quieres, la clave) y el inspector muestra la cabecera, el
payload con las fechas legibles, la firma y si verifica. Funciona sin red (sin
CDN ni JavaScript), sin base de datos y sin ``JWT_SECRET_KEY``: no firma nada,
solo lee lo que le das. El token viaja siempre en el cuerpo de un POST, nunca
en la URL (las URL acaban en el historial, en los logs y en la cabecera Referer).

Ejecútala con::

    flask --app lessons/03_anatomia_jwt/app.py run
"""

import base64
import binascii
import json
import re
import warnings
from datetime import UTC, datetime

import jwt
from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

MAX_TOKEN = 8 * 1024  # caracteres: un JWT normal ocupa unos cientos
MAX_CLAVE = 1024
MIN_CLAVE_HS256 = 32  # bytes (RFC 7518 §3.2)
FECHAS = ("exp", "nbf", "iat")
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class TokenIlegible(ValueError):
    """El texto no es un JWT que se pueda leer; el mensaje dice por qué, en español."""


def b64url_a_bytes(segmento, parte):
    """Los bytes de un segmento base64url sin relleno (RFC 7515 §2)."""
    if not BASE64URL.fullmatch(segmento) or len(segmento) % 4 == 1:
        raise TokenIlegible(f"{parte} no está en base64url: solo admite A-Z, a-z, 0-9, «-» y «_», sin «=».")
    try:
        datos = base64.urlsafe_b64decode(segmento + "=" * (-len(segmento) % 4))
    except (binascii.Error, ValueError):
        raise TokenIlegible(f"{parte} no está en base64url.") from None
    if base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii") != segmento:
        # RFC 4648 §3.5: los bits que sobran en el último carácter son cero; si no, dos textos dan los mismos bytes.
        raise TokenIlegible(f"{parte} no está en base64url canónico: su último carácter lleva bits de más.")
    return datos


def objeto_json(segmento, parte):
    """El objeto JSON de la cabecera o de la carga útil."""
    datos = b64url_a_bytes(segmento, parte)
    try:
        valor = json.loads(datos.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenIlegible(f"{parte} no es JSON válido (en UTF-8).") from None
    if not isinstance(valor, dict):
        tipo = {
            list: "una lista",
            str: "un texto",
            int: "un número",
            float: "un número",
            bool: "un booleano",
            type(None): "null",
        }.get(type(valor), type(valor).__name__)
        raise TokenIlegible(f"{parte} debe ser un objeto JSON ({{…}}), y es {tipo}.")
    return valor


def fecha_legible(valor):
    """``1700000000`` → ``"2023-11-14 22:13:20 UTC"``; un texto que explica si no es una fecha."""
    if isinstance(valor, bool) or not isinstance(valor, (int, float)):
        return f"no es un número ({json.dumps(valor, ensure_ascii=False)[:40]}): no es una fecha válida"
    try:
        return datetime.fromtimestamp(valor, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return "fuera del rango de fechas representable"


def limpiar(token):
    """Quita espacios y saltos de línea de los extremos y un «Bearer » delante, si lo hay."""
    token = token.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    return token


def leer_token(token):
    """``(cabecera, payload, firma)`` de un JWT compacto, sin verificar nada. ``TokenIlegible`` si no se puede."""
    if not token:
        raise TokenIlegible("Pega un token: tres partes en base64url separadas por puntos.")
    if len(token) > MAX_TOKEN:
        raise TokenIlegible(f"El token es demasiado largo ({len(token)} caracteres; el máximo es {MAX_TOKEN}).")
    partes = token.split(".")
    if len(partes) != 3:
        raise TokenIlegible(
            f"Un JWT firmado tiene tres partes separadas por puntos (cabecera, carga útil y firma); este tiene {len(partes)}."
        )
    cabecera = objeto_json(partes[0], "La cabecera")
    payload = objeto_json(partes[1], "La carga útil")
    firma = b64url_a_bytes(partes[2], "La firma")
    return cabecera, payload, firma


def motivo_de_cabecera(cabecera):
    """Por qué la cabecera ya basta para rechazar el token (``None`` si no basta), antes de mirar la firma."""
    alg = cabecera.get("alg")
    if alg == "none":
        return (
            "«alg»: «none» significa «sin firma» (RFC 7518 §3.6): cualquiera puede fabricar ese token. Nunca se acepta."
        )
    if alg != "HS256":
        return (
            f"El algoritmo {json.dumps(alg, ensure_ascii=False)} no está permitido: este inspector solo "
            "verifica HS256. El algoritmo lo fija quien verifica, no el token (RFC 8725 §3.1)."
        )
    if "b64" in cabecera:
        return (
            "La cabecera lleva «b64» (RFC 7797): con «b64»: false, lo firmado no es la carga útil en base64url. "
            "Un JWT nunca puede usarlo («JWTs MUST NOT use the unencoded payload option», RFC 7797), así que "
            "este inspector no lo verifica."
        )
    if "crit" in cabecera:
        return (
            f"La cabecera exige entender las extensiones críticas {json.dumps(cabecera['crit'], ensure_ascii=False)}"
            " (RFC 7515 §4.1.11); este inspector no entiende ninguna, así que el token no es válido."
        )
    return None


def verificar(token, cabecera, payload, clave):
    """Verifica con PyJWT fijando HS256. Devuelve ``{"estado", "motivo", "avisos"}`` en español."""
    avisos = []
    n = len(clave.encode("utf-8"))
    if n < MIN_CLAVE_HS256:
        avisos.append(
            f"La clave tiene {n} bytes; RFC 7518 §3.2 pide al menos {MIN_CLAVE_HS256} para HS256. "
            "Una clave corta o de diccionario se adivina probando palabras (RFC 8725 §3.5)."
        )
    motivo = motivo_de_cabecera(cabecera)
    if motivo:
        return {"estado": "invalida", "motivo": motivo, "avisos": avisos}
    with warnings.catch_warnings():
        # La clave la escribe quien usa el inspector: su longitud ya se avisa arriba, en español.
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        try:  # primero la firma, y solo la firma: así, «La firma es correcta» siempre es verdad
            jwt.api_jws.decode_complete(token, clave, algorithms=["HS256"])
        except jwt.InvalidSignatureError:
            motivo = "La firma no coincide: el token se ha modificado o se firmó con otra clave."
        except jwt.InvalidTokenError as e:
            motivo = f"No se ha podido comprobar la firma ({type(e).__name__}: {e})."
        if motivo:
            return {"estado": "invalida", "motivo": motivo, "avisos": avisos}
        try:  # la firma es buena: ahora las fechas y los claims
            jwt.decode(token, clave, algorithms=["HS256"], options={"verify_aud": False, "verify_iss": False})
        except jwt.ExpiredSignatureError:
            motivo = f"La firma es correcta, pero el token caducó: exp = {fecha_legible(payload.get('exp'))}."
        except jwt.ImmatureSignatureError:
            motivo = "La firma es correcta, pero el token todavía no es válido (nbf o iat están en el futuro)."
        except jwt.exceptions.InvalidSubjectError:
            motivo = 'La firma es correcta, pero «sub» debe ser un texto (RFC 7519 §4.1.2), por ejemplo "42" y no 42.'
        except jwt.exceptions.InvalidJTIError:
            motivo = "La firma es correcta, pero «jti» debe ser un texto (RFC 7519 §4.1.7)."
        except jwt.InvalidIssuedAtError:
            motivo = "La firma es correcta, pero «iat» debe ser un número (segundos desde 1970)."
        except jwt.DecodeError as e:
            motivo = f"La firma es correcta, pero una fecha no es un número válido: {e}"
        except jwt.InvalidTokenError as e:
            motivo = f"La firma es correcta, pero el token no es válido ({type(e).__name__}: {e})."
    if motivo:
        return {"estado": "invalida", "motivo": motivo, "avisos": avisos}
    return {"estado": "valida", "motivo": "La firma es correcta y el token está dentro de su plazo.", "avisos": avisos}


def inspeccionar(token, clave=None):
    """Todo lo que el inspector muestra de ``token``. Lanza ``TokenIlegible`` si no se puede leer."""
    token = limpiar(token)
    cabecera, payload, firma = leer_token(token)
    resultado = {
        "cabecera": cabecera,
        "payload": payload,
        "fechas": {claim: fecha_legible(payload[claim]) for claim in FECHAS if claim in payload},
        "firma": {"base64url": token.rsplit(".", 1)[1], "hex": firma.hex(), "bytes": len(firma)},
        "verificacion": {"estado": "sin_clave", "motivo": "Escribe la clave para comprobar la firma.", "avisos": []},
    }
    if clave:
        resultado["verificacion"] = verificar(token, cabecera, payload, clave)
    return resultado


def leer_json():
    """El cuerpo JSON de la petición, o ``None`` si no es JSON válido (como en la lección 01)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def leer_entrada(datos):
    """``(token, clave)`` validados de un formulario o un JSON, o lanza ``TokenIlegible``."""
    token, clave = datos.get("token"), datos.get("clave")
    if token is None:
        raise TokenIlegible("Falta el campo «token».")
    if not isinstance(token, str):
        raise TokenIlegible("El campo «token» debe ser un texto.")
    if clave is not None and not isinstance(clave, str):
        raise TokenIlegible("El campo «clave» debe ser un texto.")
    if clave and len(clave) > MAX_CLAVE:
        raise TokenIlegible(f"La clave es demasiado larga (máximo {MAX_CLAVE} caracteres).")
    return token, clave or None


def create_app(config=None):
    """Crea el inspector. No necesita base de datos ni ``JWT_SECRET_KEY``."""
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=64 * 1024)
    if config:
        app.config.update(config)

    @app.template_filter("tojson_bonito")
    def tojson_bonito(valor):
        """JSON con sangría; devuelve texto normal, así que Jinja lo escapa (un «<script>» se ve, no se ejecuta)."""
        return json.dumps(valor, indent=2, ensure_ascii=False)

    @app.after_request
    def cabeceras_de_seguridad(respuesta):
        # Sin scripts ni recursos externos; las respuestas llevan tokens: que no se guarden en caché.
        respuesta.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        )
        respuesta.headers["Cache-Control"] = "no-store"
        respuesta.headers["Referrer-Policy"] = "no-referrer"
        respuesta.headers["X-Content-Type-Options"] = "nosniff"
        return respuesta

    @app.get("/")
    def inicio():
        return render_template("inspector.html", token="", clave="", resultado=None, error=None)

    @app.post("/")
    def inspeccionar_formulario():
        token, clave = request.form.get("token", ""), request.form.get("clave", "")
        try:
            resultado = inspeccionar(*leer_entrada({"token": token, "clave": clave}))
        except TokenIlegible as e:
            return render_template(
                "inspector.html", token=token[:MAX_TOKEN], clave="", resultado=None, error=str(e)
            ), 400
        # La clave no se devuelve en la página: no queda en el HTML ni en la caché del navegador.
        return render_template("inspector.html", token=token, clave="", resultado=resultado, error=None)

    @app.post("/api/inspeccionar")
    def inspeccionar_api():
        datos = leer_json()
        if not isinstance(datos, dict):
            return jsonify(
                error='El cuerpo debe ser un objeto JSON: {"token": "…", "clave": "…"} (clave opcional).'
            ), 400
        try:
            return jsonify(inspeccionar(*leer_entrada(datos)))
        except TokenIlegible as e:
            return jsonify(error=str(e)), 400

    @app.errorhandler(HTTPException)
    def error_http(e):
        """404, 405, 413…: en JSON para /api, y la página del inspector con el mensaje para el resto."""
        mensaje = MENSAJES_HTTP.get(e.code, e.name)
        if request.path.startswith("/api/"):
            respuesta = jsonify(error=mensaje)
            respuesta.status_code = e.code
            if e.code == 405:
                respuesta.headers["Allow"] = e.get_response().headers["Allow"]
            return respuesta
        return render_template("inspector.html", token="", clave="", resultado=None, error=mensaje), e.code

    return app


MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "La petición es demasiado grande (máximo 64 KB).",
}
