"""Comprobaciones de la lección 07: el sobre de error, los errores de JWT (RFC 6750), los errores HTTP y el límite."""

import base64
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import jwt
import pytest
import requests
from werkzeug.http import HTTP_STATUS_CODES

from taller import anteriores
from taller.comprobaciones import (
    Cliente,
    Desajuste,
    Fallo,
    Falta,
    bearer,
    comprobacion,
    iniciar_sesion,
    mostrar_json,
    reemitir,
)

TAREAS = {
    1: 'El sobre {"error", "codigo"} en las respuestas de error de las rutas',
    2: "Los errores de JWT: 401, su código y WWW-Authenticate (RFC 6750)",
    3: "Ningún error HTTP en HTML: el sobre para todos",
    4: "Límite de intentos en el inicio de sesión y el registro (429 con Retry-After)",
    5: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}
ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}
PARA_EMPEZAR = "El registro y el inicio de sesión vienen hechos de la lección 06."
PISTA_SOBRE = (
    'Responde con error(mensaje, estado, codigo): {"error": "…", "codigo": "…"}; sin código, el de '
    "CODIGOS_HTTP para ese estado."
)
PISTA_JWT = (
    "Registra un cargador por cada error de Flask-JWT-Extended (unauthorized_loader, invalid_token_loader, "
    "expired_token_loader, revoked_token_loader, needs_fresh_token_loader…) que responda con error(…, 401, "
    "codigo)."
)
PISTA_WWW = (
    'Todo 401 lleva WWW-Authenticate: sin token, «Bearer realm="api"»; con un token que no vale, '
    '«Bearer realm="api", error="invalid_token", error_description="…"» (RFC 6750, sección 3).'
)
PISTA_HTTP = (
    "Un solo @bp.app_errorhandler(HTTPException), en api/errores.py, que responda con error(mensaje, e.code) "
    "para cualquier código (400, 404, 405, 413, 415, 429, 500…), con Allow en el 405."
)
PISTA_LIMITE = (
    "Crea un Limiter(get_remote_address, app=app) en init_app de api/limites.py y limita el blueprint "
    "del inicio de sesión con limitador.limit(...) (5 por minuto por IP y LIMITE_LOGIN_CUENTA por cuenta) y el del "
    "registro (10 por minuto); RATELIMIT_HEADERS_ENABLED=True añade Retry-After."
)
PISTA_A_LA_VEZ = (
    "Cuenta cada intento ANTES de comprobar la contraseña: limitador.limit(...) sin deduct_when. Con "
    "deduct_when el intento se apunta al responder, y los que llegan a la vez pasan todos."
)
REDIS_CERRADO = "redis://127.0.0.1:1/0"  # nadie escucha en el puerto 1
MENSAJES_CRUDOS = (
    "utf-8",
    "codec",
    "Invalid header",
    "Not enough segments",
    "Signature verification",
    "Only non-refresh",
    "Traceback",
    "msg",
)


# ── Ayudantes ────────────────────────────────────────────────────────────────


EN_MEMORIA = {"RATELIMIT_STORAGE_URI": "memory://"}  # cada app cuenta sus intentos, aunque haya REDIS_URL


@pytest.fixture
def client(crear_app):
    """El cliente de cada comprobación, con el contador de intentos en memoria (uno nuevo por comprobación)."""
    return Cliente(crear_app(**EN_MEMORIA))


def b64(datos):
    return base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii")


def registrar(client, usuario=ANA):
    return client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR).espera_json()


def entrar(client, usuario=ANA):
    """Un inicio de sesión de ``usuario`` (que ya existe): ``(access_token, refresh_token)``."""
    return iniciar_sesion(client, usuario, PARA_EMPEZAR)


def espera_sobre(r, estado, codigo, ayuda=PISTA_SOBRE):
    """El error ``estado`` en JSON con ``{"error": "…", "codigo": codigo}``."""
    cuerpo = r.espera_error(estado, ayuda=ayuda)
    if cuerpo.get("codigo") != codigo:
        raise Desajuste(f'"codigo": "{codigo}"', mostrar_json(cuerpo), f"en {r.peticion}", ayuda)
    return cuerpo


