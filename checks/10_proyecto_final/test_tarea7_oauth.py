"""Comprobaciones de la tarea 7 de la lección 10: «Iniciar sesión con…» en la API final.

Lo que la lección 09 ya comprobó a fondo (PKCE, GitHub, vincular con la sesión
iniciada) no se repite: aquí se mira que el flujo completo funcione sobre el
esquema que crean las migraciones de la lección 10. La app del estudiante se
sirve por HTTP; el proveedor del taller (``taller.proveedor_oidc``) lo sirven las
comprobaciones con ``servir_a_la_app``, y el ``Navegador`` de
``taller.oauth_pruebas`` sigue las redirecciones y apunta cada URL. El archivo va
después de ``test_proyecto_final.py``, que empieza por la comprobación de estructura.
"""

import secrets

import pytest
from joserfc.jwk import RSAKey

from taller.comprobaciones import Desajuste, Fallo, comprobacion, mostrar_json, recortar
from taller.oauth_pruebas import Diferida, Navegador, cambiar_consulta, cuerpo, entrar, espera_error, hasta_la_vuelta
from taller.proveedor_oidc import create_app as crear_proveedor

TAREAS = {7: "Inicio de sesión con Google OAuth2 (la lección 09) sobre las migraciones de la 10"}

CLAVE_PEM = RSAKey.generate_key(2048).as_pem(private=True)
SECRETO_OIDC = secrets.token_urlsafe(32)
# requests (el Navegador) no envía cookies Secure a http://127.0.0.1: la app de estas comprobaciones las pone sin él.
SIN_SECURE = {"JWT_COOKIE_SECURE": False}
FLUJO = 30  # segundos de cada comprobación con el flujo entero (migraciones, proveedor y app por HTTP)
EVA = {"email": "eva@example.org", "password": "contraseña-local-de-eva", "nombre": "Eva (local)"}
ACCESO = "access_token_cookie"
DE_ANTES = ("antes@example.org", "De antes", "$2b$04$" + "x" * 53, "usuario")  # un usuario de la revisión 0002
PISTA_MIGRACION = (
    "En api/migraciones/versions/0003_identidades.py, upgrade() crea la tabla «identidad» como el modelo "
    "Identidad de api/cuentas.py (op.create_table con sus columnas, la clave ajena a usuario.id y "
    '`sa.UniqueConstraint("proveedor", "sub")`), y downgrade() la borra.'
)
PISTA_VINCULAR = (
    "cuentas.vincular (de la lección 09) busca primero por (proveedor, sub) y solo acepta un email con "
    "email_verified true; si falla aquí, mira la tabla que crea tu migración 0003."
)


@pytest.fixture
def app_servida(crear_app, servir_a_la_app):
    """La URL de la app del estudiante, con el proveedor del taller configurado como «oidc»."""
    proveedor = Diferida()
    url_del_proveedor = servir_a_la_app(proveedor)
    oidc = {
        "discovery_url": f"{url_del_proveedor}/.well-known/openid-configuration",
        "client_id": "taller-demo",
        "client_secret": SECRETO_OIDC,
    }
    app = crear_app(**SIN_SECURE, PROVEEDORES_OAUTH={"oidc": oidc})
    url = app.servir()
    proveedor.app = crear_proveedor(
        {
            "OIDC_EMISOR": url_del_proveedor,
            "OIDC_CLIENT_SECRET": SECRETO_OIDC,
            "OIDC_REDIRECT_URIS": [f"{url}/auth/oidc/callback"],
            "OIDC_CLAVE_PRIVADA": CLAVE_PEM,
        }
    )
    return url


def perfil(nav, url, quien):
    r = nav.get(f"{url}/api/perfil")
    if r.status_code != 200:
        raise Desajuste("200", f"{r.status_code} {cuerpo(r)}", f"en GET /api/perfil {quien}", PISTA_MIGRACION)
    return r.json()


def migrar(app, *revision):
    """``flask db upgrade [revision]`` en la app del estudiante; un Fallo si no termina bien."""
    r = app.test_cli_runner().invoke(args=["db", "upgrade", *revision])
    if r.exit_code != 0:
        destino = f"a la revisión {revision[0]}" if revision else "a la última revisión"
        raise Fallo(f"«flask db upgrade» {destino} terminó con {r.exit_code}: {recortar(r.output, 300)}")


# ── Tarea 7: «Iniciar sesión con…» ──────────────────────────────────────────


@comprobacion(tarea=7, puntos=3, limite=FLUJO)
def test_el_flujo_completo_crea_el_usuario_e_inicia_sesion_con_cookies(app_servida):
    """Tras el proveedor, la vuelta crea el usuario, pone la cookie HttpOnly de acceso y GET /api/perfil es él."""
    nav = Navegador(admite_500=True)  # un 503 aquí suele ser la tabla identidad que falta: lo dice la pista
    r = nav.get(hasta_la_vuelta(nav, nav.get(f"{app_servida}/auth/oidc/login")), allow_redirects=False)
    acceso = [c for c in r.raw.headers.getlist("Set-Cookie") if c.startswith(f"{ACCESO}=")]
    if r.status_code != 302 or not acceso or "HttpOnly" not in acceso[0]:
        raise Desajuste(
            f"302 a la página con la cookie {ACCESO} HttpOnly",
            f"{r.status_code} {cuerpo(r)} (cookies: {len(acceso)})",
            "en la vuelta del proveedor (GET /auth/oidc/callback)",
            PISTA_MIGRACION,
        )
    datos = perfil(nav, app_servida, "tras iniciar sesión con el proveedor")
    if datos.get("email") != "ana@example.org":
        raise Desajuste('el usuario de "ana@example.org"', mostrar_json(datos), "en GET /api/perfil", PISTA_VINCULAR)


