"""La app de demostración de la lección 07 (``lessons/07_errores/app.py``): los siete cargadores de errores.

Cada error se provoca en los dos modos: ``MODO_ERRORES="libreria"`` (lo que responde
Flask-JWT-Extended 4.7 por defecto, medido aquí) y ``"taller"`` (el sobre en español, 401
con ``WWW-Authenticate``). Además: el límite de intentos del login (429 con Retry-After),
los errores HTTP en JSON, el mensaje crudo de PyJWT que nunca llega al cliente y la
negativa a arrancar sin un secreto fuerte.
"""

import base64
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
import redis
import requests
from conftest import RAIZ, cargar_app, config_de_prueba, modulo_de

from taller.cargador import cargar_fabrica
from taller.comprobaciones import bearer

APP_LECCION_07 = "lessons/07_errores/app.py"
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana"}
INVALIDO = 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"'


def crear(tmp_path, **cambios):
    config = config_de_prueba(tmp_path, "errores.sqlite", **cambios)
    app = cargar_app(APP_LECCION_07)(config)
    resultado = app.test_cli_runner().invoke(
        args=["crear-usuario", ANA["email"], "--nombre", "Ana", "--password", ANA["password"]]
    )
    assert resultado.exit_code == 0, resultado.output
    return app


def b64(datos):
    return base64.urlsafe_b64encode(datos).rstrip(b"=").decode("ascii")


def entrar(client):
    r = client.post("/auth/login", json=ANA)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"], r.get_json()["refresh_token"]


def test_ningun_token_lleva_el_email(tmp_path):
    """La carga útil la lee cualquiera que vea el token (lección 03): el email, un dato personal, no va en ella."""
    client = crear(tmp_path).test_client()
    acceso, refresh = entrar(client)
    nuevo = client.post("/auth/refresh", headers=bearer(refresh)).get_json()["access_token"]
    for token in (acceso, refresh, nuevo):
        carga_util = jwt.decode(token, options={"verify_signature": False})
        assert ANA["email"] not in str(carga_util), carga_util


