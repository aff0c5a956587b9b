"""Comprobaciones de la lección 05: logout que revoca los dos tokens, cerrar todas las sesiones, Redis con TTL y 503."""

import time

import jwt
import pytest

from taller import anteriores
from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, bearer, comprobacion, iniciar_sesion, reemitir

TAREAS = {
    1: "El logout revoca el access token (y la revocación perdura)",
    2: "El logout revoca también el refresh token",
    3: "Cerrar todas las sesiones (y al cambiar la contraseña)",
    4: "Redis con el TTL de cada token",
    5: "Si Redis no contesta: 503, nunca 500 ni 200",
    6: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}
BEA = {"email": "bea@example.com", "password": "contraseña-de-bea", "nombre": "Bea"}
REDIS_CERRADO = "redis://127.0.0.1:1/0"  # nadie escucha en el puerto 1
PARA_EMPEZAR = "El registro y el inicio de sesión vienen hechos de la lección 04."
PISTA_LOGOUT = (
    "Protege POST /auth/logout con @jwt_required(), apunta el jti del token en el almacén "
    "(almacen().revocar(jti, exp)) y registra token_revocado con token_in_blocklist_loader."
)
PISTA_PERSISTE = (
    "Los revocados deben vivir en la base de datos (AlmacenSQL, tabla TokenRevocado), no en un set() "
    "de Python: cada proceso y cada arranque tiene el suyo."
)
PISTA_REFRESH = (
    'Lee {"refresh_token": "…"} del cuerpo con refresh_token_del_cuerpo() y revoca también su jti '
    "hasta su exp: si no, sigue fabricando access tokens 30 días."
)
PISTA_TODO = (
    "Guarda «los tokens de este usuario emitidos antes de ahora no valen» (cerrar_sesiones) y compara el "
    "iat de cada token en esta_revocado."
)
PISTA_503 = (
    "Captura redis.RedisError en _pedir, lanza AlmacenNoDisponible y regístrale un errorhandler que "
    'responda 503 con {"error": "…"}. Nunca devuelvas False (aceptar) si no sabes la respuesta.'
)


# ── Ayudantes ────────────────────────────────────────────────────────────────


def registrar(client, usuario=ANA):
    return client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR).espera_json()


def sesion(client, usuario=ANA):
    """Un inicio de sesión de ``usuario`` (que ya existe): ``(access_token, refresh_token)``."""
    return iniciar_sesion(client, usuario, PARA_EMPEZAR, ("access_token", "refresh_token"))


def logout(client, acceso, refresh=None, ayuda=PISTA_LOGOUT):
    cuerpo = {"json": {"refresh_token": refresh}} if refresh else {}
    return client.post("/auth/logout", headers=bearer(acceso), **cuerpo).espera(200, ayuda=ayuda)


def espera_valido(client, metodo, ruta, token, descripcion, ayuda=None):
    r = client.peticion(metodo, ruta, headers=bearer(token))
    if r.estado != 200:
        raise Desajuste(f"200 con {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", ayuda)


def espera_revocado(client, metodo, ruta, token, descripcion, ayuda=None):
    """Un token revocado se rechaza con 401 (el valor por defecto de Flask-JWT-Extended)."""
    r = client.peticion(metodo, ruta, headers=bearer(token))
    if r.estado != 401:
        raise Desajuste(f"401 con {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", ayuda)


def abrir(app, token):
    return jwt.decode(
        token,
        app.config["JWT_SECRET_KEY"],
        algorithms=["HS256"],
        options={"verify_exp": False},
        audience=app.config.get("JWT_DECODE_AUDIENCE"),
        issuer=app.config.get("JWT_DECODE_ISSUER"),
    )


# redis_de_prueba (url, prefijo, cliente) y redis_colgado los da el plugin del taller: en la jaula,
# un Redis propio de la entrega; fuera, el de 127.0.0.1:6379 (o TALLER_REDIS_URL).


