"""Comprobaciones de la lección 03: HS256 a mano (jwt_manual.py), interoperable con PyJWT."""

import ast
import base64
import hashlib
import hmac
import json
import secrets
import time

import jwt
from hypothesis import given, settings
from hypothesis import strategies as st

from taller.comprobaciones import Desajuste, Fallo, Falta, comprobacion

MODULO = "jwt_manual.py"

TAREAS = {
    1: "base64url sin relleno",
    2: "Firmar: codificar",
    3: "Leer el token y fijar el algoritmo",
    4: "Verificar la firma",
    5: "Caducidad: exp, nbf y margen",
}

# Claves de 32 bytes o más: con menos, PyJWT avisa (y las comprobaciones convierten ese aviso en error).
CLAVE = "una-clave-de-prueba-con-32-bytes-o-mas!"
OTRA_CLAVE = "otra-clave-distinta-también-de-32-bytes!"
CLAVE_LARGA = "k" * 64  # HS512 pide 64 bytes (RFC 7518 §3.2)
AHORA = 1_800_000_000  # un instante fijo (15 de enero de 2027): nada depende del reloj

EXCEPCIONES = (
    "ErrorDeToken",
    "TokenMalFormado",
    "AlgoritmoNoPermitido",
    "FirmaInvalida",
    "TokenExpirado",
    "TokenTodaviaNoValido",
)
FUNCIONES = (
    "b64url_codificar",
    "b64url_decodificar",
    "clave_en_bytes",
    "firmar",
    "codificar",
    "separar",
    "comprobar_algoritmo",
    "comprobar_tiempos",
    "decodificar",
)
PROHIBIDOS = {"jwt", "jose", "authlib", "jwcrypto", "joserfc", "flask_jwt_extended"}
REGISTRADOS = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

# RFC 7515, apéndice A.1: un JWS con HMAC SHA-256. La clave es el valor «k» de un JWK (base64url).
A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
A1_K = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
A1_PAYLOAD = {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}


# ── Ayudas de las comprobaciones (una implementación de referencia, mínima) ───


def b64(datos):
    if isinstance(datos, str):
        datos = datos.encode("utf-8")
    return base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii")


def b64_a_bytes(texto):
    return base64.urlsafe_b64decode(texto + "=" * (-len(texto) % 4))


def a_mano(cabecera, payload, clave=CLAVE, hash_=hashlib.sha256):
    """Un token firmado por las comprobaciones; cabecera y carga útil pueden ser dict o texto JSON ya escrito."""
    partes = [json.dumps(p, separators=(",", ":")) if isinstance(p, dict) else p for p in (cabecera, payload)]
    entrada = f"{b64(partes[0])}.{b64(partes[1])}"
    clave = clave.encode() if isinstance(clave, str) else clave
    return f"{entrada}.{b64(hmac.new(clave, entrada.encode(), hash_).digest())}"


HS256 = {"alg": "HS256", "typ": "JWT"}
ALFABETO = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def firma_no_canonica(token):
    """El mismo token con el último carácter de la firma cambiado por otro que da los mismos 32 bytes."""
    firma = token.rsplit(".", 1)[1]  # 43 caracteres: los 2 bits bajos del último no cuentan
    return token[:-1] + ALFABETO[ALFABETO.index(firma[-1]) ^ 1]


def firmado(payload, clave=CLAVE):
    return a_mano(HS256, payload, clave)


def resumen(valor, limite=90):
    texto = repr(valor)
    return texto if len(texto) <= limite else texto[:limite] + "…"


def espera_excepcion(clase, llamada, contexto, ayuda=None):
    """Falla si ``llamada()`` no lanza ``clase`` (de jwt_manual). Devuelve la excepción."""
    try:
        resultado = llamada()
    except clase as e:
        return e
    except NotImplementedError as e:
        raise Desajuste(clase.__name__, f"NotImplementedError ({e})", contexto, ayuda) from None
    except Exception as e:
        raise Desajuste(clase.__name__, f"{type(e).__name__}: {str(e)[:150]}", contexto, ayuda) from None
    raise Desajuste(f"que lanzara {clase.__name__}", f"que devolviera {resumen(resultado)}", contexto, ayuda)


