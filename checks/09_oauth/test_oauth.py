"""Comprobaciones de la lección 09: «Iniciar sesión con…» en la API de artículos, por HTTP de verdad.

La app del estudiante se sirve por HTTP (``app.servir()``); el proveedor OpenID Connect del
taller (``taller.proveedor_oidc``) y un sustituto de GitHub los sirven las comprobaciones con
``servir_a_la_app``, en una URL que alcanzan la app (también dentro de la jaula) y el
``Navegador`` de las comprobaciones, que sigue las redirecciones y apunta cada URL.
"""

import secrets
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from joserfc.jwk import RSAKey

from taller.comprobaciones import Desajuste, Fallo, Falta, comprobacion, mostrar_json, recortar
from taller.oauth_pruebas import (
    GITHUB_ID,
    GITHUB_SECRETO,
    OCTOCAT,
    Diferida,
    Navegador,
    cambiar_consulta,
    con_jwks,
    crear_github,
    cuerpo,
    entrar,
    espera_error,
    hasta_la_vuelta,
)
from taller.proveedor_oidc import create_app as crear_proveedor

TAREAS = {
    1: "Registrar los proveedores (PKCE con S256) y empezar el inicio de sesión",
    2: "La vuelta del proveedor: state, errores en 400 y nuestros tokens en cookies",
    3: "Vincular cuentas por (proveedor, sub), nunca por un email sin verificar",
    4: "GitHub: el email principal y verificado",
    5: "SECRET_KEY obligatoria",
}

CLAVE_PEM = RSAKey.generate_key(2048).as_pem(private=True)
SECRETO_OIDC = secrets.token_urlsafe(32)
# El contador de intentos en memoria, y cookies sin Secure: requests (el Navegador) no envía las Secure
# a http://127.0.0.1, como sí haría un navegador. Que sean Secure ya lo comprobó la lección 08.
EN_MEMORIA = {"RATELIMIT_STORAGE_URI": "memory://", "JWT_COOKIE_SECURE": False}
EVA = {"email": "eva@example.org", "password": "contraseña-local-de-eva", "nombre": "Eva (local)"}
ACCESO, CSRF = "access_token_cookie", "csrf_access_token"
EMISOR, AUDIENCIA = "taller-flask-jwt/leccion-09", "taller-flask-jwt/leccion-09/api"
PISTA_REGISTRO = (
    "En oauth.registrar_proveedores: oauth.register(nombre, client_id=…, client_secret=…, server_metadata_url=…, "
    'client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"}).'
)
PISTA_VUELTA = (
    "En oauth.callback: cliente.authorize_access_token() dentro de un `try`; con el usuario de vincular(), "
    "tokens_del_login(usuario) y set_access_cookies/set_refresh_cookies en una redirección a la página."
)
PISTA_OAUTH_ERROR = '`except OAuthError as e: return error_de_oauth(e)` (el sobre {"error", "codigo"} con 400).'
PISTA_VINCULAR = (
    "En cuentas.vincular: primero (proveedor, sub); si no, el usuario actual; si no, solo un email con "
    'email_verified True; si no, 403 "EMAIL_NO_VERIFICADO".'
)


# ── El montaje: la app del estudiante, el proveedor y el sustituto de GitHub ──


class Montaje:
    """La URL de la app servida y lo que la rodea."""

    def __init__(self, url, proveedor, oidc, github):
        self.url, self.proveedor, self.oidc, self.github = url, proveedor, oidc, github


@pytest.fixture
def montar(crear_app, servir_a_la_app):
    """``montar(**cambios)``: sirve el proveedor, el sustituto de GitHub y la app del estudiante."""

    def montar_(**cambios):
        oidc, github = Diferida(), Diferida()
        url_oidc, url_github = servir_a_la_app(oidc), servir_a_la_app(github)
        proveedores = {
            "oidc": {
                "discovery_url": f"{url_oidc}/.well-known/openid-configuration",
                "client_id": "taller-demo",
                "client_secret": SECRETO_OIDC,
            },
            "github": {
                "client_id": GITHUB_ID,
                "client_secret": GITHUB_SECRETO,
                "url_web": url_github,
                "url_api": url_github,
            },
        }
        app = crear_app(**{**EN_MEMORIA, "PROVEEDORES_OAUTH": proveedores, **cambios})
        url = app.servir()
        proveedor = crear_proveedor(
            {
                "OIDC_EMISOR": url_oidc,
                "OIDC_CLIENT_SECRET": SECRETO_OIDC,
                "OIDC_REDIRECT_URIS": [f"{url}/auth/oidc/callback"],
                "OIDC_CLAVE_PRIVADA": CLAVE_PEM,
            }
        )
        oidc.app = proveedor
        github.app = crear_github(f"{url}/auth/github/callback")
        return Montaje(url, url_oidc, oidc, github.app)

    return montar_