def espera_401(r, codigo, con_error=True):
    """401 con el sobre y la cabecera WWW-Authenticate de RFC 6750."""
    espera_sobre(r, 401, codigo, PISTA_JWT)
    valor = r.espera_cabecera("WWW-Authenticate", ayuda=PISTA_WWW)
    if not valor.startswith("Bearer") or 'realm="api"' not in valor or not valor.isascii():
        raise Desajuste('WWW-Authenticate: Bearer realm="api"…, solo ASCII', valor, f"en {r.peticion}", PISTA_WWW)
    if con_error and 'error="invalid_token"' not in valor:
        raise Desajuste('error="invalid_token" en WWW-Authenticate', valor, f"en {r.peticion}", PISTA_WWW)
    if not con_error and "error=" in valor:
        raise Desajuste(
            'WWW-Authenticate sin atributo error (no hay token): Bearer realm="api"',
            valor,
            f"en {r.peticion}",
            PISTA_WWW,
        )


def token_ajeno(**claims):
    """Un access token bien formado, firmado con otra clave."""
    ahora = int(time.time())
    datos = {
        "sub": "1",
        "type": "access",
        "fresh": True,
        "jti": str(uuid.uuid4()),
        "iat": ahora,
        "nbf": ahora,
        "exp": ahora + 600,
        **claims,
    }
    return jwt.encode(datos, secrets.token_hex(32), algorithm="HS256")


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=None, puntos=0)
def test_para_empezar_registro_y_login(client):
    """Para empezar (viene de lecciones anteriores): el registro da 201 y el inicio de sesión, los dos tokens."""
    anteriores.entrar(client, ("access_token", "refresh_token"))


# ── Tarea 1: el sobre en las rutas ───────────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_validacion_400_con_codigo(client):
    """Un cuerpo que no vale (texto, lista, campos que faltan) da 400 con "codigo": "VALIDATION_ERROR"."""
    espera_sobre(client.post("/auth/registro", data="hola", content_type="text/plain"), 400, "VALIDATION_ERROR")
    espera_sobre(client.post("/auth/registro", json=[]), 400, "VALIDATION_ERROR")
    espera_sobre(client.post("/auth/login", json={"email": "ana@example.com"}), 400, "VALIDATION_ERROR")


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_404_y_409_con_codigo(client):
    """Un artículo que no existe da 404 "NOT_FOUND"; un email repetido en el registro, 409 "CONFLICT"."""
    espera_sobre(client.get("/api/articulos/999"), 404, "NOT_FOUND")
    registrar(client)
    espera_sobre(client.post("/auth/registro", json=ANA), 409, "CONFLICT")


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_403_con_codigo(client):
    """Un usuario sin rol de editor que intenta crear un artículo recibe 403 con "codigo": "FORBIDDEN"."""
    registrar(client)
    acceso, _ = entrar(client)
    espera_sobre(client.post("/api/articulos", headers=bearer(acceso), json={"titulo": "Hola"}), 403, "FORBIDDEN")


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_login_fallido_con_codigo(client):
    """Una contraseña mala da 401 "INVALID_CREDENTIALS" con WWW-Authenticate: Bearer realm="api"."""
    registrar(client)
    r = client.post("/auth/login", json={"email": ANA["email"], "password": "otra-contraseña"})
    espera_sobre(r, 401, "INVALID_CREDENTIALS")
    valor = r.espera_cabecera("WWW-Authenticate", ayuda=PISTA_WWW)
    if valor != 'Bearer realm="api"':
        raise Desajuste('WWW-Authenticate: Bearer realm="api"', valor, f"en {r.peticion}", PISTA_WWW)


# ── Tarea 2: los errores de JWT ──────────────────────────────────────────────


@comprobacion(tarea=2, puntos=2)
def test_sin_token_401_token_missing(client):
    """Sin token (o con otro esquema que Bearer) responde 401 "TOKEN_MISSING" y WWW-Authenticate sin error."""
    espera_401(client.get("/api/perfil"), "TOKEN_MISSING", con_error=False)
    espera_401(
        client.get("/api/perfil", headers={"Authorization": "Basic YW5hOmNsYXZl"}), "TOKEN_MISSING", con_error=False
    )