def llamar(llamada, contexto, ayuda=None):
    """El resultado de ``llamada()``; si lanza algo, un fallo que dice qué y dónde."""
    try:
        return llamada()
    except Exception as e:
        raise Fallo(f"{contexto} lanzó {type(e).__name__}: {str(e)[:200]}", ayuda) from None


# Objetos JSON al azar (sin los claims registrados, que PyJWT valida por su cuenta).
valores_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda hijos: st.lists(hijos, max_size=4) | st.dictionaries(st.text(max_size=8), hijos, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(st.text(max_size=12).filter(lambda k: k not in REGISTRADOS), valores_json, max_size=6)
claves = st.sampled_from([CLAVE, OTRA_CLAVE, CLAVE.encode(), secrets.token_bytes(48)])
AJUSTES = settings(max_examples=60, deadline=None, derandomize=True, database=None)
EJEMPLO = {"sub": "42", "nombre": "Ana", "admin": False}


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(modulo):
    """jwt_manual.py se importa y define las funciones y las excepciones del enunciado."""
    faltan = [n for n in FUNCIONES + EXCEPCIONES if not hasattr(modulo, n)]
    if faltan:
        raise Falta(f"en jwt_manual.py: {', '.join(faltan)}", ayuda="No cambies los nombres del esqueleto.")
    base = modulo.ErrorDeToken
    if not (isinstance(base, type) and issubclass(base, Exception)):
        raise Desajuste("que ErrorDeToken fuera una excepción (class ErrorDeToken(Exception))", repr(base))
    for nombre in EXCEPCIONES[1:]:
        clase = getattr(modulo, nombre)
        if not (isinstance(clase, type) and issubclass(clase, base)):
            raise Desajuste(f"que {nombre} fuera una subclase de ErrorDeToken", repr(clase))


# ── Tarea 1: base64url ───────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=1)
def test_base64url_codifica_sin_relleno(modulo):
    """b64url_codificar usa el alfabeto URL («-» y «_») y no añade «=»."""
    casos = {
        b"": "",
        b"\xfb\xff": "-_8",
        b"\xfb\xff\xbf": "-_-_",
        b"a": "YQ",
        b"ab": "YWI",
        b"abc": "YWJj",
        bytes(range(256)): b64(bytes(range(256))),
    }
    for datos, esperado in casos.items():
        obtenido = llamar(lambda datos=datos: modulo.b64url_codificar(datos), f"b64url_codificar({resumen(datos, 40)})")
        if obtenido != esperado:
            raise Desajuste(
                repr(esperado),
                repr(obtenido),
                f"en b64url_codificar({resumen(datos, 40)})",
                'base64.urlsafe_b64encode(datos) da bytes con «=» al final: quítalos (.rstrip(b"=")) y '
                'devuelve texto (.decode("ascii")). base64.b64encode usaría «+» y «/», que no valen en una URL.',
            )


@comprobacion(tarea=1, puntos=1)
def test_base64url_decodifica_y_rechaza_lo_que_no_lo_es(modulo):
    """b64url_decodificar repone el relleno y rechaza «=», «+», «/», espacios y longitudes imposibles."""
    for datos in [b"", b"\xfb\xff", b"\xfb\xff\xbf", b"a", b"ab", b"abc", bytes(range(256))]:
        texto = b64(datos)
        obtenido = llamar(lambda texto=texto: modulo.b64url_decodificar(texto), f"b64url_decodificar({texto[:30]!r})")
        if obtenido != datos:
            raise Desajuste(
                resumen(datos),
                resumen(obtenido),
                f"en b64url_decodificar({texto[:30]!r})",
                'Repón el relleno antes de decodificar: texto + "=" * (-len(texto) % 4).',
            )
    for malo in ["YWI=", "+/8", "YW I", "YWJjZ", "YQ==", "ñ"]:
        espera_excepcion(
            modulo.TokenMalFormado,
            lambda malo=malo: modulo.b64url_decodificar(malo),
            f"en b64url_decodificar({malo!r})",
            "base64.urlsafe_b64decode no es estricto: acepta «+», «/» y «=» y se salta lo que no entiende. "
            "Comprueba antes que el texto solo tiene A-Z, a-z, 0-9, «-» y «_» y que len(texto) % 4 != 1.",
        )


@comprobacion(tarea=1, puntos=1)
def test_base64url_exige_la_forma_canonica(modulo):
    """b64url_decodificar rechaza un texto cuyo último carácter lleva bits de más (base64url no canónico)."""
    firma = b64(hashlib.sha256(b"firma").digest())  # 43 caracteres: al último le sobran 2 bits
    firma_mala = firma[:-1] + ALFABETO[ALFABETO.index(firma[-1]) ^ 1]
    # «YR» da los mismos bytes que «YQ» (b"a"); «YWJ», los de «YWI» (b"ab"); la firma, los de la buena.
    for malo, bueno in [("YR", "YQ"), ("YWJ", "YWI"), ("YWJjZB", "YWJjZA"), (firma_mala, firma)]:
        espera_excepcion(
            modulo.TokenMalFormado,
            lambda malo=malo: modulo.b64url_decodificar(malo),
            f"en b64url_decodificar({resumen(malo, 50)}) (la forma canónica es {resumen(bueno, 50)})",
            "base64.urlsafe_b64decode ignora los bits que sobran en el último carácter, así que varios textos dan "
            "los mismos bytes y un token tendría varias formas válidas. Vuelve a codificar lo decodificado y exige "
            "que coincida con el texto (RFC 4648 §3.5).",
        )


# ── Tarea 2: firmar ──────────────────────────────────────────────────────────

PAYLOAD_FIJO = {"sub": "42", "nombre": "Ana Núñez", "rol": "editor", "iat": 1_700_000_000}


@comprobacion(tarea=2, puntos=2)
def test_codificar_da_el_mismo_token_que_pyjwt(modulo):
    """codificar produce, byte a byte, el mismo token que jwt.encode(payload, clave, algorithm="HS256")."""
    esperado = jwt.encode(PAYLOAD_FIJO, CLAVE, algorithm="HS256")
    obtenido = llamar(lambda: modulo.codificar(PAYLOAD_FIJO, CLAVE), f"codificar({PAYLOAD_FIJO!r}, clave)")
    if not isinstance(obtenido, str):
        raise Desajuste("un texto (str)", f"{type(obtenido).__name__}: {resumen(obtenido)}", "de codificar")
    if obtenido.split(".")[0] != esperado.split(".")[0]:
        raise Desajuste(
            f'la cabecera {esperado.split(".")[0]} ({{"alg":"HS256","typ":"JWT"}})',
            obtenido.split(".")[0],
            "como primer segmento del token",
            'JSON compacto: json.dumps(datos, separators=(",", ":")), con "alg" antes que "typ".',
        )
    if obtenido != esperado:
        raise Desajuste(
            esperado,
            obtenido,
            f"al codificar {PAYLOAD_FIJO!r}",
            'La carga útil va en JSON compacto, json.dumps(payload, separators=(",", ":")), sin sort_keys ni '
            "espacios, en base64url sin «=»; la firma es HMAC-SHA256 de las dos partes unidas por un punto, en ASCII.",
        )


@comprobacion(tarea=2, puntos=2)
def test_pyjwt_verifica_los_tokens_de_codificar(modulo):
    """PyJWT verifica los tokens de codificar y recupera la misma carga útil (60 objetos JSON al azar)."""

    def propiedad(payload, clave):
        token = llamar(lambda: modulo.codificar(payload, clave), f"codificar({resumen(payload)}, clave)")
        try:
            leido = jwt.decode(token, clave, algorithms=["HS256"])
        except jwt.InvalidTokenError as e:
            raise Fallo(
                f"PyJWT rechazó el token de codificar({resumen(payload)}, clave): {type(e).__name__}: {e}",
                "La firma es HMAC-SHA256 de los dos primeros segmentos tal como van en el token.",
            ) from None
        if leido != payload:
            raise Desajuste(resumen(payload), resumen(leido), "al leer con PyJWT el token de codificar")

    propiedad(EJEMPLO, CLAVE)  # un ejemplo fijo primero: si falla, el mensaje es inmediato y sencillo
    AJUSTES(given(payload=payloads, clave=claves)(propiedad))()


@comprobacion(tarea=2, puntos=1)
def test_codificar_valida_la_entrada(modulo):
    """codificar rechaza una carga útil que no es un dict (TypeError) y una clave vacía (ValueError) o sin tipo válido."""
    casos = [
        ([("sub", "1")], CLAVE, TypeError),
        (None, CLAVE, TypeError),
        ('{"sub": "1"}', CLAVE, TypeError),
        ({"sub": "1"}, "", ValueError),
        ({"sub": "1"}, b"", ValueError),
        ({"sub": "1"}, None, TypeError),
        ({"sub": "1"}, 42, TypeError),
    ]
    for payload, clave, esperada in casos:
        try:
            resultado = modulo.codificar(payload, clave)
        except esperada:
            continue
        except Exception as e:
            raise Desajuste(
                esperada.__name__, f"{type(e).__name__}: {str(e)[:120]}", f"en codificar({payload!r}, {clave!r})"
            ) from None
        raise Desajuste(
            f"que lanzara {esperada.__name__}",
            f"que devolviera {resumen(resultado)}",
            f"en codificar({payload!r}, {clave!r})",
            "Comprueba isinstance(payload, dict) y que la clave es str o bytes y no está vacía.",
        )


@comprobacion(tarea=2, puntos=1)
def test_rechaza_claves_de_menos_de_32_bytes(modulo):
    """codificar y decodificar rechazan (ValueError) una clave de menos de 32 bytes y aceptan una de 32."""
    for clave in (b"k", "k", "x" * 31, b"\x00" * 31, "ñ" * 15 + "x"):  # «ñ» ocupa 2 bytes en UTF-8: 31 bytes
        n = len(clave if isinstance(clave, bytes) else clave.encode())
        for nombre, llamada in [
            (
                f"codificar({{'sub': '1'}}, clave de {n} bytes)",
                lambda clave=clave: modulo.codificar({"sub": "1"}, clave),
            ),
            (
                f"decodificar(token firmado con esa clave, clave de {n} bytes)",
                lambda clave=clave: modulo.decodificar(firmado({"sub": "1"}, clave), clave, ahora=AHORA),
            ),
        ]:
            try:
                resultado = llamada()
            except ValueError:
                continue
            except Exception as e:
                raise Desajuste("ValueError", f"{type(e).__name__}: {str(e)[:120]}", f"en {nombre}") from None
            raise Desajuste(
                "que lanzara ValueError",
                f"que devolviera {resumen(resultado)}",
                f"en {nombre}",
                "RFC 7518 §3.2: una clave HS256 tiene 256 bits (32 bytes) o más. Cuenta los bytes "
                "(un texto, en UTF-8), no los caracteres, y rechaza las claves más cortas.",
            )
    for clave, como in [("x" * 32, "clave de 32 bytes"), ("ñ" * 16, "clave de 16 «ñ» (32 bytes en UTF-8)")]:
        llamar(
            lambda clave=clave: modulo.codificar({"sub": "1"}, clave),
            f"codificar({{'sub': '1'}}, {como})",
            "Se cuentan los bytes de la clave (un texto, en UTF-8), no sus caracteres.",
        )
        token = firmado({"sub": "1"}, clave)
        leido = llamar(
            lambda token=token, clave=clave: modulo.decodificar(token, clave, ahora=AHORA),
            f"decodificar(token, {como})",
            "Se cuentan los bytes de la clave (un texto, en UTF-8), no sus caracteres.",
        )
        if leido != {"sub": "1"}:
            raise Desajuste("{'sub': '1'}", resumen(leido), f"en decodificar(token, {como})")


def importaciones_prohibidas(modulo):
    arbol = ast.parse(open(modulo.__file__, encoding="utf-8").read())
    encontradas = set()
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Import):
            encontradas |= {a.name.split(".")[0] for a in nodo.names}
        elif isinstance(nodo, ast.ImportFrom) and nodo.module:
            encontradas.add(nodo.module.split(".")[0])
        elif isinstance(nodo, ast.Call) and nodo.args and isinstance(nodo.args[0], ast.Constant):
            if isinstance(nodo.args[0].value, str):
                encontradas.add(nodo.args[0].value.split(".")[0])  # __import__("jwt"), import_module("jwt")
    encontradas |= {nombre.split(".")[0] for nombre in modulo.modulos_importados()}
    return sorted(encontradas & PROHIBIDOS)