@pytest.fixture
def montaje(montar):
    return montar()


def vuelta(nav, montaje, **kw):
    """La URL de vuelta del proveedor a la app, tras iniciar sesión en él (Ana, por defecto) y decidir."""
    r = nav.get(f"{montaje.url}/auth/oidc/login")
    if r.status_code != 200 or "/authorize" not in r.url:
        raise Desajuste(
            "la página de inicio de sesión del proveedor",
            f"{r.status_code} en {recortar(r.url, 120)}: {cuerpo(r)}",
            "tras GET /auth/oidc/login",
            PISTA_REGISTRO,
        )
    return hasta_la_vuelta(nav, r, **kw)


def perfil(nav, montaje, quien):
    r = nav.get(f"{montaje.url}/api/perfil")
    if r.status_code != 200:
        raise Desajuste("200", f"{r.status_code} {cuerpo(r)}", f"en GET /api/perfil {quien}", PISTA_VUELTA)
    return r.json()


def sin_cookie_de_acceso(nav, contexto):
    if nav.cookie(ACCESO):
        raise Fallo(f"La app puso la cookie {ACCESO} {contexto}: no debía iniciar la sesión.")


def registrar(montaje, datos):
    r = Navegador().post(f"{montaje.url}/auth/registro", json=datos)
    if r.status_code != 201:
        raise Fallo(f"POST /auth/registro (de la lección 02) respondió {r.status_code}: {cuerpo(r)}")
    return r.json()


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """api/ se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app(**EN_MEMORIA)


# ── Tarea 1: registrar los proveedores ───────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_el_login_redirige_al_proveedor_con_pkce_state_y_nonce(montaje):
    """GET /auth/oidc/login redirige al proveedor con state, nonce y PKCE (code_challenge_method=S256)."""
    r = Navegador().get(f"{montaje.url}/auth/oidc/login", allow_redirects=False)
    destino = r.headers.get("Location", "")
    if r.status_code != 302 or not destino.startswith(f"{montaje.proveedor}/authorize"):
        raise Desajuste(
            f"302 hacia {montaje.proveedor}/authorize",
            f"{r.status_code} {destino or cuerpo(r)}",
            "en GET /auth/oidc/login",
            PISTA_REGISTRO,
        )
    consulta = {k: v[0] for k, v in parse_qs(urlsplit(destino).query).items()}
    esperado = {"response_type": "code", "code_challenge_method": "S256"}
    for clave, valor in esperado.items():
        if consulta.get(clave) != valor:
            raise Desajuste(f"{clave}={valor}", f"{clave}={consulta.get(clave)}", "en la redirección", PISTA_REGISTRO)
    for clave in ("state", "nonce", "code_challenge"):
        if not consulta.get(clave):
            raise Falta(f"el parámetro {clave}", "en la redirección al proveedor", PISTA_REGISTRO)
    if consulta.get("redirect_uri") != f"{montaje.url}/auth/oidc/callback":
        raise Desajuste(
            f"redirect_uri={montaje.url}/auth/oidc/callback",
            f"redirect_uri={consulta.get('redirect_uri')}",
            "en la redirección",
            'url_for("oauth.callback", proveedor=proveedor, _external=True)',
        )


@comprobacion(tarea=1, puntos=1)
def test_un_proveedor_caido_es_un_502(montar):
    """Con el proveedor caído, GET /auth/<proveedor>/login responde 502 con el sobre de error (no un 500)."""
    caido = {"discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration", "client_id": "x"}
    montaje = montar(PROVEEDORES_OAUTH={"caido": {**caido, "client_secret": SECRETO_OIDC}})
    r = Navegador(admite_500=True).get(f"{montaje.url}/auth/caido/login")
    espera_error(
        r,
        502,
        "en GET /auth/caido/login con el proveedor caído",
        "Un manejador de `requests.RequestException` (bp.app_errorhandler) que responda 502 PROVEEDOR_INACCESIBLE.",
    )


# ── Tarea 2: la vuelta ───────────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=3, depende_de=test_el_login_redirige_al_proveedor_con_pkce_state_y_nonce)
def test_el_flujo_completo_crea_el_usuario_e_inicia_sesion(montaje):
    """Tras el proveedor, la vuelta pone las cookies HttpOnly de la lección 08 y GET /api/perfil es el usuario nuevo."""
    nav = Navegador()
    r = nav.get(vuelta(nav, montaje), allow_redirects=False)
    if r.status_code not in (302, 303):
        raise Desajuste(
            "una redirección a la página (302)",
            f"{r.status_code} {cuerpo(r)}",
            "en la vuelta",
            PISTA_VUELTA,
        )
    acceso = [c for c in r.raw.headers.getlist("Set-Cookie") if c.startswith(f"{ACCESO}=")]
    if not acceso or "HttpOnly" not in acceso[0]:
        raise Desajuste(f"la cookie {ACCESO} con HttpOnly", acceso or "ninguna", "en la vuelta", PISTA_VUELTA)
    datos = perfil(nav, montaje, "tras iniciar sesión con el proveedor")
    if datos.get("email") != "ana@example.org":
        raise Desajuste('el usuario de "ana@example.org"', mostrar_json(datos), "en GET /api/perfil", PISTA_VINCULAR)


@comprobacion(tarea=2, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_un_segundo_inicio_reutiliza_la_cuenta(montaje):
    """Iniciar sesión otra vez con el mismo proveedor (otro navegador) entra en la misma cuenta."""
    primero, segundo = Navegador(), Navegador()
    entrar(primero, montaje.url)
    entrar(segundo, montaje.url)
    uno, dos = perfil(primero, montaje, "(primer inicio)"), perfil(segundo, montaje, "(segundo inicio)")
    if uno.get("id") != dos.get("id"):
        raise Desajuste(
            f"el mismo id ({uno.get('id')})", dos.get("id"), "en el segundo inicio de sesión", PISTA_VINCULAR
        )


@comprobacion(tarea=2, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_ningun_token_viaja_en_una_url(montaje):
    """Ninguna URL ni cabecera Location del flujo lleva un token (ni el nuestro ni el del proveedor)."""
    nav = Navegador()
    entrar(nav, montaje.url)
    if malas := nav.tokens_en_las_urls():
        raise Fallo(
            f"Un token viajó en una URL: {recortar(malas[0], 200)}",
            "Una URL acaba en el historial, en los registros del servidor y en la cabecera `Referer`: "
            "los tokens van en cookies HttpOnly (set_access_cookies), nunca en redirect(url_for(…, token=…)).",
        )


@comprobacion(tarea=2, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_los_tokens_son_de_la_leccion_09(montaje):
    """El access token de la cookie lleva el iss y el aud de la lección 09 y un sub de texto."""
    nav = Navegador()
    entrar(nav, montaje.url)
    claims = jwt.decode(nav.cookie(ACCESO) or "", options={"verify_signature": False})
    obtenido = {k: claims.get(k) for k in ("iss", "aud")}
    if obtenido != {"iss": EMISOR, "aud": AUDIENCIA} or not isinstance(claims.get("sub"), str):
        raise Desajuste(
            f'iss "{EMISOR}", aud "{AUDIENCIA}" y sub de texto',
            mostrar_json({**obtenido, "sub": claims.get("sub")}),
            "en el access token de la cookie",
            'create_app llama a configurar(..., leccion="09").',
        )


@comprobacion(tarea=2, puntos=2, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_una_vuelta_sin_state_con_otro_o_repetida_es_un_400(montaje):
    """Una vuelta sin state, con otro state o repetida es un 400 con el sobre de error, y no inicia la sesión."""
    nav = Navegador()
    buena = vuelta(nav, montaje)
    casos = {
        "sin state": cambiar_consulta(buena, state=None),
        "con otro state": cambiar_consulta(buena, state=secrets.token_urlsafe(16)),
    }
    for caso, url in casos.items():
        datos = espera_error(nav.get(url), 400, f"en la vuelta {caso}", PISTA_OAUTH_ERROR)
        if "State not equal" in datos["error"] or "mismatching_state" in datos["error"]:
            raise Desajuste(
                "un mensaje en español para quien inicia sesión",
                repr(datos["error"]),
                f"en la vuelta {caso}",
                "str(e) es el texto en inglés de Authlib: error_de_oauth(e) ya tiene el mensaje del state.",
            )
        sin_cookie_de_acceso(nav, f"en la vuelta {caso}")
    if nav.get(buena).status_code >= 400:
        raise Fallo("La vuelta buena, después de las malas, no inició la sesión.", PISTA_VUELTA)
    espera_error(nav.get(buena), 400, "en la vuelta repetida (el mismo state otra vez)", PISTA_OAUTH_ERROR)


@comprobacion(tarea=2, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_denegar_el_consentimiento_es_un_400(montaje):
    """Si la persona deniega el consentimiento en el proveedor, la vuelta es un 400 con el sobre de error."""
    nav = Navegador()
    espera_error(
        nav.get(vuelta(nav, montaje, accion="denegar")), 400, "en la vuelta con error=access_denied", PISTA_OAUTH_ERROR
    )
    sin_cookie_de_acceso(nav, "tras denegar el consentimiento")


@comprobacion(tarea=2, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_un_id_token_firmado_con_otra_clave_es_un_400(montaje):
    """Un id_token que no firmó la clave del JWKS del proveedor es un 400 y no inicia la sesión."""
    kid = requests.get(f"{montaje.proveedor}/jwks.json", timeout=10).json()["keys"][0]["kid"]
    falsa = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    montaje.oidc.app = con_jwks(montaje.oidc.app, {"keys": [falsa.as_dict(private=False)]})
    nav = Navegador()
    espera_error(
        nav.get(vuelta(nav, montaje)),
        400,
        "en la vuelta con un id_token que no firmó la clave del JWKS",
        "authorize_access_token() verifica el id_token: captura también joserfc.errors.JoseError.",
    )
    sin_cookie_de_acceso(nav, "con un id_token mal firmado")


# ── Tarea 3: vincular cuentas ────────────────────────────────────────────────


@comprobacion(tarea=3, puntos=2, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_un_email_sin_verificar_no_entra_en_una_cuenta_local(montaje):
    """Un email que el proveedor no verificó no entra en la cuenta local con ese email: 403."""
    registrar(montaje, EVA)
    nav = Navegador()
    r = nav.get(vuelta(nav, montaje, email="eva@example.org", password="eva-demo"))
    espera_error(
        r, 403, "en la vuelta de Eva, cuyo email el proveedor no verificó (email_verified false)", PISTA_VINCULAR
    )
    sin_cookie_de_acceso(nav, "con un email sin verificar")


@comprobacion(tarea=3, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_un_email_verificado_entra_en_la_cuenta_local_con_ese_email(montaje):
    """Un email verificado por el proveedor entra en la cuenta local que ya tenía ese email."""
    local = registrar(montaje, {**EVA, "email": "ana@example.org"})
    nav = Navegador()
    entrar(nav, montaje.url)
    datos = perfil(nav, montaje, "tras iniciar sesión con el proveedor")
    if datos.get("id") != local["id"]:
        raise Desajuste(
            f"la cuenta local (id {local['id']})", f"id {datos.get('id')}", "en GET /api/perfil", PISTA_VINCULAR
        )


@comprobacion(tarea=3, puntos=2, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_con_la_sesion_iniciada_se_vincula_el_proveedor(montaje):
    """Con la sesión iniciada, POST /auth/oidc/vincular vincula la cuenta del proveedor (aunque su email no esté verificado)."""
    local = registrar(montaje, EVA)
    nav = Navegador()
    r = nav.post(f"{montaje.url}/web/login", json={"email": EVA["email"], "password": EVA["password"]})
    if r.status_code != 200 or not nav.cookie(CSRF):
        raise Fallo(f"POST /web/login (de la lección 08) respondió {r.status_code}: {cuerpo(r)}")
    r = nav.post(f"{montaje.url}/auth/oidc/vincular", headers={"X-CSRF-TOKEN": nav.cookie(CSRF)})
    r = nav.get(hasta_la_vuelta(nav, r, email="eva@example.org", password="eva-demo"))
    if r.status_code >= 400:
        raise Desajuste("la página (200)", f"{r.status_code} {cuerpo(r)}", "en la vuelta al vincular", PISTA_VINCULAR)
    otro = Navegador()  # desde ahora Eva entra con el proveedor: por (proveedor, sub), no por email
    entrar(otro, montaje.url, email="eva@example.org", password="eva-demo")
    datos = perfil(otro, montaje, "de Eva, que entra con el proveedor tras vincularlo")
    if datos.get("id") != local["id"]:
        raise Desajuste(
            f"la cuenta local de Eva (id {local['id']})", f"id {datos.get('id')}", "en GET /api/perfil", PISTA_VINCULAR
        )


@comprobacion(tarea=3, puntos=1, depende_de=test_con_la_sesion_iniciada_se_vincula_el_proveedor)
def test_una_cuenta_ya_vinculada_no_se_vincula_a_otro_usuario(montaje):
    """Con la sesión de Eva, vincular la cuenta del proveedor que ya es de Ana es un 409 y Eva sigue siendo Eva."""
    entrar(Navegador(), montaje.url)  # Ana entra con el proveedor: su identidad queda vinculada a su cuenta
    local = registrar(montaje, EVA)
    nav = Navegador()
    nav.post(f"{montaje.url}/web/login", json={"email": EVA["email"], "password": EVA["password"]})
    r = nav.post(f"{montaje.url}/auth/oidc/vincular", headers={"X-CSRF-TOKEN": nav.cookie(CSRF) or ""})
    r = nav.get(hasta_la_vuelta(nav, r))
    espera_error(r, 409, "al vincular a Eva la cuenta del proveedor que ya es de Ana", PISTA_VINCULAR)
    datos = perfil(nav, montaje, "de Eva tras el 409")
    if datos.get("id") != local["id"]:
        raise Desajuste(
            f"la cuenta de Eva (id {local['id']})", f"id {datos.get('id')}", "en GET /api/perfil", PISTA_VINCULAR
        )


# ── Tarea 4: GitHub ──────────────────────────────────────────────────────────


@comprobacion(tarea=4, puntos=2, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion)
def test_github_usa_el_email_principal_y_verificado(montaje):
    """Con GitHub (email privado), la cuenta usa el email principal y verificado de /user/emails."""
    nav = Navegador()
    entrar(nav, montaje.url, proveedor="github")
    datos = perfil(nav, montaje, "tras iniciar sesión con GitHub")
    if datos.get("email") != "octocat@example.org":
        raise Desajuste(
            '"octocat@example.org" (el principal y verificado)',
            mostrar_json(datos.get("email")),
            "en GET /api/perfil",
            'En cuentas.datos_de_github: el de /user/emails con "primary" true; "verified" dice si está verificado.',
        )


@comprobacion(tarea=4, puntos=1, depende_de=test_github_usa_el_email_principal_y_verificado)
def test_github_con_el_email_principal_sin_verificar_no_entra(montaje):
    """Con GitHub, un email principal sin verificar no entra en la cuenta local con ese email: 403."""
    registrar(montaje, {**EVA, "email": "octocat@example.org"})
    montaje.github.config["CUENTA"] = {
        "perfil": OCTOCAT["perfil"],
        "emails": [
            {"email": "octocat@example.org", "primary": True, "verified": False, "visibility": "private"},
            {"email": "otro@example.org", "primary": False, "verified": True, "visibility": None},
        ],
    }
    nav = Navegador()
    r = entrar(nav, montaje.url, proveedor="github")
    espera_error(r, 403, "con GitHub y el email principal sin verificar", 'Usa "verified" del email principal.')
    sin_cookie_de_acceso(nav, "con el email principal de GitHub sin verificar")


# ── Tarea 5: SECRET_KEY ──────────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=1)
def test_sin_secret_key_la_app_no_arranca(fabrica, carpeta):
    """Sin TESTING, create_app se niega a arrancar sin SECRET_KEY o con una de menos de 32 bytes."""
    base = {
        **EN_MEMORIA,
        "TESTING": False,
        "DEBUG": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{carpeta / 'secreto.sqlite'}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "BCRYPT_LOG_ROUNDS": 4,
    }
    for caso, valor in (("sin SECRET_KEY", None), ('con SECRET_KEY="corta"', "corta")):
        try:
            fabrica({**base, "SECRET_KEY": valor})
        except Exception as e:  # la excepción del recinto llega con su nombre de clase
            if "SECRET_KEY" not in str(e):
                raise Desajuste(
                    "un error que nombre SECRET_KEY", f"{type(e).__name__}: {recortar(str(e), 200)}", caso
                ) from None
            continue
        raise Fallo(
            f"create_app arrancó {caso} y TESTING=False.",
            "En oauth.comprobar_secret_key: como JWT_SECRET_KEY, lanza SecretoDebil si falta o tiene menos de 32 bytes.",
        )
    fabrica({**base, "SECRET_KEY": secrets.token_hex(32)})  # con una fuerte sí arranca