@comprobacion(tarea=2, puntos=3, depende_de=test_para_empezar_registro_y_login)
def test_token_invalido_401_no_422(client):
    """Un token basura, manipulado, de otra clave o con alg none da 401 "TOKEN_INVALID" (la biblioteca daba 422)."""
    registrar(client)
    acceso, _ = entrar(client)
    cabecera, carga, firma = acceso.split(".")
    claims = json.loads(base64.urlsafe_b64decode(carga + "=" * (-len(carga) % 4)))
    manipulado = f"{cabecera}.{b64(json.dumps({**claims, 'sub': '999'}).encode())}.{firma}"
    ninguno = b64(b'{"alg":"none","typ":"JWT"}') + f".{carga}."
    for nombre, token in (
        ("basura", "esto-no-es-un-token"),
        ("manipulado", manipulado),
        ("de otra clave", token_ajeno()),
        ("con alg none", ninguno),
    ):
        r = client.get("/api/perfil", headers=bearer(token))
        if r.estado == 422:
            raise Desajuste(
                "401",
                f"422 ({r.contenido()})",
                f"con un token {nombre} en {r.peticion}",
                "Es el 422 por defecto de Flask-JWT-Extended: registra un invalid_token_loader que "
                "responda 401 (RFC 6750, sección 3.1).",
            )
        espera_401(r, "TOKEN_INVALID")


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_token_caducado_401_token_expired(crear_app):
    """Un access token caducado da 401 "TOKEN_EXPIRED" con error="invalid_token"."""
    client = Cliente(crear_app(**EN_MEMORIA, JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)))
    registrar(client)
    acceso, _ = entrar(client)
    r = client.get("/api/perfil", headers=bearer(acceso))
    espera_401(r, "TOKEN_EXPIRED")
    if "/auth/refresh" not in r.json["error"]:
        raise Desajuste(
            "un mensaje que diga que pida otro token en /auth/refresh",
            repr(r.json["error"]),
            f"con un access token caducado en {r.peticion}",
            "Un access token caducado se refresca con el refresh token: dilo en el mensaje. Mira "
            'datos["type"] en el expired_token_loader: ¿es un access o un refresh token?',
        )


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_refresh_token_caducado_401(crear_app):
    """Un refresh token caducado en POST /auth/refresh da 401 "TOKEN_EXPIRED" y pide iniciar sesión de nuevo."""
    client = Cliente(crear_app(**EN_MEMORIA, JWT_REFRESH_TOKEN_EXPIRES=timedelta(seconds=-1)))
    registrar(client)
    _, refresh = entrar(client)
    r = client.post("/auth/refresh", headers=bearer(refresh))
    espera_401(r, "TOKEN_EXPIRED")
    if "/auth/refresh" in r.json["error"]:
        raise Desajuste(
            "un mensaje que pida iniciar sesión de nuevo",
            repr(r.json["error"]),
            f"con un refresh token caducado en {r.peticion}",
            "Con el refresh token caducado, /auth/refresh ya no sirve: el cliente debe volver a "
            'POST /auth/login. Distingue el caso con datos["type"] == "refresh".',
        )


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_refresh_token_como_access(client):
    """Un refresh token en GET /api/perfil da 401 "TOKEN_INVALID" (la biblioteca daba 422)."""
    registrar(client)
    _, refresh = entrar(client)
    espera_401(client.get("/api/perfil", headers=bearer(refresh)), "TOKEN_INVALID")


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_token_revocado_401_token_revoked(client):
    """Tras el logout, el mismo access token da 401 "TOKEN_REVOKED"."""
    registrar(client)
    acceso, _ = entrar(client)
    client.post("/auth/logout", headers=bearer(acceso)).espera(200, ayuda=PARA_EMPEZAR)
    espera_401(client.get("/api/perfil", headers=bearer(acceso)), "TOKEN_REVOKED")


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_token_no_fresco_401(client):
    """Un access token refrescado (no fresco) en DELETE /api/perfil da 401 "FRESH_TOKEN_REQUIRED"."""
    registrar(client)
    _, refresh = entrar(client)
    refrescado = client.post("/auth/refresh", headers=bearer(refresh)).espera(200).espera_json()["access_token"]
    espera_401(client.delete("/api/perfil", headers=bearer(refrescado)), "FRESH_TOKEN_REQUIRED")


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_usuario_borrado_401(client):
    """Con el token de una cuenta borrada (y otra creada después), GET /api/perfil da 401 "USER_NOT_FOUND"."""
    registrar(client)
    acceso, _ = entrar(client)
    otro, _ = entrar(client)
    client.delete("/api/perfil", headers=bearer(acceso)).espera(204, ayuda=PARA_EMPEZAR)
    registrar(client, ADA)  # la cuenta siguiente: no debe heredar el id (ni los tokens) de la borrada
    r = client.get("/api/perfil", headers=bearer(otro))
    if r.estado == 200:
        raise Desajuste(
            "401",
            f"200 ({r.contenido()})",
            f"con el token de una cuenta borrada en {r.peticion}",
            "SQLite reutiliza el id más alto borrado: el token viejo abre la cuenta siguiente. El "
            'modelo Usuario necesita __table_args__ = {"sqlite_autoincrement": True}.',
        )
    if r.estado == 401 and (r.json or {}).get("codigo") == "TOKEN_REVOKED":
        return  # también vale: borrar la cuenta puede revocar sus tokens
    espera_401(r, "USER_NOT_FOUND")


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_claims_mal_formados_401_token_invalid(client):
    """Un token bien firmado con claims que la app no emite (sub "01" o "１", una «sesion» rota) da 401 TOKEN_INVALID."""
    registrar(client)
    acceso, _ = entrar(client)
    client.get("/api/perfil", headers=bearer(acceso)).espera(200, ayuda=PARA_EMPEZAR)
    sub = jwt.decode(acceso, options={"verify_signature": False})["sub"]
    casos = (
        (f'con el sub "0{sub}"', "GET", "/api/perfil", {"sub": "0" + sub}),
        (f'con el sub "{sub}" en cifras de ancho completo', "GET", "/api/perfil", {"sub": chr(0xFF10 + int(sub))}),
        ('con "sesion": "x" en lugar de {"jti", "exp"}', "POST", "/auth/logout", {"sesion": "x"}),
    )
    pista = (
        "La firma solo dice quién emitió el token. Registra un token_verification_loader que devuelva False si el "
        "sub no es un id canónico (ID.fullmatch) o la «sesion» no es {jti: texto, exp: número}, y un "
        'token_verification_failed_loader que responda error(…, 401, "TOKEN_INVALID") (la biblioteca: 400).'
    )
    for descripcion, metodo, ruta, cambios in casos:
        r = client.peticion(
            metodo, ruta, headers=bearer(reemitir(client.app, acceso, jti=str(uuid.uuid4()), **cambios))
        )
        if r.estado != 401 or (r.json or {}).get("codigo") != "TOKEN_INVALID":
            raise Desajuste(
                f'401 con "codigo": "TOKEN_INVALID" con un token {descripcion}',
                f"{r.estado} ({r.contenido()})",
                f"en {r.peticion}",
                pista,
            )
        espera_401(r, "TOKEN_INVALID")


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_el_mensaje_de_la_libreria_no_se_filtra(client):
    """Un token con la cabecera en UTF-8 no válido da 401 en español, sin el mensaje crudo («'utf-8' codec…»)."""
    registrar(client)
    acceso, _ = entrar(client)
    _, carga, firma = acceso.split(".")
    roto = b64(b'{"alg":"HS256","typ":"JWT\xc3\x28"}') + f".{carga}.{firma}"
    for token in (roto, "a.b.c", "esto-no-es-un-token"):
        r = client.get("/api/perfil", headers=bearer(token))
        for crudo in MENSAJES_CRUDOS:
            if crudo.lower() in r.texto.lower():
                raise Fallo(
                    f"La respuesta a {r.peticion} contiene «{crudo}»: {r.contenido()}. El mensaje de la "
                    "biblioteca es para el log, no para el cliente.",
                    "En el invalid_token_loader, escribe el motivo con current_app.logger y responde con un "
                    "mensaje propio en español.",
                )
        espera_401(r, "TOKEN_INVALID")


