"""Comprobaciones de la lección 08: las páginas de la API de artículos, atacadas en un Chromium de verdad.

La app del estudiante se sirve por HTTP (``app.servir()``) y la abre el Chromium de
las comprobaciones (la fixture ``navegador``), como la abriría una persona.
"""

import json
import threading
import time
import urllib.error
import urllib.request

import jwt
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, bearer, comprobacion, mostrar_json

TAREAS = {
    1: "Los tokens en cookies HttpOnly, Secure y SameSite=Lax: el inicio de sesión de la página",
    2: "CSRF de doble envío: X-CSRF-TOKEN en lo que cambia algo (403 CSRF_INVALID sin ella)",
    3: "La página: la lista de artículos escapada y crear uno con fetch",
    4: "Refrescar sin que se note: /web/refresh y el refresco implícito",
    5: "El logout de la página revoca y borra las cookies",
    6: "CORS con orígenes explícitos",
}

ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}
EN_MEMORIA = {"RATELIMIT_STORAGE_URI": "memory://"}
NAVEGADOR = 30  # segundos de cada comprobación con navegador
TOKENS = ("access_token_cookie", "refresh_token_cookie")
MALICIOSO = '<script>window.robado = 1</script><img src="/no-existe" onerror="window.robado = 2">'
PISTA_COOKIES = (
    'En navegador.ajustes(): JWT_TOKEN_LOCATION=["headers", "cookies"], JWT_COOKIE_SECURE=True (salvo '
    'en depuración), JWT_COOKIE_SAMESITE="Lax", JWT_REFRESH_COOKIE_PATH="/web/refresh"; y en '
    "/web/login, set_access_cookies y set_refresh_cookies con un cuerpo sin tokens."
)
PISTA_CSRF = (
    "JWT_COOKIE_CSRF_PROTECT=True y un manejador de CSRFError (app.register_error_handler, después de "
    'jwt.init_app) que responda error("…", 403, "CSRF_INVALID").'
)
PISTA_PAGINA = (
    'GET / con render_template("inicio.html", articulos=…, datos={"rutas": RUTAS}); Jinja escapa '
    "{{ … }}: nunca |safe con texto de un usuario."
)
PISTA_RENOVAR = (
    '/web/refresh: @jwt_required(refresh=True, locations=["cookies"]) y set_access_cookies; y un '
    "after_request que, si el access token de la cookie caduca en menos de RENOVAR_ANTES, ponga otro."
)
PISTA_LOGOUT = (
    '/web/logout: revoca el access token y el refresh token de su "sesion" (almacen().revocar) y '
    "llama a unset_jwt_cookies(respuesta)."
)
PISTA_CORS = (
    'CORS(app, origins=ORIGENES_PERMITIDOS, supports_credentials=True, allow_headers=[…, "X-CSRF-TOKEN"]): '
    "nunca «*» con credenciales (Flask-CORS devolvería el Origin de cualquiera)."
)
FETCH = """async ([url, opciones]) => {
  try {
    const r = await fetch(url, opciones);
    return {estado: r.status, cuerpo: await r.text()};
  } catch (e) {
    return {error: String(e)};
  }
}"""
LEER_COOKIE = "(n) => (document.cookie.split('; ').find(c => c.startsWith(n + '=')) || '=').split('=')[1]"


# ── Ayudantes ────────────────────────────────────────────────────────────────


@pytest.fixture
def app(crear_app):
    """La app del estudiante con el contador de intentos en memoria y Ada, administradora, creada por la CLI."""
    return preparar(crear_app())


def preparar(app):
    resultado = app.test_cli_runner().invoke(
        args=["crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"]]
    )
    if resultado.exit_code != 0:
        raise Fallo(
            f"«flask crear-admin» (de la lección 06) terminó con el código {resultado.exit_code}.",
            "Viene hecha de la lección 07: no la cambies.",
        )
    return app


@pytest.fixture
def crear_app_con_admin(crear_app):
    return lambda **cambios: preparar(crear_app(**EN_MEMORIA, **cambios))