@comprobacion(tarea=2, puntos=1, depende_de=test_codificar_da_el_mismo_token_que_pyjwt)
def test_no_importa_pyjwt(modulo):
    """jwt_manual.py lo hace a mano: no importa PyJWT ni otra biblioteca de JWT."""
    prohibidas = importaciones_prohibidas(modulo)
    if prohibidas:
        raise Fallo(
            f"jwt_manual.py importa {', '.join(prohibidas)}.",
            "El ejercicio es escribir HS256 con base64, hmac, hashlib y json; PyJWT solo en las pruebas.",
        )


# ── Tarea 3: leer el token y fijar el algoritmo ──────────────────────────────


@comprobacion(tarea=3, puntos=2)
def test_rechaza_tokens_mal_formados(modulo):
    """Un token que no son tres segmentos base64url con objetos JSON da TokenMalFormado (nunca otra excepción)."""
    payload_ok = b64('{"sub":"7"}')
    NO_UTF8 = b64(b"\xff\xfe")
    casos = [
        (None, "que no es un texto"),
        ("", "vacío"),
        ("abc", "de un solo segmento"),
        (f"{b64(json.dumps(HS256))}.{payload_ok}", "de dos segmentos"),
        (firmado({"sub": "7"}) + ".extra", "de cuatro segmentos"),
        (f"@@@.{payload_ok}.AAAA", "con la cabecera fuera de base64url"),
        (a_mano("hola", '{"sub":"7"}'), "con una cabecera que no es JSON"),
        (a_mano("[]", '{"sub":"7"}'), "con una cabecera que es una lista JSON"),
        (a_mano('"HS256"', '{"sub":"7"}'), "con una cabecera que es un texto JSON"),
        (f"{NO_UTF8}.{payload_ok}.AAAA", "con una cabecera que no es UTF-8"),
        (f"{b64('[' * 50_000)}.{payload_ok}.AAAA", "con una cabecera «[[[[…» anidada 50 000 niveles"),
        (a_mano(HS256, "[1, 2]"), "bien firmado pero con una carga útil que es una lista JSON"),
        (a_mano(HS256, "null"), "bien firmado pero con una carga útil null"),
        (a_mano(HS256, "no es json"), "bien firmado pero con una carga útil que no es JSON"),
        (firmado({"sub": "7"})[:-2] + "$$", "con la firma fuera de base64url"),
        (
            firma_no_canonica(firmado({"sub": "7"})),
            "bien firmado pero con bits de más en el último carácter de la firma",
        ),
    ]
    for token, como in casos:
        espera_excepcion(
            modulo.TokenMalFormado,
            lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
            f"al decodificar un token {como}",
            "Comprueba que son 3 segmentos, decodifica cada uno con b64url_decodificar y exige que "
            "cabecera y carga útil sean un dict; json.loads puede lanzar ValueError (y RecursionError "
            "con un JSON anidado sin fin).",
        )