# ── Tarea 3: los errores HTTP ────────────────────────────────────────────────


@comprobacion(tarea=3, puntos=2)
def test_404_y_405_en_json(client):
    """Una ruta que no existe da 404 "NOT_FOUND"; un método no permitido, 405 "METHOD_NOT_ALLOWED" con Allow."""
    espera_sobre(client.get("/no/existe"), 404, "NOT_FOUND", PISTA_HTTP)
    r = client.put("/api/perfil")
    espera_sobre(r, 405, "METHOD_NOT_ALLOWED", PISTA_HTTP)
    if "GET" not in r.espera_cabecera("Allow", ayuda=PISTA_HTTP):
        raise Desajuste("Allow con GET", r.cabeceras.get("Allow"), f"en {r.peticion}", PISTA_HTTP)


@comprobacion(tarea=3, puntos=1)
def test_413_en_json(client):
    """Un cuerpo de más de 1 MB da 413 "PAYLOAD_TOO_LARGE" en JSON."""
    r = client.post("/auth/registro", data="x" * (1024 * 1024 + 1), content_type="application/json")
    espera_sobre(r, 413, "PAYLOAD_TOO_LARGE", PISTA_HTTP)


@comprobacion(tarea=3, puntos=2)
def test_todo_error_http_con_sobre(crear_app):
    """Todo error HTTP que Flask pueda lanzar (400, 404, 405, 409, 413, 415, 429, 500, 503) sale con su sobre."""
    app = crear_app(**EN_MEMORIA)
    app.ruta_de_prueba("/_comprobacion/abortar/<int:estado>", "abortar")  # una ruta que hace abort(estado)
    client = Cliente(app)
    codigos = {
        400: "VALIDATION_ERROR",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        409: "CONFLICT",
        413: "PAYLOAD_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
        429: "RATE_LIMITED",
        500: "INTERNAL_ERROR",
        503: "SERVICE_UNAVAILABLE",
    }
    for estado, codigo in codigos.items():
        cuerpo = espera_sobre(client.get(f"/_comprobacion/abortar/{estado}"), estado, codigo, PISTA_HTTP)
        if cuerpo["error"].strip(" .") == HTTP_STATUS_CODES[estado]:
            raise Desajuste(
                "un mensaje en español",
                repr(cuerpo["error"]),
                f"para el estado {estado}",
                "Usa el mensaje en español de MENSAJES_HTTP (api/mensajes_http.py), no e.name, que es inglés.",
            )