@pytest.fixture
def crear_app(crear_app):  # la del plugin, con el contador de intentos en memoria
    return lambda **cambios: crear_app(**{**EN_MEMORIA, **cambios})


def servir(app):
    """``app.servir()`` y espera a que responda (hasta 5 s): la URL de la app servida por HTTP de verdad."""
    url = app.servir()
    limite = time.monotonic() + 5
    while True:
        try:
            urllib.request.urlopen(url + "/api/articulos", timeout=2).close()
            return url
        except urllib.error.HTTPError:
            return url  # responde, aunque sea con un error: ya sirve
        except OSError:
            if time.monotonic() > limite:
                raise Fallo(f"La app servida en {url} no responde a GET /api/articulos.") from None
            time.sleep(0.05)


def entrar(pagina, url):
    """Ada inicia sesión con el formulario de la página."""
    r = pagina.goto(url + "/")
    if r is None or r.status != 200:  # sin página no hay formulario: no hace falta esperarlo
        raise Desajuste("200 en GET / (la página)", r.status if r else "nada", None, PISTA_PAGINA)
    try:
        pagina.fill("#form-login input[name=email]", ADA["email"], timeout=5000)
        pagina.fill("#form-login input[name=password]", ADA["password"])
        pagina.click("#form-login button")
        # La sesión, o el error que la página escribe en #error-login: con un error no hace falta esperar más.
        pagina.wait_for_selector("#sesion:not([hidden]), #error-login:not(:empty)", timeout=5000)
        if not pagina.is_visible("#sesion"):
            raise RuntimeError("la página mostró un error")
    except Exception:
        raise Fallo(
            "Se esperaba que, al rellenar el formulario de inicio de sesión de GET / y pulsar «Entrar», la página mostrara "
            f"la sesión (#sesion visible); no pasó. La página dice: {pagina.inner_text('body')[:200]!r}",
            PISTA_COOKIES,
        ) from None


def cookies(pagina):
    return {c["name"]: c for c in pagina.context.cookies()}


def cookie_de_token(pagina, nombre="access_token_cookie"):
    valor = cookies(pagina).get(nombre, {}).get("value")
    if not valor or valor.count(".") != 2:
        raise Falta(f"la cookie {nombre} con un JWT", "después de iniciar sesión en la página", PISTA_COOKIES)
    return valor


def refirmar(token, clave, segundos):
    """El mismo token con ``exp`` dentro de ``segundos`` (negativo: ya caducado), firmado con la clave de la app."""
    claims = jwt.decode(token, options={"verify_signature": False})
    ahora = time.time()
    claims.update(
        exp=int(ahora + segundos),
        iat=min(claims.get("iat", ahora), ahora - 120),
        nbf=min(claims.get("nbf", ahora), ahora - 120),
    )
    return jwt.encode(claims, clave, algorithm="HS256")


def poner_cookie(pagina, nombre, valor):
    pagina.context.add_cookies(
        [
            {
                "name": nombre,
                "value": valor,
                "domain": "127.0.0.1",
                "path": "/",
                "httpOnly": True,
                "secure": True,
                "sameSite": "Lax",
            }
        ]
    )


def fetch(pagina, url, **opciones):
    return pagina.evaluate(FETCH, [url, opciones])


def pedir(contexto, url, metodo="GET", cabeceras=None):
    """Una petición con las cookies de ``contexto`` (un navegador), sin pasar por ninguna página."""
    r = contexto.request.fetch(url, method=metodo, headers=cabeceras or {})
    return {"estado": r.status, "cuerpo": r.text()}


def articulos_publicos(app):
    r = Cliente(app).get("/api/articulos").espera(200)
    cuerpo = r.espera_json()
    return cuerpo if isinstance(cuerpo, list) else cuerpo.get("articulos", [])


def token_de_ada(app):
    r = Cliente(app).post("/auth/login", json={"email": ADA["email"], "password": ADA["password"]})
    return r.espera(
        200, ayuda="El inicio de sesión de la API (/auth/login) viene hecho de la lección 07."
    ).espera_json()["access_token"]