@comprobacion(tarea=3, puntos=1)
def test_rechaza_extensiones_criticas(modulo):
    """Un token bien firmado cuya cabecera pide extensiones críticas («crit») da TokenMalFormado."""
    payload = {"sub": "7", "rol": "admin"}
    casos = [
        ({"alg": "HS256", "crit": ["exp"], "exp": AHORA - 3600}, 'con "crit": ["exp"] y un "exp" en la cabecera'),
        ({"alg": "HS256", "b64": False, "crit": ["b64"]}, 'con "b64": false y "crit": ["b64"] (RFC 7797)'),
        (
            {"alg": "HS256", "crit": ["http://example.com/desconocida"], "http://example.com/desconocida": True},
            "con una extensión crítica desconocida",
        ),
        ({"alg": "HS256", "crit": []}, 'con "crit": []'),
    ]
    for cabecera, como in casos:
        token = a_mano(cabecera, payload)
        espera_excepcion(
            modulo.TokenMalFormado,
            lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
            f"al decodificar un token {como}",
            "RFC 7515 §4.1.11: «crit» lista extensiones que quien verifica DEBE entender; si no las "
            "entiende, el token no es válido. Tu módulo no entiende ninguna: si la cabecera tiene "
            "«crit», rechaza el token.",
        )