def provocar(tmp_path, modo, caso):
    """Provoca el error ``caso`` en una app nueva en modo ``modo``; devuelve la respuesta."""
    cambios = {"MODO_ERRORES": modo}
    if caso == "caducado":
        cambios["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    app = crear(tmp_path, **cambios)
    client = app.test_client()
    if caso == "sin_token":
        return client.get("/api/perfil")
    acceso, refresh = entrar(client)
    cabecera, carga, firma = acceso.split(".")
    if caso == "basura":
        return client.get("/api/perfil", headers=bearer("basura"))
    if caso == "otra_clave":
        ahora = int(time.time())
        claims = {
            "sub": "1",
            "type": "access",
            "fresh": True,
            "jti": str(uuid.uuid4()),
            "iat": ahora,
            "nbf": ahora,
            "exp": ahora + 60,
            "v": 1,
        }
        return client.get("/api/perfil", headers=bearer(jwt.encode(claims, secrets.token_hex(32))))
    if caso == "alg_none":
        return client.get("/api/perfil", headers=bearer(b64(b'{"alg":"none","typ":"JWT"}') + f".{carga}."))
    if caso == "cabecera_utf8_rota":
        return client.get("/api/perfil", headers=bearer(b64(b'{"alg":"HS256","x":"\xc3\x28"}') + f".{carga}.{firma}"))
    if caso in ("caducado", "otra_version"):
        if caso == "otra_version":
            app.config["VERSION_DE_TOKENS"] = 2
        return client.get("/api/perfil", headers=bearer(acceso))
    if caso == "refresh_como_access":
        return client.get("/api/perfil", headers=bearer(refresh))
    if caso == "revocado":
        assert client.post("/auth/logout", headers=bearer(acceso)).status_code == 200
        return client.get("/api/perfil", headers=bearer(acceso))
    if caso == "no_fresco":
        refrescado = client.post("/auth/refresh", headers=bearer(refresh)).get_json()["access_token"]
        return client.delete("/api/perfil", headers=bearer(refrescado))
    if caso == "usuario_borrado":
        assert client.delete("/api/perfil", headers=bearer(acceso)).status_code == 204
        return client.post("/auth/refresh", headers=bearer(refresh))
    raise ValueError(caso)


# (caso, lo que responde la biblioteca, lo que responde el taller)
CASOS = [
    (
        "sin_token",
        401,
        {"msg": "Missing Authorization Header"},
        {"error": "Falta el token: envía la cabecera «Authorization: Bearer <token>».", "codigo": "TOKEN_MISSING"},
        'Bearer realm="api"',
    ),
    (
        "basura",
        422,
        {"msg": "Not enough segments"},
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
    (
        "otra_clave",
        422,
        {"msg": "Signature verification failed"},
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
    (
        "alg_none",
        422,
        {"msg": "The specified alg value is not allowed"},
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
    (
        "cabecera_utf8_rota",
        422,
        {
            "msg": "Invalid header string: 'utf-8' codec can't decode byte 0xc3 in position 20: "
            "invalid continuation byte"
        },
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
    (
        "refresh_como_access",
        422,
        {"msg": "Only non-refresh tokens are allowed"},
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
    (
        "caducado",
        401,
        {"msg": "Token has expired"},
        {"error": "El token ha caducado: pide otro en /auth/refresh.", "codigo": "TOKEN_EXPIRED"},
        'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    ),
    (
        "revocado",
        401,
        {"msg": "Token has been revoked"},
        {"error": "El token se revocó: inicia sesión de nuevo.", "codigo": "TOKEN_REVOKED"},
        'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"',
    ),
    (
        "no_fresco",
        401,
        {"msg": "Fresh token required"},
        {
            "error": "Esta operación necesita un token recién obtenido con tu contraseña: inicia sesión de nuevo.",
            "codigo": "FRESH_TOKEN_REQUIRED",
        },
        'Bearer realm="api", error="invalid_token", error_description="A fresh access token is required"',
    ),
    (
        "usuario_borrado",
        401,
        {"msg": "Error loading the user 1"},
        {"error": "El usuario del token ya no existe.", "codigo": "USER_NOT_FOUND"},
        'Bearer realm="api", error="invalid_token", error_description="The user of the access token no longer exists"',
    ),
    (
        "otra_version",
        400,
        {"msg": "User claims verification failed"},
        {"error": "El token no es válido.", "codigo": "TOKEN_INVALID"},
        INVALIDO,
    ),
]


@pytest.mark.parametrize("caso, estado, cuerpo, _taller, _cabecera", CASOS, ids=[c[0] for c in CASOS])
def test_lo_que_responde_la_libreria(tmp_path, caso, estado, cuerpo, _taller, _cabecera):
    r = provocar(tmp_path, "libreria", caso)
    assert (r.status_code, r.get_json()) == (estado, cuerpo)
    assert "WWW-Authenticate" not in r.headers  # la biblioteca no la pone nunca


@pytest.mark.parametrize("caso, _estado, _libreria, cuerpo, cabecera", CASOS, ids=[c[0] for c in CASOS])
def test_lo_que_responde_el_taller(tmp_path, caso, _estado, _libreria, cuerpo, cabecera):
    r = provocar(tmp_path, "taller", caso)
    assert (r.status_code, r.get_json()) == (401, cuerpo)
    assert r.headers["WWW-Authenticate"] == cabecera


def test_el_motivo_de_pyjwt_va_al_log_y_no_al_cliente(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        r = provocar(tmp_path, "taller", "cabecera_utf8_rota")
    assert "codec" not in r.get_data(as_text=True)
    assert "Invalid header string: 'utf-8' codec can't decode" in caplog.text


def test_el_sexto_login_fallido_da_429(tmp_path):
    client = crear(tmp_path).test_client()
    entrar(client)  # también cuenta: cada intento se apunta antes de mirar la contraseña
    malos = [client.post("/auth/login", json={**ANA, "password": "otra-cosa"}) for _ in range(5)]
    assert [r.status_code for r in malos] == [401] * 4 + [429]
    assert malos[0].get_json() == {"error": "Email o contraseña incorrectos.", "codigo": "INVALID_CREDENTIALS"}
    assert malos[-1].get_json() == {
        "codigo": "RATE_LIMITED",
        "error": "Demasiados intentos: espera un poco antes de volver a probar (mira la cabecera Retry-After).",
    }
    assert 0 < int(malos[-1].headers["Retry-After"]) <= 60


def test_sin_limite_si_se_apaga(tmp_path):
    client = crear(tmp_path, RATELIMIT_ENABLED=False).test_client()
    assert {client.post("/auth/login", json={**ANA, "password": "otra-cosa"}).status_code for _ in range(8)} == {401}


@pytest.mark.parametrize(
    "metodo, ruta, kwargs, estado, cuerpo",
    [
        ("GET", "/no/existe", {}, 404, {"error": "La ruta no existe.", "codigo": "NOT_FOUND"}),
        ("PUT", "/api/perfil", {}, 405, {"error": "Método no permitido en esta ruta.", "codigo": "METHOD_NOT_ALLOWED"}),
        (
            "POST",
            "/auth/login",
            {"data": "x" * 70_000, "content_type": "application/json"},
            413,
            {"error": "El cuerpo de la petición es demasiado grande.", "codigo": "PAYLOAD_TOO_LARGE"},
        ),
        (
            "POST",
            "/auth/login",
            {"data": "hola", "content_type": "text/plain"},
            400,
            {
                "error": 'El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.',
                "codigo": "VALIDATION_ERROR",
            },
        ),
    ],
    ids=["ruta_inexistente", "metodo_no_permitido", "cuerpo_enorme", "cuerpo_de_texto"],
)
def test_errores_http_en_json(tmp_path, metodo, ruta, kwargs, estado, cuerpo):
    r = crear(tmp_path).test_client().open(ruta, method=metodo, **kwargs)
    assert (r.status_code, r.get_json()) == (estado, cuerpo)
    if estado == 405:
        assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "DELETE"}


def test_en_modo_libreria_el_404_es_html(tmp_path):
    r = crear(tmp_path, MODO_ERRORES="libreria").test_client().get("/no/existe")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_un_500_no_cuenta_detalles(tmp_path):
    app = crear(tmp_path, PROPAGATE_EXCEPTIONS=False)

    def falla():
        raise RuntimeError("contraseña-de-la-base-de-datos")

    app.add_url_rule("/falla", "falla", falla)
    r = app.test_client().get("/falla")
    assert (r.status_code, r.get_json()) == (500, {"error": "Error interno del servidor.", "codigo": "INTERNAL_ERROR"})


def test_modo_desconocido(tmp_path):
    with pytest.raises(ValueError, match="MODO_ERRORES"):
        crear(tmp_path, MODO_ERRORES="otro")


@pytest.mark.parametrize(
    "clave", [None, "mi_clave_secreta", "corta"], ids=["sin_clave", "clave_de_la_semilla", "clave_corta"]
)
def test_sin_secreto_fuerte_no_arranca(tmp_path, clave):
    fabrica = cargar_app(APP_LECCION_07)
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
        fabrica({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "JWT_SECRET_KEY": clave})


# --- La solución (el paquete api) servida por gunicorn con dos procesos: el límite, medido ----------------


SOLUCION_07 = RAIZ / "solutions" / "07_errores"
REDIS_PRUEBAS = "redis://127.0.0.1:6379/5"


def gunicorn_de_la_solucion(tmp_path, request, entorno_extra):
    """Arranca ``api:create_app()`` de la solución en gunicorn -w 2; devuelve (url, proceso)."""
    ruta = Path(sys.executable).with_name("gunicorn")
    if not ruta.exists():
        pytest.fail("No está gunicorn: instálalo con pip install -e '.[dev]'.")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        puerto = s.getsockname()[1]
    entorno = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEB_CONCURRENCY", "DATABASE_URL")}
    entorno |= {
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite'}",
        "WEB_CONCURRENCY": "2",
        **entorno_extra,
    }
    log = open(tmp_path / "gunicorn.log", "ab")
    proceso = subprocess.Popen(
        [
            str(ruta),
            "--bind",
            f"127.0.0.1:{puerto}",
            "--chdir",
            str(SOLUCION_07),
            "--graceful-timeout",
            "1",
            "api:create_app()",
        ],
        env=entorno,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def parar():
        if proceso.poll() is None:
            os.killpg(proceso.pid, signal.SIGTERM)
            try:
                proceso.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proceso.pid, signal.SIGKILL)
                proceso.wait()
        log.close()

    request.addfinalizer(parar)
    return f"http://127.0.0.1:{puerto}", proceso


def esperar(url, proceso, tmp_path):
    limite = time.monotonic() + 40
    while time.monotonic() < limite and proceso.poll() is None:
        try:
            requests.get(url + "/api/articulos", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    pytest.fail("gunicorn no arrancó:\n" + (tmp_path / "gunicorn.log").read_text(errors="replace"))


@pytest.fixture
def redis_07():
    try:
        redis.Redis.from_url(REDIS_PRUEBAS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.fail(f"No hay Redis en {REDIS_PRUEBAS}: arráncalo (redis-server) para estas pruebas.")
    prefijo = f"prueba07-{secrets.token_hex(4)}:"
    yield prefijo
    cliente = redis.Redis.from_url(REDIS_PRUEBAS)
    claves = list(cliente.scan_iter(f"{prefijo}*"))
    if claves:
        cliente.delete(*claves)


def a_la_vez(url, cuerpo, veces, cabeceras=None):
    """Los estados de ``veces`` POST /auth/login lanzados a la vez (un hilo y una conexión por intento)."""
    salida, estados = threading.Barrier(veces), []

    def intento(n):
        salida.wait()
        try:
            estados.append(
                requests.post(
                    f"{url}/auth/login", json=cuerpo, headers=(cabeceras or (lambda n: {}))(n), timeout=60
                ).status_code
            )
        except requests.RequestException as e:
            estados.append(type(e).__name__)

    hilos = [threading.Thread(target=intento, args=(n,)) for n in range(veces)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(90)
    return Counter(estados)


def test_con_dos_procesos_y_redis_50_intentos_a_la_vez_no_pasan_de_5(tmp_path, request, redis_07):
    url, proceso = gunicorn_de_la_solucion(tmp_path, request, {"REDIS_URL": REDIS_PRUEBAS, "REDIS_PREFIJO": redis_07})
    esperar(url, proceso, tmp_path)
    estados = a_la_vez(url, {"email": "ana@example.com", "password": "no-es-la-contraseña"}, 50)
    print(f"\n50 logins fallidos a la vez, gunicorn -w 2 y Redis: {dict(estados)}")
    assert set(estados) == {401, 429} and estados[401] <= 5, dict(estados)


def test_con_dos_procesos_y_redis_el_limite_por_cuenta_no_depende_de_la_ip(tmp_path, request, redis_07):
    url, proceso = gunicorn_de_la_solucion(
        tmp_path, request, {"REDIS_URL": REDIS_PRUEBAS, "REDIS_PREFIJO": redis_07, "PROXIES_DE_CONFIANZA": "1"}
    )
    esperar(url, proceso, tmp_path)
    estados = a_la_vez(
        url,
        {"email": "ana@example.com", "password": "no-es-la-contraseña"},
        40,
        lambda n: {"X-Forwarded-For": f"203.0.113.{n + 1}"},
    )
    print(f"\n40 logins fallidos a la vez desde 40 IP: {dict(estados)}")
    assert set(estados) == {401, 429} and estados[401] <= 20, dict(estados)  # LIMITE_LOGIN_CUENTA: 20 por hora


def test_sin_proxy_de_confianza_x_forwarded_for_no_cambia_la_ip(tmp_path, request, redis_07):
    url, proceso = gunicorn_de_la_solucion(tmp_path, request, {"REDIS_URL": REDIS_PRUEBAS, "REDIS_PREFIJO": redis_07})
    esperar(url, proceso, tmp_path)
    estados = a_la_vez(
        url,
        {"email": "ana@example.com", "password": "no-es-la-contraseña"},
        20,
        lambda n: {"X-Forwarded-For": f"198.51.100.{n + 1}"},
    )
    assert estados[401] <= 5, dict(estados)


def test_con_un_proxy_de_confianza_cada_ip_de_x_forwarded_for_se_cuenta_aparte(tmp_path):
    """Con PROXIES_DE_CONFIANZA=1, la IP es la que pone el proxy: A se bloquea (429) y B aún recibe su 401."""
    app = cargar_fabrica(SOLUCION_07 / "api")(
        config_de_prueba(tmp_path, "api.sqlite", RATELIMIT_STORAGE_URI="memory://", PROXIES_DE_CONFIANZA=1)
    )
    client = app.test_client()  # todas las peticiones llegan desde 127.0.0.1: el proxy

    def intento(ip):
        cuerpo = {"email": "ana@example.com", "password": "no-es-la-contraseña"}
        return client.post("/auth/login", json=cuerpo, headers={"X-Forwarded-For": ip}).status_code

    assert [intento("203.0.113.7") for _ in range(6)] == [401] * 5 + [429]  # LIMITE_LOGIN: 5 por minuto
    assert intento("198.51.100.8") == 401


def test_solo_el_login_y_el_registro_pasan_por_el_contador(tmp_path):
    """``peticion_sin_limite`` (el ``request_filter``) deja fuera de Flask-Limiter todo menos lo que tiene límite."""
    fabrica = cargar_fabrica(SOLUCION_07 / "api")
    peticion_sin_limite = modulo_de(fabrica, "limites").peticion_sin_limite
    app = fabrica(config_de_prueba(tmp_path, "api.sqlite", RATELIMIT_STORAGE_URI="memory://"))
    contadas = set()
    for regla in app.url_map.iter_rules():
        for metodo in regla.methods - {"HEAD", "OPTIONS"}:
            ruta = regla.rule.replace("<int:articulo_id>", "1").replace("<int:usuario_id>", "1")
            with app.test_request_context(ruta, method=metodo):
                if not peticion_sin_limite():
                    contadas.add((regla.endpoint, metodo))
    assert contadas == {("auth.login", "POST"), ("usuarios.registro", "POST")}


def test_con_dos_procesos_sin_redis_no_arranca(tmp_path, request):
    url, proceso = gunicorn_de_la_solucion(tmp_path, request, {})
    try:
        proceso.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("gunicorn arrancó con dos procesos y el contador de intentos en memoria")
    assert proceso.returncode != 0
    assert "ConfiguracionInsegura" in (tmp_path / "gunicorn.log").read_text(errors="replace")


@pytest.mark.parametrize("caso", ["caido", "colgado"])
def test_sin_redis_el_login_y_el_registro_dan_503(tmp_path, caso):
    escucha = socket.socket()
    escucha.bind(("127.0.0.1", 0))
    escucha.listen(50)
    url = "redis://127.0.0.1:1/0" if caso == "caido" else f"redis://127.0.0.1:{escucha.getsockname()[1]}/0"
    try:
        app = cargar_fabrica(SOLUCION_07 / "api")(
            config_de_prueba(tmp_path, "api.sqlite", REDIS_URL=url, PROPAGATE_EXCEPTIONS=False)
        )
        client = app.test_client()
        for ruta, cuerpo in (("/auth/login", ANA), ("/auth/registro", {**ANA, "nombre": "Ana"})):
            antes = time.perf_counter()
            r = client.post(ruta, json=cuerpo)
            assert time.perf_counter() - antes < 1
            assert (r.status_code, r.get_json()["codigo"]) == (503, "SERVICE_UNAVAILABLE")
    finally:
        escucha.close()


def test_flask_limiter_ya_guarda_el_limiter_en_la_app(tmp_path):
    """Lo que el texto cuenta de Flask-Limiter 4: init_app guarda el Limiter en app.extensions["limiter"]."""
    from flask_limiter import Limiter

    app = cargar_fabrica(SOLUCION_07 / "api")(
        config_de_prueba(tmp_path, "api.sqlite", RATELIMIT_STORAGE_URI="memory://")
    )
    (limitador,) = app.extensions["limiter"]
    assert isinstance(limitador, Limiter)
    assert "limitador" not in app.extensions


def servir(app):
    """La app en un servidor HTTP de verdad (Werkzeug, con un hilo por conexión) en 127.0.0.1."""
    from werkzeug.serving import make_server

    servidor = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=servidor.serve_forever, daemon=True).start()
    return servidor, f"http://127.0.0.1:{servidor.server_port}"


def test_la_demo_cuenta_los_intentos_a_la_vez(tmp_path):
    servidor, url = servir(crear(tmp_path, BCRYPT_LOG_ROUNDS=10))
    try:
        estados = a_la_vez(url, {**ANA, "password": "otra-cosa"}, 20)
    finally:
        servidor.shutdown()
    assert set(estados) == {401, 429} and estados[401] <= 5, dict(estados)


def test_en_la_demo_los_tokens_de_una_cuenta_borrada_no_abren_la_siguiente(tmp_path):
    app = crear(tmp_path)
    client = app.test_client()
    acceso, refresh = entrar(client)
    assert client.delete("/api/perfil", headers=bearer(acceso)).status_code == 204
    resultado = app.test_cli_runner().invoke(
        args=["crear-usuario", "bea@example.com", "--nombre", "Bea", "--password", "contraseña-de-bea"]
    )
    assert resultado.exit_code == 0 and "Usuario 2 creado" in resultado.output, resultado.output
    assert client.get("/api/perfil", headers=bearer(acceso)).get_json()["codigo"] == "USER_NOT_FOUND"
    assert client.post("/auth/refresh", headers=bearer(refresh)).get_json()["codigo"] == "USER_NOT_FOUND"


def test_lo_que_no_llega_a_flask_no_lleva_el_sobre(tmp_path, monkeypatch):
    """El texto lo dice: una cabecera de más de 64 KB la corta el servidor (431 en HTML) antes de llegar a la app."""
    from http.server import BaseHTTPRequestHandler

    from werkzeug.serving import WSGIRequestHandler

    # El api/cuerpo.py del ejercicio (desde la lección 02) cambia la página de error del servidor de desarrollo
    # en todo el proceso; la demo no: si otra prueba ya importó un ejercicio, se deja como la trae Werkzeug.
    for nombre in ("error_content_type", "error_message_format"):
        monkeypatch.setattr(WSGIRequestHandler, nombre, getattr(BaseHTTPRequestHandler, nombre))
    app = crear(tmp_path)
    larga = {"Authorization": "Bearer " + "a" * 70_000}
    assert app.test_client().get("/api/perfil", headers=larga).get_json()["codigo"] == "TOKEN_INVALID"
    servidor, url = servir(app)
    try:
        r = requests.get(f"{url}/api/perfil", headers=larga, timeout=5)
    finally:
        servidor.shutdown()
    assert r.status_code == 431 and r.headers["Content-Type"].startswith("text/html")


def test_el_texto_cita_el_rfc_vigente_de_www_authenticate():
    """RFC 7235 está obsoleto: el 401 y su ``WWW-Authenticate`` se citan por RFC 9110 (§15.5.2 y §11.6.1)."""
    import re

    from conftest import RAIZ

    texto = (RAIZ / "lessons/07_errores/README.md").read_text(encoding="utf-8")
    citas = re.findall(r"RFC 7235[^.;)]*", texto)
    assert all("sustituye" in texto[texto.index(c) - 40 : texto.index(c)] for c in citas), citas
    assert "RFC 9110" in texto and "15.5.2" in texto and "11.6.1" in texto