@comprobacion(tarea=3, puntos=1)
def test_500_sin_detalles(crear_app):
    """Una excepción inesperada da 500 "INTERNAL_ERROR" sin el texto de la excepción ni la traza."""
    app = crear_app(**EN_MEMORIA)
    app.ruta_de_prueba("/_comprobacion/fallo", "fallo", "detalle-secreto-de-la-base-de-datos")  # lanza RuntimeError
    r = Cliente(app).get("/_comprobacion/fallo")
    espera_sobre(
        r,
        500,
        "INTERNAL_ERROR",
        'El @bp.app_errorhandler(Exception) de api/errores.py responde error("Error interno…", 500).',
    )
    if "detalle-secreto" in r.texto or "Traceback" in r.texto:
        raise Fallo(
            f"La respuesta a {r.peticion} enseña el error interno: {r.contenido()}.",
            "El detalle va al log (app.logger.exception); al cliente, un mensaje fijo.",
        )


@comprobacion(tarea=3, puntos=2)
def test_barrido_sin_html_ni_500(crear_app):
    """Ninguna ruta, con ningún cuerpo o token malo, responde HTML, 500 o un error sin el sobre."""
    client = Cliente(crear_app(**EN_MEMORIA, RATELIMIT_ENABLED=False))
    rutas = [
        ("GET", "/api/articulos"),
        ("POST", "/api/articulos"),
        ("GET", "/api/articulos/1"),
        ("PUT", "/api/articulos/1"),
        ("PATCH", "/api/articulos/1"),
        ("DELETE", "/api/articulos/1"),
        ("GET", "/api/articulos/99999999999999999999"),
        ("POST", "/auth/registro"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
        ("POST", "/auth/logout-todo"),
        ("GET", "/api/perfil"),
        ("DELETE", "/api/perfil"),
        ("POST", "/api/perfil/password"),
        ("GET", "/api/admin/usuarios"),
        ("PATCH", "/api/admin/usuarios/1"),
        ("PATCH", "/auth/login"),
        ("GET", "/favicon.ico"),
    ]
    malos = [
        {},
        {"headers": bearer("basura")},
        {"headers": bearer(token_ajeno())},
        {"data": "{no es json", "content_type": "application/json"},
        {"data": "hola", "content_type": "text/plain"},
        {"json": [1, 2]},
        {"json": None},
        {"headers": {"Authorization": "Bearer"}},
    ]
    for metodo, ruta in rutas:
        for malo in malos:
            r = client.peticion(metodo, ruta, **malo)
            if r.estado >= 500:
                raise Desajuste("un 4xx", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", PISTA_HTTP)
            if r.estado >= 400:
                cuerpo = r.espera_error(r.estado, ayuda=PISTA_HTTP)
                if not isinstance(cuerpo.get("codigo"), str):
                    raise Falta('"codigo"', f"en la respuesta a {r.peticion}: {mostrar_json(cuerpo)}", PISTA_SOBRE)


# ── Tarea 4: el límite de intentos ───────────────────────────────────────────


@comprobacion(tarea=4, puntos=3, depende_de=test_para_empezar_registro_y_login)
def test_sexto_login_fallido_429(client):
    """El sexto intento fallido de iniciar sesión en un minuto da 429 "RATE_LIMITED" con Retry-After y el sobre."""
    registrar(client)
    mala = {"email": ANA["email"], "password": "no-es-la-contraseña"}
    for intento in range(1, 6):
        r = client.post("/auth/login", json=mala)
        if r.estado != 401:
            raise Desajuste(
                "401",
                f"{r.estado} ({r.contenido()})",
                f"en el intento {intento} de {r.peticion}",
                "Los cinco primeros intentos fallidos de un minuto se responden con normalidad.",
            )
    r = client.post("/auth/login", json=mala)
    espera_sobre(r, 429, "RATE_LIMITED", PISTA_LIMITE)
    espera_retry_after(r)


def espera_retry_after(r):
    valor = r.espera_cabecera("Retry-After", ayuda="RATELIMIT_HEADERS_ENABLED=True: Flask-Limiter añade Retry-After.")
    if not valor.isdigit() or int(valor) <= 0:
        raise Desajuste("Retry-After con los segundos que faltan", valor, f"en {r.peticion}")


@comprobacion(tarea=4, puntos=1)
def test_registro_limitado(client):
    """El undécimo registro en un minuto desde la misma IP da 429 "RATE_LIMITED" con Retry-After."""
    for n in range(10):
        client.post("/auth/registro", json={**ANA, "email": f"persona{n}@example.com"}).espera(201)
    r = client.post("/auth/registro", json={**ANA, "email": "otra@example.com"})
    espera_sobre(r, 429, "RATE_LIMITED", PISTA_LIMITE)
    espera_retry_after(r)


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_el_limite_se_configura(crear_app):
    """El límite sale de la configuración: LIMITE_LOGIN="2 per minute" corta al tercero; RATELIMIT_ENABLED=False, nunca."""
    client = Cliente(crear_app(**EN_MEMORIA, LIMITE_LOGIN="2 per minute"))
    registrar(client)
    mala = {"email": ANA["email"], "password": "no-es-la-contraseña"}
    estados = [client.post("/auth/login", json=mala).estado for _ in range(3)]
    if estados != [401, 401, 429]:
        raise Desajuste(
            "[401, 401, 429]",
            str(estados),
            'con LIMITE_LOGIN="2 per minute"',
            'Lee el límite de la configuración: limitador.limit(lambda: current_app.config["LIMITE_LOGIN"]).',
        )
    client = Cliente(crear_app(**EN_MEMORIA, RATELIMIT_ENABLED=False))
    estados = [client.post("/auth/login", json=mala).estado for _ in range(8)]
    if estados != [401] * 8:
        raise Desajuste(
            "8 veces 401",
            str(estados),
            "con RATELIMIT_ENABLED=False",
            "Crea el Limiter en init_app de api/limites.py (lo llama create_app) para que lea la "
            "configuración de cada app.",
        )


def intentos_a_la_vez(url, cuerpo, veces):
    """Los estados de ``veces`` POST /auth/login lanzados a la vez, cada uno en su hilo y su conexión."""
    salida, estados = threading.Barrier(veces), []

    def intento():
        salida.wait()
        try:
            estados.append(requests.post(f"{url}/auth/login", json=cuerpo, timeout=8).status_code)
        except requests.RequestException as e:
            estados.append(type(e).__name__)

    hilos = [threading.Thread(target=intento) for _ in range(veces)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(10)
    return Counter(estados)


@comprobacion(tarea=4, puntos=2, limite=30, depende_de=test_para_empezar_registro_y_login)
def test_intentos_a_la_vez_no_se_saltan_el_limite(crear_app):
    """Veinte intentos fallidos de iniciar sesión lanzados a la vez por HTTP: como mucho cinco llegan a mirar la contraseña."""
    app = crear_app(**EN_MEMORIA, BCRYPT_LOG_ROUNDS=10)  # bcrypt tarda de verdad (~50 ms), como en producción
    registrar(Cliente(app))
    url = app.servir()
    estados = intentos_a_la_vez(url, {"email": ANA["email"], "password": "no-es-la-contraseña"}, 20)
    if set(estados) - {401, 429} or estados[401] > 5:
        raise Desajuste(
            "como mucho cinco 401 y el resto 429",
            str(dict(estados)),
            "con 20 intentos fallidos de iniciar sesión a la vez contra el servidor",
            PISTA_A_LA_VEZ,
        )


@comprobacion(tarea=4, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_limite_por_cuenta(crear_app):
    """Con una IP distinta en cada intento (tras un proxy de confianza), el límite por cuenta corta al cuarto."""
    client = Cliente(crear_app(**EN_MEMORIA, PROXIES_DE_CONFIANZA=1, LIMITE_LOGIN_CUENTA="3 per minute"))
    registrar(client)
    mala = {"email": ANA["email"], "password": "no-es-la-contraseña"}
    estados = [
        client.post("/auth/login", json=mala, headers={"X-Forwarded-For": f"203.0.113.{n}"}).estado for n in range(1, 5)
    ]
    otra = client.post("/auth/login", json={**mala, "email": ADA["email"]}, headers={"X-Forwarded-For": "203.0.113.9"})
    if estados != [401, 401, 401, 429] or otra.estado != 401:
        raise Desajuste(
            "[401, 401, 401, 429] para Ana y 401 para otra cuenta",
            f"{estados} y {otra.estado}",
            'con LIMITE_LOGIN_CUENTA="3 per minute" y una IP distinta en cada intento',
            "Añade al blueprint del inicio de sesión un segundo límite, LIMITE_LOGIN_CUENTA, con "
            "key_func=cuenta_del_login: quien prueba contraseñas desde mil IP también tiene tope.",
        )


@comprobacion(tarea=4, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_x_forwarded_for_no_se_cree_por_defecto(client):
    """Sin proxy de confianza configurado, cambiar X-Forwarded-For en cada intento no evita el 429."""
    registrar(client)
    mala = {"email": ANA["email"], "password": "no-es-la-contraseña"}
    estados = [
        client.post("/auth/login", json=mala, headers={"X-Forwarded-For": f"198.51.100.{n}"}).estado
        for n in range(1, 7)
    ]
    if estados[-1] != 429:
        raise Desajuste(
            "429 en el sexto intento",
            str(estados),
            "con un X-Forwarded-For distinto en cada intento",
            "X-Forwarded-For lo escribe cualquiera: créelo solo con ProxyFix y PROXIES_DE_CONFIANZA > 0.",
        )


@comprobacion(tarea=4, puntos=1)
def test_con_varios_procesos_el_contador_en_memoria_no_arranca(crear_app):
    """Con PROCESOS=2 y el contador en memory://, create_app se niega a arrancar y pide Redis."""
    try:
        crear_app(PROCESOS=2, RATELIMIT_STORAGE_URI="memory://")
    except Exception as e:  # el error de carga trae el mensaje de la app
        if "REDIS" not in str(e).upper():
            raise Desajuste("un error que pida Redis (REDIS_URL)", str(e)[:300], "con PROCESOS=2 y memory://") from None
        return
    raise Fallo(
        'create_app arrancó con PROCESOS=2 y RATELIMIT_STORAGE_URI="memory://": cada proceso contaría '
        "sus propios intentos y el límite se multiplicaría por el número de procesos.",
        "En init_app de api/limites.py, lanza ConfiguracionInsegura en ese caso.",
    )


@comprobacion(tarea=4, puntos=2, limite=20)
def test_sin_redis_el_login_y_el_registro_dan_503(crear_app, redis_colgado):
    """Con el contador en un Redis caído o colgado, el inicio de sesión y el registro dan 503 en menos de 1 s (nunca 500)."""
    for descripcion, url in (("caído", REDIS_CERRADO), ("colgado", redis_colgado)):
        client = Cliente(crear_app(RATELIMIT_STORAGE_URI=url))
        for ruta, cuerpo in (
            ("/auth/login", {"email": ANA["email"], "password": ANA["password"]}),
            ("/auth/registro", ANA),
        ):
            antes = time.perf_counter()
            r = client.post(ruta, json=cuerpo)
            tardanza = time.perf_counter() - antes
            espera_sobre(
                r,
                503,
                "SERVICE_UNAVAILABLE",
                f"Sin contador (Redis {descripcion}) no se sabe si toca 429: responde 503 con "
                "app.register_error_handler(StorageError, …), nunca un 500 ni un intento sin contar.",
            )
            if tardanza > 1:
                raise Fallo(
                    f"{r.peticion} tardó {tardanza:.1f} s en responder 503 con Redis {descripcion}.",
                    "RATELIMIT_STORAGE_OPTIONS con socket_connect_timeout, socket_timeout y sin reintentos.",
                )


# ── Tarea 5: lo de lecciones anteriores sigue funcionando ─────────────────────


@comprobacion(tarea=5, puntos=1)
def test_anteriores_escribir_sin_token_da_401(client):
    """Lo de antes: sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista) y la lista da 200."""
    anteriores.escribir_sin_token_da_401(client)


@comprobacion(tarea=5, puntos=1)
def test_anteriores_registro_login_perfil_y_refresco(client):
    """Lo de antes: registro, inicio de sesión, perfil y refresco funcionan; un access token no sirve en /auth/refresh y ningún token lleva el email."""
    anteriores.registro_login_perfil_y_refresco(client)


# ── Tarea 2: un token de otra app es un token inválido ───────────────────────

OTRA_APP = {"iss": "taller-flask-jwt/leccion-02", "aud": "taller-flask-jwt/leccion-02/api"}  # la del login


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_un_token_de_otra_app_401_token_invalid(client):
    """Un token bien firmado con el iss y el aud de otra app, o sin ellos, recibe 401 TOKEN_INVALID."""
    registrar(client)
    acceso, _ = entrar(client)
    client.get("/api/perfil", headers=bearer(acceso)).espera(200, ayuda=PARA_EMPEZAR)
    for cambios in (OTRA_APP, {"iss": None, "aud": None}):
        r = client.get("/api/perfil", headers=bearer(reemitir(client.app, acceso, **cambios)))
        espera_401(r, "TOKEN_INVALID")