@comprobacion(tarea=3, puntos=1)
def test_rechaza_alg_none(modulo):
    """Un token con "alg": "none" (con o sin firma) da AlgoritmoNoPermitido."""
    payload = {"sub": "7", "rol": "admin"}
    for alg in ("none", "None", "NONE"):
        cabecera = b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")))
        sin_firma = f"{cabecera}.{b64(json.dumps(payload))}."
        for token in (sin_firma, a_mano({"alg": alg, "typ": "JWT"}, payload)):
            espera_excepcion(
                modulo.AlgoritmoNoPermitido,
                lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
                f'al decodificar un token con "alg": "{alg}"',
                '"none" (RFC 7518 §3.6) significa «sin firma»: quien lo acepta deja que cualquiera '
                "escriba sus propios tokens. Solo se acepta HS256.",
            )


@comprobacion(tarea=3, puntos=2)
def test_rechaza_otros_algoritmos(modulo):
    """Un token HS384, HS512, RS256, sin "alg" o con un "alg" que no es texto da AlgoritmoNoPermitido."""
    payload = {"sub": "7"}
    casos = [
        (jwt.encode(payload, CLAVE_LARGA, algorithm="HS512"), "HS512 bien firmado con la misma clave (por PyJWT)"),
        (jwt.encode(payload, CLAVE_LARGA, algorithm="HS384"), "HS384 bien firmado con la misma clave (por PyJWT)"),
        (a_mano({"alg": "RS256", "typ": "JWT"}, payload, CLAVE_LARGA), 'con "alg": "RS256"'),
        (a_mano({"typ": "JWT"}, payload, CLAVE_LARGA), 'sin "alg"'),
        (a_mano({"alg": ["HS256"], "typ": "JWT"}, payload, CLAVE_LARGA), 'con "alg": ["HS256"]'),
        (a_mano({"alg": "hs256", "typ": "JWT"}, payload, CLAVE_LARGA), 'con "alg": "hs256" (en minúsculas)'),
    ]
    for token, como in casos:
        espera_excepcion(
            modulo.AlgoritmoNoPermitido,
            lambda token=token: modulo.decodificar(token, CLAVE_LARGA, ahora=AHORA),
            f"al decodificar un token {como}",
            "El algoritmo lo decide el servidor, no el token (RFC 8725 §3.1): compara la cabecera con "
            '"HS256" ANTES de verificar la firma y firma siempre con SHA-256, nunca con el hash que '
            "pida la cabecera.",
        )