@comprobacion(
    tarea=7, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion_con_cookies, limite=FLUJO
)
def test_un_segundo_inicio_reutiliza_la_cuenta(app_servida):
    """Iniciar sesión otra vez con el mismo proveedor (otro navegador) entra en la misma cuenta."""
    primero, segundo = Navegador(), Navegador()
    entrar(primero, app_servida)
    entrar(segundo, app_servida)
    uno, dos = perfil(primero, app_servida, "(primer inicio)"), perfil(segundo, app_servida, "(segundo inicio)")
    if uno.get("id") != dos.get("id"):
        raise Desajuste(f"el mismo id ({uno.get('id')})", dos.get("id"), "en el segundo inicio", PISTA_VINCULAR)


@comprobacion(
    tarea=7, puntos=2, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion_con_cookies, limite=FLUJO
)
def test_un_email_sin_verificar_no_entra_en_una_cuenta_local(app_servida):
    """Un email que el proveedor no verificó no entra en la cuenta local con ese email: 403 y sin cookie."""
    r = Navegador().post(f"{app_servida}/auth/registro", json=EVA)
    if r.status_code != 201:
        raise Fallo(f"POST /auth/registro (de la lección 02) respondió {r.status_code}: {cuerpo(r)}")
    nav = Navegador()
    vuelta = hasta_la_vuelta(nav, nav.get(f"{app_servida}/auth/oidc/login"), email=EVA["email"], password="eva-demo")
    espera_error(nav.get(vuelta), 403, "en la vuelta de Eva, cuyo email el proveedor no verificó", PISTA_VINCULAR)
    if nav.cookie(ACCESO):
        raise Fallo(f"La app puso la cookie {ACCESO} con un email sin verificar: entró en la cuenta de Eva.")


@comprobacion(
    tarea=7, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion_con_cookies, limite=FLUJO
)
def test_una_vuelta_con_otro_state_o_repetida_es_un_400(app_servida):
    """Una vuelta con otro state, o la buena repetida, es un 400 con el sobre de error (no un 500)."""
    nav = Navegador()
    buena = hasta_la_vuelta(nav, nav.get(f"{app_servida}/auth/oidc/login"))
    pista = "Cada OAuthError de Authlib (oauth.error_de_oauth, de la lección 09) es un 400 con el sobre."
    otro = cambiar_consulta(buena, state=secrets.token_urlsafe(16))
    espera_error(nav.get(otro), 400, "en la vuelta con otro state", pista)
    if nav.get(buena).status_code >= 400:
        raise Fallo("La vuelta buena, después de la mala, no inició la sesión.", PISTA_MIGRACION)
    espera_error(nav.get(buena), 400, "en la vuelta repetida (el mismo state otra vez)", pista)


@comprobacion(
    tarea=7, puntos=1, depende_de=test_el_flujo_completo_crea_el_usuario_e_inicia_sesion_con_cookies, limite=FLUJO
)
def test_ningun_token_viaja_en_una_url(app_servida):
    """Ninguna URL ni cabecera Location del flujo lleva un token (ni el nuestro ni el del proveedor)."""
    nav = Navegador()
    entrar(nav, app_servida)
    if malas := nav.tokens_en_las_urls():
        raise Fallo(
            f"Un token viajó en una URL: {recortar(malas[0], 200)}",
            "Una URL acaba en el historial, en los logs y en la cabecera `Referer`: los tokens van en cookies HttpOnly.",
        )


@comprobacion(tarea=7, puntos=2)
def test_la_migracion_crea_la_tabla_de_identidades_sin_perder_datos(crear_app, base_de_datos):
    """«flask db upgrade» lleva una base de la revisión 0002, con un usuario, a la tabla identidad sin perderlo."""
    app = crear_app(MIGRAR_AL_ARRANCAR=False)
    migrar(app, "0002")
    base_de_datos.escribir(
        app, "INSERT INTO usuario (email, nombre, password_hash, rol) VALUES (?, ?, ?, ?)", *DE_ANTES
    )
    migrar(app)
    columnas = {fila[0] for fila in base_de_datos.leer(app, "SELECT name FROM pragma_table_info('identidad')")}
    if not {"proveedor", "sub", "email", "email_verificado", "usuario_id"} <= columnas:
        raise Desajuste(
            "la tabla identidad con proveedor, sub, email, email_verificado y usuario_id",
            sorted(columnas) or "ninguna tabla identidad",
            "tras «flask db upgrade»",
            PISTA_MIGRACION,
        )
    unicas = [
        sorted(c[0] for c in base_de_datos.leer(app, "SELECT name FROM pragma_index_info(?)", indice))
        for indice, unica in base_de_datos.leer(app, "SELECT name, \"unique\" FROM pragma_index_list('identidad')")
        if unica
    ]
    if ["proveedor", "sub"] not in unicas:
        raise Desajuste(
            "un índice único de (proveedor, sub)", unicas or "ninguno", "en la tabla identidad", PISTA_MIGRACION
        )
    if base_de_datos.leer(app, "SELECT email FROM usuario") != [(DE_ANTES[0],)]:
        raise Fallo("El usuario que había antes de migrar ya no está: una migración nunca borra datos.")