@pytest.fixture
def client_redis(crear_app, redis_de_prueba):
    url, prefijo, _ = redis_de_prueba
    return Cliente(crear_app(REDIS_URL=url, REDIS_PREFIJO=prefijo))


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=None, puntos=0)
def test_para_empezar_registro_y_login(client):
    """Para empezar (viene de lecciones anteriores): el registro da 201 y el inicio de sesión, los dos tokens."""
    anteriores.entrar(client, ("access_token", "refresh_token"))


# ── Tarea 1: el logout revoca el access token ────────────────────────────────


@comprobacion(tarea=1, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_logout_revoca_el_access_token(client):
    """Tras POST /auth/logout, el access token de esa sesión recibe 401 en GET /api/perfil."""
    registrar(client)
    acceso, _ = sesion(client)
    espera_valido(client, "GET", "/api/perfil", acceso, "el access token antes del logout")
    logout(client, acceso)
    espera_revocado(client, "GET", "/api/perfil", acceso, "el access token de una sesión cerrada", PISTA_LOGOUT)


@comprobacion(tarea=1, puntos=1)
def test_logout_sin_token_da_401(client):
    """POST /auth/logout sin token responde 401: solo cierra sesión quien la tiene."""
    client.post("/auth/logout").espera(401, ayuda="Protege la ruta con @jwt_required().")


@comprobacion(tarea=1, puntos=1, depende_de=test_logout_revoca_el_access_token)
def test_logout_no_cierra_las_otras_sesiones(client):
    """El logout revoca solo el token que lo pide: otra sesión del mismo usuario sigue abierta."""
    registrar(client)
    primera, _ = sesion(client)
    segunda, _ = sesion(client)
    logout(client, primera)
    espera_valido(
        client,
        "GET",
        "/api/perfil",
        segunda,
        "el access token de otra sesión",
        "Revoca el jti del token de la petición, no al usuario entero.",
    )


@comprobacion(tarea=1, puntos=2, depende_de=test_logout_revoca_el_access_token)
def test_la_revocacion_sobrevive_a_un_reinicio(crear_app):
    """Un token revocado sigue revocado al reiniciar la app sobre la misma base de datos."""
    antes = Cliente(crear_app())
    registrar(antes)
    acceso, _ = sesion(antes)
    logout(antes, acceso)
    despues = Cliente(crear_app())  # un arranque nuevo: lo que estaba solo en memoria se ha perdido
    espera_revocado(despues, "GET", "/api/perfil", acceso, "un token revocado antes de reiniciar", PISTA_PERSISTE)


@comprobacion(tarea=1, puntos=1, depende_de=test_logout_revoca_el_access_token)
def test_otra_instancia_ve_la_revocacion(crear_app):
    """Dos instancias de la app sobre la misma base de datos (dos procesos): un logout en una vale en la otra."""
    una, otra = Cliente(crear_app()), Cliente(crear_app())
    registrar(una)
    acceso, _ = sesion(una)
    espera_valido(otra, "GET", "/api/perfil", acceso, "el token en la otra instancia antes del logout")
    logout(una, acceso)
    espera_revocado(otra, "GET", "/api/perfil", acceso, "un token revocado en la otra instancia", PISTA_PERSISTE)


# ── Tarea 2: también el refresh token ────────────────────────────────────────


@comprobacion(tarea=2, puntos=2, depende_de=test_logout_revoca_el_access_token)
def test_logout_revoca_el_refresh_token(client):
    """Con {"refresh_token": …} en el cuerpo, el logout revoca también el refresh token: /auth/refresh da 401."""
    registrar(client)
    acceso, refresh = sesion(client)
    logout(client, acceso, refresh)
    espera_revocado(client, "POST", "/auth/refresh", refresh, "el refresh token de una sesión cerrada", PISTA_REFRESH)


PISTA_SESION = (
    'Pon en el access token un claim "sesion" con el jti y el exp de su refresh token (en el inicio de sesión y '
    "en /auth/refresh) y revócalo en el logout: el cliente no tiene por qué enviar el refresh token."
)


@comprobacion(tarea=2, puntos=2, depende_de=test_logout_revoca_el_access_token)
def test_logout_sin_cuerpo_revoca_el_refresh_token_de_su_sesion(client):
    """Sin cuerpo, el logout revoca también el refresh token de esa sesión (también tras un refresco), no el de otras."""
    registrar(client)
    acceso, refresh = sesion(client)
    _, otro_refresh = sesion(client)
    logout(client, acceso)
    espera_revocado(
        client, "POST", "/auth/refresh", refresh, "el refresh token de la sesión cerrada sin cuerpo", PISTA_SESION
    )
    espera_valido(
        client,
        "POST",
        "/auth/refresh",
        otro_refresh,
        "el refresh token de otra sesión del mismo usuario",
        "Cerrar una sesión no cierra las demás.",
    )
    refrescado = client.post("/auth/refresh", headers=bearer(otro_refresh)).espera(200).espera_json()["access_token"]
    logout(client, refrescado)
    espera_revocado(
        client,
        "POST",
        "/auth/refresh",
        otro_refresh,
        "el refresh token tras el logout con un access token refrescado",
        PISTA_SESION,
    )


@comprobacion(tarea=2, puntos=1, depende_de=test_logout_revoca_el_access_token)
def test_logout_rechaza_un_refresh_token_ajeno_o_que_no_lo_es(client):
    """El logout responde 400 si el refresh_token es de otro usuario o es un access token, y no revoca el ajeno."""
    registrar(client)
    registrar(client, BEA)
    acceso, _ = sesion(client)
    otro_acceso, _ = sesion(client)
    _, refresh_de_bea = sesion(client, BEA)
    pista = 'Comprueba con decode_token que el refresh_token es de tipo "refresh" y que su sub es el de la petición.'
    client.post("/auth/logout", headers=bearer(acceso), json={"refresh_token": refresh_de_bea}).espera_error(400, pista)
    espera_valido(
        client,
        "POST",
        "/auth/refresh",
        refresh_de_bea,
        "el refresh token de Bea tras el logout de Ana",
        "Nadie puede cerrar la sesión de otro usuario.",
    )
    client.post("/auth/logout", headers=bearer(acceso), json={"refresh_token": otro_acceso}).espera_error(400, pista)


@comprobacion(tarea=2, puntos=1, depende_de=test_logout_revoca_el_access_token)
def test_logout_con_un_cuerpo_malo_da_400(client):
    """Un cuerpo que no es un objeto JSON o un refresh_token que no es texto o no es un token dan 400, no 500."""
    registrar(client)
    acceso, _ = sesion(client)
    for peticion in (
        {"data": "[1]", "content_type": "application/json"},
        {"data": "hola", "content_type": "text/plain"},
        {"json": {"refresh_token": 42}},
        {"json": {"refresh_token": "basura"}},
    ):
        client.post("/auth/logout", headers=bearer(acceso), **peticion).espera_error(
            400, 'Valida el cuerpo antes de revocar: {"refresh_token": "…"} con un refresh token de esta app.'
        )
    espera_valido(
        client,
        "GET",
        "/api/perfil",
        acceso,
        "el access token tras logouts rechazados con 400",
        "Valida el cuerpo antes de revocar nada.",
    )


# ── Tarea 3: cerrar todas las sesiones ───────────────────────────────────────


@comprobacion(tarea=3, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_logout_todo_cierra_todas_las_sesiones(client):
    """POST /auth/logout-todo revoca todos los tokens del usuario (los de cada sesión) y no los de otros."""
    registrar(client)
    registrar(client, BEA)
    sesiones = [sesion(client) for _ in range(3)]
    de_bea, _ = sesion(client, BEA)
    client.post("/auth/logout-todo", headers=bearer(sesiones[0][0])).espera(200, ayuda=PISTA_TODO)
    for numero, (acceso, refresh) in enumerate(sesiones, start=1):
        espera_revocado(client, "GET", "/api/perfil", acceso, f"el access token de la sesión {numero}", PISTA_TODO)
        espera_revocado(client, "POST", "/auth/refresh", refresh, f"el refresh token de la sesión {numero}", PISTA_TODO)
    espera_valido(
        client,
        "GET",
        "/api/perfil",
        de_bea,
        "el token de otro usuario",
        "Cierra solo las sesiones del usuario del token.",
    )


@comprobacion(tarea=3, puntos=1, depende_de=test_logout_todo_cierra_todas_las_sesiones)
def test_tras_logout_todo_se_puede_volver_a_entrar(client):
    """Tras cerrar todas las sesiones, un inicio de sesión nuevo (aunque sea en el mismo segundo) funciona."""
    registrar(client)
    acceso, _ = sesion(client)
    client.post("/auth/logout-todo", headers=bearer(acceso)).espera(200, ayuda=PISTA_TODO)
    nuevo, _ = sesion(client)
    espera_valido(
        client,
        "GET",
        "/api/perfil",
        nuevo,
        "el token de un inicio de sesión posterior",
        "Solo dejan de valer los tokens emitidos ANTES del cierre: compara el iat (con fracción de "
        "segundo, ver claims_de_todo_token) con el instante guardado.",
    )


@comprobacion(tarea=3, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_cambiar_la_password_cierra_las_otras_sesiones(client):
    """POST /api/perfil/password revoca las demás sesiones y devuelve tokens nuevos que funcionan."""
    registrar(client)
    acceso, _ = sesion(client)
    otro_acceso, otro_refresh = sesion(client)  # por ejemplo, el móvil que te robaron
    r = client.post(
        "/api/perfil/password",
        headers=bearer(acceso),
        json={"password_actual": ANA["password"], "password_nueva": "otra-contraseña-larga"},
    )
    cuerpo = r.espera(200, ayuda="Tras cerrar las sesiones, responde 200 con access_token y refresh_token nuevos.")
    cuerpo = cuerpo.espera_json()
    if not isinstance(cuerpo, dict) or not isinstance(cuerpo.get("access_token"), str):
        raise Falta('"access_token" (y "refresh_token") nuevos', f"en la respuesta a {r.peticion}")
    espera_revocado(client, "GET", "/api/perfil", otro_acceso, "el access token de otra sesión", PISTA_TODO)
    espera_revocado(
        client,
        "POST",
        "/auth/refresh",
        otro_refresh,
        "el refresh token de otra sesión",
        "Quien te robó el refresh token no debe poder seguir fabricando access tokens.",
    )
    espera_valido(client, "GET", "/api/perfil", cuerpo["access_token"], "el access token nuevo del cambio")


@comprobacion(tarea=3, puntos=1, depende_de=test_logout_sin_cuerpo_revoca_el_refresh_token_de_su_sesion)
def test_tras_cambiar_la_password_el_logout_revoca_el_refresh_token_nuevo(client):
    """Tras cambiar la contraseña, el logout (sin cuerpo) con el access token nuevo revoca también el refresh nuevo."""
    registrar(client)
    acceso, _ = sesion(client)
    r = client.post(
        "/api/perfil/password",
        headers=bearer(acceso),
        json={"password_actual": ANA["password"], "password_nueva": "otra-contraseña-larga"},
    )
    cuerpo = r.espera(200, ayuda="Tras cerrar las sesiones, responde 200 con access_token y refresh_token nuevos.")
    cuerpo = cuerpo.espera_json()
    nuevos = ("access_token", "refresh_token")
    if not isinstance(cuerpo, dict) or not all(isinstance(cuerpo.get(c), str) for c in nuevos):
        raise Falta('"access_token" y "refresh_token" nuevos', f"en la respuesta a {r.peticion}")
    logout(client, cuerpo["access_token"])
    espera_revocado(
        client,
        "POST",
        "/auth/refresh",
        cuerpo["refresh_token"],
        "el refresh token del cambio de contraseña tras el logout sin cuerpo",
        "Los tokens del cambio de contraseña son como los del inicio de sesión: el access token lleva la «sesion» "
        "de su refresh token (usa tokens_del_login). Si no, ese refresh token vive 30 días tras el logout.",
    )


# ── Tarea 4: Redis con el TTL de cada token ──────────────────────────────────


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_con_redis_el_logout_revoca_los_dos_tokens(client_redis, crear_app, redis_de_prueba):
    """Con REDIS_URL, el logout revoca el access y el refresh token, y otra instancia (otro proceso) lo ve."""
    url, prefijo, cliente = redis_de_prueba
    registrar(client_redis)
    acceso, refresh = sesion(client_redis)
    logout(client_redis, acceso, refresh)
    otra = Cliente(crear_app(REDIS_URL=url, REDIS_PREFIJO=prefijo))
    pista = "Con REDIS_URL, crear_almacen devuelve AlmacenRedis: implementa revocar y esta_revocado con Redis."
    espera_revocado(otra, "GET", "/api/perfil", acceso, "el access token revocado (en otra instancia)", pista)
    espera_revocado(otra, "POST", "/auth/refresh", refresh, "el refresh token revocado (en otra instancia)", pista)
    if not any(cliente.scan_iter(f"{prefijo}*")):
        raise Falta(
            f"alguna clave que empiece por REDIS_PREFIJO ({prefijo!r}) en Redis",
            "tras el logout",
            "Los revocados deben ir a Redis, no a la base de datos.",
        )


@comprobacion(tarea=4, puntos=2, depende_de=test_con_redis_el_logout_revoca_los_dos_tokens)
def test_con_redis_el_ttl_es_lo_que_le_queda_a_cada_token(client_redis, redis_de_prueba):
    """En Redis, la clave de cada token revocado caduca cuando caduca el token (exp − ahora), también la del refresh."""
    _, prefijo, cliente = redis_de_prueba
    registrar(client_redis)
    acceso, refresh = sesion(client_redis)
    logout(client_redis, acceso, refresh)
    for token, descripcion in ((acceso, "access token"), (refresh, "refresh token")):
        datos = abrir(client_redis.app, token)
        claves = [c for c in cliente.scan_iter(f"{prefijo}*") if datos["jti"] in c.decode()]
        if not claves:
            raise Falta(
                f"una clave de Redis con el jti del {descripcion} ({datos['jti']})",
                "tras el logout",
                'Usa la clave f"{prefijo}jti:{jti}".',
            )
        ttl = cliente.ttl(claves[0])
        le_queda = datos["exp"] - time.time()
        if abs(ttl - le_queda) > 2:
            raise Desajuste(
                f"un TTL de unos {le_queda:.0f} s (lo que le queda al {descripcion})",
                f"{ttl} s" + (" (sin caducidad)" if ttl == -1 else ""),
                f"en la clave {claves[0].decode()}",
                "TTL = exp − ahora. Con un TTL fijo (una hora), un refresh token revocado vuelve a valer "
                "en cuanto Redis borra la clave; sin TTL, Redis crece sin fin.",
            )


@comprobacion(tarea=4, puntos=1, depende_de=test_logout_todo_cierra_todas_las_sesiones)
def test_con_redis_logout_todo_cierra_todas_las_sesiones(client_redis):
    """Con REDIS_URL, cerrar todas las sesiones también funciona, y un inicio de sesión posterior vale."""
    registrar(client_redis)
    primera, refresh = sesion(client_redis)
    segunda, _ = sesion(client_redis)
    client_redis.post("/auth/logout-todo", headers=bearer(primera)).espera(200, ayuda=PISTA_TODO)
    for token, descripcion in ((segunda, "el access token de otra sesión"), (primera, "el access token de esta")):
        espera_revocado(
            client_redis,
            "GET",
            "/api/perfil",
            token,
            descripcion,
            "Implementa cerrar_sesiones y esta_revocado en AlmacenRedis.",
        )
    espera_revocado(client_redis, "POST", "/auth/refresh", refresh, "el refresh token de la sesión cerrada")
    nuevo, _ = sesion(client_redis)
    espera_valido(client_redis, "GET", "/api/perfil", nuevo, "el token de un inicio de sesión posterior")


# ── Tarea 5: Redis caído ─────────────────────────────────────────────────────


def espera_503(r, antes, ayuda=PISTA_503):
    tardanza = time.perf_counter() - antes
    if r.estado != 503:
        if r.estado == 200:
            ayuda = "¡Has aceptado un token que quizá está revocado! " + ayuda
        raise Desajuste("503 (almacén no disponible)", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", ayuda)
    r.espera_error(503, ayuda)
    if tardanza > 1:
        raise Fallo(
            f"{r.peticion} tardó {tardanza:.1f} s en responder 503; debe tardar menos de 1 s.",
            "Crea el cliente con socket_connect_timeout, socket_timeout y sin reintentos.",
        )


@comprobacion(tarea=5, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_sin_redis_una_ruta_protegida_responde_503(crear_app):
    """Con REDIS_URL apuntando a un puerto cerrado, GET /api/perfil con un token válido responde 503 en JSON."""
    client = Cliente(crear_app(REDIS_URL=REDIS_CERRADO))
    registrar(client)
    acceso, _ = sesion(client)  # iniciar sesión no necesita Redis
    antes = time.perf_counter()
    espera_503(client.get("/api/perfil", headers=bearer(acceso)), antes)


@comprobacion(tarea=5, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_sin_redis_el_logout_responde_503(crear_app):
    """Con Redis caído, POST /auth/logout responde 503 en JSON (no 500): la sesión no se ha podido cerrar."""
    client = Cliente(crear_app(REDIS_URL=REDIS_CERRADO))
    registrar(client)
    acceso, refresh = sesion(client)
    antes = time.perf_counter()
    espera_503(client.post("/auth/logout", headers=bearer(acceso), json={"refresh_token": refresh}), antes)


@comprobacion(tarea=5, puntos=1, limite=10, depende_de=test_para_empezar_registro_y_login)
def test_con_redis_colgado_responde_503_en_menos_de_un_segundo(crear_app, redis_colgado):
    """Con un Redis que acepta la conexión y no contesta, GET /api/perfil responde 503 en menos de 1 s."""
    client = Cliente(crear_app(REDIS_URL=redis_colgado))
    registrar(client)
    acceso, _ = sesion(client)
    antes = time.perf_counter()
    espera_503(client.get("/api/perfil", headers=bearer(acceso)), antes)


# ── Tarea 6: lo de lecciones anteriores sigue funcionando ─────────────────────


@comprobacion(tarea=6, puntos=1)
def test_anteriores_escribir_sin_token_da_401(client):
    """Lo de antes: sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista) y la lista da 200."""
    anteriores.escribir_sin_token_da_401(client)


@comprobacion(tarea=6, puntos=1)
def test_anteriores_registro_login_perfil_y_refresco(client):
    """Lo de antes: registro, inicio de sesión, perfil y refresco funcionan; un access token no sirve en /auth/refresh y ningún token lleva el email."""
    anteriores.registro_login_perfil_y_refresco(client)


# ── Tarea 1: un token de otra app no cierra sesiones aquí ────────────────────

OTRA_APP = {"iss": "taller-flask-jwt/leccion-02", "aud": "taller-flask-jwt/leccion-02/api"}  # la del login


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_un_token_de_otra_app_se_rechaza(client):
    """POST /auth/logout rechaza (401 o 422) un token bien firmado con el iss y el aud de otra app, o sin ellos."""
    registrar(client)
    acceso, _ = sesion(client)
    pista = (
        "JWT_DECODE_ISSUER y JWT_DECODE_AUDIENCE (emisor_y_audiencia en api/config.py): sin ellos, cualquier "
        "app que comparta la clave abre la tuya (RFC 8725, 3.8 y 3.9)."
    )
    for descripcion, cambios in (
        ("de otra app (iss y aud de la lección 02)", OTRA_APP),
        ("sin iss ni aud", {"iss": None, "aud": None}),
    ):
        r = client.post("/auth/logout", headers=bearer(reemitir(client.app, acceso, **cambios)))
        if r.estado not in (401, 422):
            raise Desajuste(
                f"401 o 422 con un token {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", pista
            )
    logout(client, acceso)  # el suyo sí cierra la sesión