# ── Tarea 4: verificar la firma ──────────────────────────────────────────────


@comprobacion(tarea=4, puntos=2)
def test_verifica_el_ejemplo_del_rfc_7515(modulo):
    """decodificar verifica el ejemplo del apéndice A.1 de RFC 7515 (con su JSON con saltos de línea)."""
    clave = b64_a_bytes(A1_K)
    leido = llamar(
        lambda: modulo.decodificar(A1_TOKEN, clave, ahora=1300819000),
        "decodificar(token del RFC 7515 A.1, clave del A.1, ahora=1300819000)",
        "La entrada de la firma son los dos primeros segmentos TAL COMO LLEGAN (no vuelvas a escribir "
        "su JSON: el del RFC tiene saltos de línea \\r\\n). La clave del A.1 es el valor «k» de un JWK: "
        "son bytes en base64url.",
    )
    if leido != A1_PAYLOAD:
        raise Desajuste(repr(A1_PAYLOAD), resumen(leido), "al decodificar el token del RFC 7515 A.1")


@comprobacion(tarea=4, puntos=2)
def test_decodifica_los_tokens_de_pyjwt(modulo):
    """decodificar acepta los tokens de jwt.encode y devuelve su carga útil (60 objetos JSON al azar)."""

    def propiedad(payload, clave):
        token = jwt.encode(payload, clave, algorithm="HS256")
        leido = llamar(lambda: modulo.decodificar(token, clave), f"decodificar(jwt.encode({resumen(payload)}), clave)")
        if leido != payload:
            raise Desajuste(resumen(payload), resumen(leido), "al decodificar un token de PyJWT")

    propiedad(EJEMPLO, CLAVE)  # un ejemplo fijo primero: si falla, el mensaje es inmediato y sencillo
    AJUSTES(given(payload=payloads, clave=claves)(propiedad))()