class OtraWeb:
    """Una web en otro puerto de 127.0.0.1 (otro origen), servida desde las comprobaciones."""

    def __init__(self, html="<!DOCTYPE html><title>Otra web</title><p>Otra web</p>"):
        self.servidor = make_server(
            "127.0.0.1", 0, lambda e, s: Response(html, mimetype="text/html")(e, s), threaded=True
        )
        threading.Thread(target=self.servidor.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.servidor.server_port}"

    def parar(self):
        self.servidor.shutdown()
        self.servidor.server_close()


@pytest.fixture
def otra_web():
    web = OtraWeb()
    yield web
    web.parar()


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """api/ se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=None, puntos=0)
def test_la_api_sigue_con_cabeceras(app):
    """Los clientes de la API siguen usando «Authorization: Bearer …», sin cookies ni CSRF (de las lecciones 02-07)."""
    token = token_de_ada(app)
    r = Cliente(app).post("/api/articulos", headers=bearer(token), json={"titulo": "Por cabecera"})
    r.espera(201, ayuda='Mantén "headers" en JWT_TOKEN_LOCATION: ["headers", "cookies"].')


# ── Tarea 1: las cookies ─────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_el_login_de_la_pagina_pone_cookies_seguras(app):
    """POST /web/login pone los dos tokens en cookies HttpOnly, Secure y SameSite=Lax, y ninguno en el cuerpo."""
    r = Cliente(app).post("/web/login", json={"email": ADA["email"], "password": ADA["password"]})
    cuerpo = r.espera(200, ayuda=PISTA_COOKIES).espera_json()
    if "eyJ" in json.dumps(cuerpo):
        raise Desajuste(
            "un cuerpo sin tokens (solo el usuario)",
            mostrar_json(cuerpo),
            f"en {r.peticion}",
            "El navegador no debe ver los tokens: van solo en las cookies HttpOnly.",
        )
    puestas = {c.split("=", 1)[0]: c for c in r.cabeceras.getlist("Set-Cookie")}
    for nombre, ruta in (("access_token_cookie", "Path=/"), ("refresh_token_cookie", "Path=/web/refresh")):
        cookie = puestas.get(nombre)
        if cookie is None:
            raise Falta(f"la cookie {nombre} (Set-Cookie)", f"en la respuesta a {r.peticion}", PISTA_COOKIES)
        atributos = [a.strip() for a in cookie.split(";")[1:]]
        for esperado in ("HttpOnly", "Secure", "SameSite=Lax", ruta):
            if esperado not in atributos:
                raise Desajuste(
                    f"{nombre} con {esperado}",
                    "; ".join(atributos) or "sin atributos",
                    f"en {r.peticion}",
                    PISTA_COOKIES,
                )
    if "csrf_access_token" not in puestas or "HttpOnly" in puestas["csrf_access_token"]:
        raise Falta(
            "la cookie csrf_access_token, legible desde JavaScript (sin HttpOnly)", f"en {r.peticion}", PISTA_CSRF
        )


@comprobacion(tarea=1, puntos=3, limite=NAVEGADOR)
def test_el_token_no_se_ve_desde_javascript(app, navegador):
    """En Chromium, tras entrar, ningún token está en document.cookie, localStorage, el HTML ni las respuestas."""
    url = servir(app)
    pagina = navegador.pagina()
    leidas = []
    pagina.on(
        "response",
        lambda r: leidas.append(r.text()) if r.request.resource_type in ("fetch", "xhr", "document") else None,
    )
    entrar(pagina, url)
    pagina.reload()
    pagina.wait_for_selector("#sesion:not([hidden])")
    tokens = [cookie_de_token(pagina, nombre) for nombre in TOKENS]
    sitios = {
        "document.cookie": pagina.evaluate("document.cookie"),
        "localStorage y sessionStorage": pagina.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])"),
        "el HTML de la página": pagina.content(),
        "las respuestas que lee la página": "\n".join(leidas),
    }
    for donde, texto in sitios.items():
        for token in tokens:
            if token in texto:
                raise Desajuste(
                    f"que {donde} no contenga ningún token",
                    f"el token {token[:20]}… en {donde}",
                    "tras iniciar sesión en GET /",
                    PISTA_COOKIES,
                )


# ── Tarea 2: CSRF ────────────────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=3, limite=NAVEGADOR)
def test_sin_cabecera_csrf_se_rechaza_y_con_ella_se_acepta(app, navegador):
    """En Chromium, POST /api/articulos con la cookie: sin X-CSRF-TOKEN, 403 CSRF_INVALID; con la de la cookie, 201."""
    url = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, url)
    cuerpo = json.dumps({"titulo": "Hola", "publicado": True})
    base = {"method": "POST", "credentials": "same-origin", "body": cuerpo}
    sin = fetch(pagina, url + "/api/articulos", **base, headers={"Content-Type": "application/json"})
    codigo = json.loads(sin.get("cuerpo") or "{}").get("codigo") if sin.get("estado") == 403 else None
    if codigo != "CSRF_INVALID":
        raise Desajuste(
            '403 con "codigo": "CSRF_INVALID"',
            f"{sin.get('estado')} {sin.get('cuerpo', '')[:150]}",
            "en POST /api/articulos con la cookie y sin X-CSRF-TOKEN (fetch desde la página)",
            PISTA_CSRF,
        )
    csrf = pagina.evaluate(LEER_COOKIE, "csrf_access_token")
    con = fetch(
        pagina, url + "/api/articulos", **base, headers={"Content-Type": "application/json", "X-CSRF-TOKEN": csrf}
    )
    if con.get("estado") != 201:
        raise Desajuste(
            "201",
            f"{con.get('estado')} {con.get('cuerpo', '')[:150]}",
            "en POST /api/articulos con la cookie y X-CSRF-TOKEN igual a csrf_access_token",
            PISTA_CSRF,
        )


# ── Tarea 3: la página ───────────────────────────────────────────────────────


@comprobacion(tarea=3, puntos=2, limite=NAVEGADOR)
def test_la_pagina_crea_un_articulo_con_fetch(app, navegador):
    """En Chromium, Ada publica un artículo con el formulario de la página y aparece en la lista y en la API."""
    url = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, url)
    pagina.fill("#form-articulo input[name=titulo]", "Desde la página")
    pagina.fill("#form-articulo textarea[name=contenido]", "Con fetch y X-CSRF-TOKEN")
    pagina.click("#form-articulo button")
    try:
        pagina.wait_for_selector("#articulos li", timeout=5000)
    except Exception:
        raise Fallo(
            "Se esperaba un <li> nuevo en #articulos tras publicar con el formulario; no apareció. "
            f"La página dice: {pagina.inner_text('body')[:200]!r}",
            PISTA_CSRF,
        ) from None
    pagina.reload()
    if "Desde la página" not in pagina.inner_text("#articulos"):
        raise Falta("el artículo «Desde la página» en la lista de GET / al recargar", None, PISTA_PAGINA)
    if "Desde la página" not in [a.get("titulo") for a in articulos_publicos(app)]:
        raise Falta("el artículo «Desde la página» en GET /api/articulos", None, PISTA_PAGINA)


@comprobacion(tarea=3, puntos=3, limite=NAVEGADOR)
def test_un_articulo_con_script_es_inerte(app, navegador):
    """Un artículo cuyo texto es <script>… o <img onerror=…> sale en GET / como texto y no se ejecuta."""
    Cliente(app).post(
        "/api/articulos",
        headers=bearer(token_de_ada(app)),
        json={"titulo": "<b>negrita</b>", "contenido": MALICIOSO, "publicado": True},
    ).espera(201)
    url = servir(app)
    pagina = navegador.pagina()
    r = pagina.goto(url + "/")
    if r is None or r.status != 200:
        raise Desajuste("200 en GET / (la página)", r.status if r else "nada", None, PISTA_PAGINA)
    pagina.wait_for_timeout(300)  # lo que tarda en fallar la imagen y saltar su onerror
    if pagina.evaluate("window.robado") is not None:
        raise Fallo(
            "El texto del artículo se ejecutó como código en GET / (window.robado tiene valor): un XSS.", PISTA_PAGINA
        )
    html = pagina.content()
    if "&lt;script&gt;window.robado = 1&lt;/script&gt;" not in html or "&lt;b&gt;negrita&lt;/b&gt;" not in html:
        raise Desajuste(
            "el título y el contenido escapados en el HTML (&lt;script&gt;…, &lt;b&gt;…)",
            "que no aparecen así",
            "en GET /",
            PISTA_PAGINA,
        )


# ── Tarea 4: refrescar ───────────────────────────────────────────────────────


@comprobacion(tarea=4, puntos=3, limite=NAVEGADOR)
def test_una_cookie_caducada_se_renueva_sin_que_se_note(app, navegador):
    """En Chromium, con la cookie del access token caducada, al recargar sigue la sesión (vía /web/refresh)."""
    url = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, url)
    caducado = refirmar(cookie_de_token(pagina), app.config["JWT_SECRET_KEY"], -60)
    poner_cookie(pagina, "access_token_cookie", caducado)
    pagina.reload()
    try:
        pagina.wait_for_selector("#sesion:not([hidden])", timeout=5000)
    except Exception:
        raise Fallo(
            "Con la cookie del access token caducada, al recargar GET / la página pidió iniciar sesión: "
            "se esperaba que POST /web/refresh (con la cookie del refresh token) la refrescara sola.",
            PISTA_RENOVAR,
        ) from None
    if cookie_de_token(pagina) == caducado:
        raise Falta("una cookie access_token_cookie nueva", "tras refrescar la sesión", PISTA_RENOVAR)


@comprobacion(tarea=4, puntos=2, limite=NAVEGADOR)
def test_una_cookie_que_caduca_pronto_se_renueva_en_after_request(app, navegador):
    """Una petición con un access token de cookie que caduca en 1 minuto recibe en su respuesta una cookie nueva."""
    url = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, url)
    casi = refirmar(cookie_de_token(pagina), app.config["JWT_SECRET_KEY"], 60)
    poner_cookie(pagina, "access_token_cookie", casi)
    r = fetch(pagina, url + "/api/perfil", credentials="same-origin")
    if r.get("estado") != 200:
        raise Desajuste("200", r.get("estado"), "en GET /api/perfil con un access token que caduca en 1 minuto")
    nuevo = cookie_de_token(pagina)
    restante = jwt.decode(nuevo, options={"verify_signature": False})["exp"] - time.time()
    if nuevo == casi or restante < 5 * 60:
        raise Desajuste(
            "una cookie access_token_cookie nueva, con más de 5 minutos de vida",
            "la misma cookie" if nuevo == casi else f"una que caduca en {int(restante)} s",
            "en la respuesta a GET /api/perfil",
            PISTA_RENOVAR,
        )


# ── Tarea 5: logout ──────────────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=3, limite=NAVEGADOR)
def test_el_logout_no_deja_ninguna_cookie_que_sirva(app, navegador):
    """Tras «Cerrar sesión» no queda ninguna cookie de token, y una copia de las de antes recibe 401 TOKEN_REVOKED."""
    url = servir(app)
    pagina = navegador.pagina()
    entrar(pagina, url)
    copia = pagina.context.cookies()
    pagina.click("#salir")
    try:
        pagina.wait_for_selector("#entrar:not([hidden])", timeout=5000)
    except Exception:
        raise Fallo(
            "Tras pulsar «Cerrar sesión», la página no volvió al formulario de inicio de sesión.", PISTA_LOGOUT
        ) from None
    quedan = sorted(set(cookies(pagina)) & {*TOKENS, "csrf_access_token"})
    if quedan:
        raise Desajuste("ninguna cookie de token tras el logout", ", ".join(quedan), "en el navegador", PISTA_LOGOUT)
    # Quien se llevó una copia de las cookies las manda desde otro navegador (sin página: la política de
    # contenido de la API, «default-src 'none'», no deja hacer fetch desde un documento suyo).
    ladron = navegador.pagina().context
    ladron.add_cookies(copia)
    csrf = next((c["value"] for c in copia if c["name"] == "csrf_refresh_token"), "")
    perfil = pedir(ladron, url + "/api/perfil")
    refresh = pedir(ladron, url + "/web/refresh", "POST", {"X-CSRF-TOKEN": csrf})
    for ruta, r in (("GET /api/perfil", perfil), ("POST /web/refresh", refresh)):
        codigo = json.loads(r.get("cuerpo") or "{}").get("codigo") if r.get("estado") == 401 else None
        if codigo != "TOKEN_REVOKED":
            raise Desajuste(
                '401 con "codigo": "TOKEN_REVOKED"',
                f"{r.get('estado')} {r.get('cuerpo', '')[:120]}",
                f"en {ruta} con una copia de las cookies de antes del logout",
                PISTA_LOGOUT,
            )


# ── Tarea 6: CORS ────────────────────────────────────────────────────────────


@comprobacion(tarea=6, puntos=2)
def test_el_preflight_solo_para_los_origenes_permitidos(crear_app):
    """El OPTIONS de POST /api/articulos: con un origen permitido, sus cabeceras CORS; con otro, ninguna."""
    client = Cliente(crear_app(ORIGENES_PERMITIDOS=["http://127.0.0.1:5173"]))
    pedir = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-csrf-token"}
    r = client.peticion("OPTIONS", "/api/articulos", headers={"Origin": "http://127.0.0.1:5173", **pedir})
    esperadas = {"Access-Control-Allow-Origin": "http://127.0.0.1:5173", "Access-Control-Allow-Credentials": "true"}
    for nombre, valor in esperadas.items():
        if r.cabeceras.get(nombre) != valor:
            raise Desajuste(f"{nombre}: {valor}", r.cabeceras.get(nombre) or "nada", f"en {r.peticion}", PISTA_CORS)
    if "x-csrf-token" not in (r.cabeceras.get("Access-Control-Allow-Headers") or "").lower():
        raise Falta("X-CSRF-TOKEN en Access-Control-Allow-Headers", f"en {r.peticion}", PISTA_CORS)
    r = client.peticion("OPTIONS", "/api/articulos", headers={"Origin": "http://127.0.0.1:6666", **pedir})
    if r.cabeceras.get("Access-Control-Allow-Origin"):
        raise Desajuste(
            "ninguna Access-Control-Allow-Origin para un origen no permitido",
            r.cabeceras.get("Access-Control-Allow-Origin"),
            f"en {r.peticion}",
            PISTA_CORS,
        )


@comprobacion(tarea=6, puntos=3, limite=NAVEGADOR)
def test_otro_origen_no_lee_la_api_salvo_que_se_permita(crear_app_con_admin, navegador, otra_web):
    """En Chromium, una página de otro puerto no lee GET /api/perfil con la cookie de Ada, salvo si se permite."""
    for permitidos in ([], [otra_web.url]):
        app = crear_app_con_admin(ORIGENES_PERMITIDOS=permitidos)
        url = servir(app)
        pagina = navegador.pagina()
        entrar(pagina, url)
        pagina.goto(otra_web.url + "/")
        r = fetch(pagina, url + "/api/perfil", credentials="include")
        if not permitidos and "error" not in r:
            raise Desajuste(
                "que el navegador no deje leer la respuesta («Failed to fetch»)",
                f"{r.get('estado')} {r.get('cuerpo', '')[:100]}",
                f"en GET /api/perfil desde {otra_web.url} con ORIGENES_PERMITIDOS=[]",
                PISTA_CORS,
            )
        if permitidos and r.get("estado") != 200:
            raise Desajuste(
                "200 legible",
                r.get("error") or r.get("estado"),
                f"en GET /api/perfil desde {otra_web.url} con ORIGENES_PERMITIDOS=[{otra_web.url!r}]",
                PISTA_CORS,
            )