@comprobacion(tarea=4, puntos=2)
def test_rechaza_una_firma_que_no_coincide(modulo):
    """Una carga útil alterada, otra clave o una firma cambiada dan FirmaInvalida (antes de mirar exp)."""
    bueno = firmado({"sub": "7", "rol": "usuario"})
    cabecera, _, firma = bueno.split(".")
    alterado = f"{cabecera}.{b64(json.dumps({'sub': '7', 'rol': 'admin'}, separators=(',', ':')))}.{firma}"
    otra_firma = f"{cabecera}.{bueno.split('.')[1]}." + ("B" if firma[0] == "A" else "A") + firma[1:]
    caducado_y_falso = firmado({"sub": "7", "exp": AHORA - 3600}, OTRA_CLAVE)
    casos = [
        (alterado, "con la carga útil cambiada a «rol»: «admin» sin volver a firmar"),
        (firmado({"sub": "7"}, OTRA_CLAVE), "firmado con otra clave"),
        (otra_firma, "con la firma cambiada"),
        (f"{cabecera}.{bueno.split('.')[1]}.{firma[:20]}", "con la firma cortada"),
        (f"{cabecera}.{bueno.split('.')[1]}.", "sin firma"),
        (caducado_y_falso, "caducado y firmado con otra clave (la firma se mira antes que exp)"),
    ]
    for token, como in casos:
        espera_excepcion(
            modulo.FirmaInvalida,
            lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
            f"al decodificar un token {como}",
            "Calcula la firma de la cabecera y la carga útil unidas por un punto con tu clave y compárala con la recibida. "
            "Hasta que la firma cuadra, los claims (exp incluido) no significan nada.",
        )


@comprobacion(tarea=4, puntos=1)
def test_compara_la_firma_en_tiempo_constante(modulo, espiar):
    """decodificar compara la firma con hmac.compare_digest (en tiempo constante), no con ==."""
    espias = [espiar("hmac.compare_digest"), espiar("secrets.compare_digest")]  # y «from hmac import …»
    token = firmado({"sub": "7"})
    firma_b64 = token.split(".")[2]
    llamar(lambda: modulo.decodificar(token, CLAVE), "decodificar(token válido, clave)")
    llamadas = [tuple(args[:2]) for espia in espias for args in espia.llamadas if len(args) >= 2]
    recibida = {firma_b64, firma_b64.encode(), b64_a_bytes(firma_b64)}
    if not any(a in recibida or b in recibida for a, b in llamadas):
        raise Fallo(
            "decodificar no comparó la firma recibida con hmac.compare_digest"
            + (f" (se llamó {len(llamadas)} veces, pero no con la firma)." if llamadas else "."),
            "Con ==, la comparación termina en el primer byte distinto y el tiempo que tarda delata cuántos bytes "
            "acertó un atacante. Esta comprobación espía hmac.compare_digest (y secrets.compare_digest) durante "
            "la llamada y mira si se usó con la firma del token.",
        )


# ── Tarea 5: exp, nbf y margen ───────────────────────────────────────────────


@comprobacion(tarea=5, puntos=1)
def test_rechaza_tokens_caducados(modulo):
    """Un token con exp en el pasado (o justo ahora) da TokenExpirado; con exp en el futuro, se acepta."""
    for exp in (AHORA - 3600, AHORA - 1, AHORA):
        token = firmado({"sub": "7", "exp": exp})
        espera_excepcion(
            modulo.TokenExpirado,
            lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
            f"con exp = ahora {exp - AHORA:+d} s",
            "RFC 7519 §4.1.4: el token vale mientras ahora < exp. Compara con el parámetro «ahora» "
            "(o time.time() si es None).",
        )
    futuro = {"sub": "7", "exp": AHORA + 60}
    leido = llamar(
        lambda: modulo.decodificar(firmado(futuro), CLAVE, ahora=AHORA), "decodificar con exp = ahora + 60 s"
    )
    if leido != futuro:
        raise Desajuste(repr(futuro), resumen(leido), "con exp = ahora + 60 s")
    reloj = firmado({"sub": "7", "exp": int(time.time()) - 30})
    espera_excepcion(
        modulo.TokenExpirado,
        lambda: modulo.decodificar(reloj, CLAVE),
        "sin «ahora», con exp = time.time() - 30",
        "Si ahora es None, usa time.time().",
    )
    espera_excepcion(
        modulo.TokenMalFormado,
        lambda: modulo.decodificar(firmado({"sub": "7", "exp": "mañana"}), CLAVE, ahora=AHORA),
        'con "exp": "mañana"',
        "exp y nbf son números (segundos desde 1970); otra cosa es un token mal formado.",
    )


@comprobacion(tarea=5, puntos=1)
def test_rechaza_tokens_todavia_no_validos(modulo):
    """Un token con nbf en el futuro da TokenTodaviaNoValido; con nbf ahora o antes, se acepta."""
    for nbf in (AHORA + 1, AHORA + 3600):
        token = firmado({"sub": "7", "nbf": nbf})
        espera_excepcion(
            modulo.TokenTodaviaNoValido,
            lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
            f"con nbf = ahora + {nbf - AHORA} s",
            "RFC 7519 §4.1.5: el token vale desde nbf (ahora >= nbf).",
        )
    for nbf in (AHORA, AHORA - 60):
        payload = {"sub": "7", "nbf": nbf}
        leido = llamar(
            lambda payload=payload: modulo.decodificar(firmado(payload), CLAVE, ahora=AHORA),
            f"decodificar con nbf = ahora {nbf - AHORA:+d} s",
        )
        if leido != payload:
            raise Desajuste(repr(payload), resumen(leido), f"con nbf = ahora {nbf - AHORA:+d} s")


@comprobacion(tarea=5, puntos=1)
def test_rechaza_fechas_que_no_son_finitas(modulo):
    """Un exp o un nbf NaN, Infinity, -Infinity o 1e400 (bien firmado) da TokenMalFormado, no un token eterno."""
    for claim in ("exp", "nbf"):
        for valor in ("NaN", "Infinity", "-Infinity", "1e400"):
            token = a_mano(HS256, f'{{"sub":"7","{claim}":{valor}}}')
            espera_excepcion(
                modulo.TokenMalFormado,
                lambda token=token: modulo.decodificar(token, CLAVE, ahora=AHORA),
                f'en decodificar(token con "{claim}": {valor}, clave, ahora={AHORA})',
                "json.loads acepta NaN e Infinity, y 1e400 se convierte en inf: con exp = NaN, «ahora >= exp» es "
                "siempre falso y el token no caduca nunca. Una fecha es un número finito: math.isfinite(valor).",
            )


@comprobacion(tarea=5, puntos=2)
def test_aplica_el_margen(modulo):
    """El margen tolera unos segundos de desfase de reloj en exp y nbf, ni más ni menos."""
    aceptados = [({"exp": AHORA - 5}, 10), ({"nbf": AHORA + 5}, 10), ({"exp": AHORA + 5}, 3)]
    for claims, margen in aceptados:
        payload = {"sub": "7", **claims}
        leido = llamar(
            lambda payload=payload, margen=margen: modulo.decodificar(
                firmado(payload), CLAVE, margen=margen, ahora=AHORA
            ),
            f"decodificar({claims} relativo a ahora={AHORA}, margen={margen})",
            "El margen amplía la validez: caduca si ahora - margen >= exp; aún no vale si ahora + margen < nbf.",
        )
        if leido != payload:
            raise Desajuste(repr(payload), resumen(leido), f"con margen={margen}")
    rechazados = [
        ({"exp": AHORA - 5}, 3, "TokenExpirado"),
        ({"nbf": AHORA + 5}, 3, "TokenTodaviaNoValido"),
        ({"exp": AHORA - 10}, 10, "TokenExpirado"),
    ]
    for claims, margen, clase in rechazados:
        token = firmado({"sub": "7", **claims})
        espera_excepcion(
            getattr(modulo, clase),
            lambda token=token, margen=margen: modulo.decodificar(token, CLAVE, margen=margen, ahora=AHORA),
            f"con {claims} (ahora = {AHORA}) y margen={margen}",
            "¿Signo cambiado? Caduca si ahora - margen >= exp; aún no vale si ahora + margen < nbf.",
        )
