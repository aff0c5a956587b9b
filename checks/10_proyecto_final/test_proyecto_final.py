"""Comprobaciones de la lección 10: el ejercicio práctico de la semilla, listo para producción.

Cada tarea es una de las ocho de la semilla («Ejercicio Práctico»), mirada con
los ojos de un despliegue: sus logs, su entorno, su salud. La tarea 7 (Google
OAuth2, de la lección 09) está en test_tarea7_oauth.py. Los logs se leen de lo que la app escribe en
stderr (``puente.leer_salida()``): una línea JSON por evento.
"""

import json
import secrets
import time
import uuid
from datetime import timedelta

import jwt
import pytest

from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, bearer, comprobacion, mostrar_json

TAREAS = {
    1: "Registro con bcrypt: una línea de log JSON sin la contraseña",
    2: "Inicio de sesión: cada intento en el log, los fallidos como aviso, sin contraseñas ni tokens",
    3: "Refresh: cada refresh token vale una sola vez (rotación)",
    4: "Logout con Redis: en producción, sin Redis no se arranca, y /salud lo vigila",
    5: "Perfil: la línea del log dice quién, nunca con qué token",
    6: "@rol_requerido: un 403 deja un aviso con el usuario y la ruta",
    8: "Errores de JWT en español, y los 500 al log con su traza y sin secretos",
    9: "Producción: un entorno por clase y ningún arranque con secretos débiles",
    10: "GET /salud: 200 si la base de datos y Redis responden, 503 si no",
    11: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {
    "email": "ana@example.com",
    "password": "clave-secreta-de-ana",
    "nombre": "Ana",
}  # ASCII: igual dentro de un JSON
ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}
PARA_EMPEZAR = "El registro y el inicio de sesión vienen hechos de las lecciones anteriores: no los cambies."
POSTGRESQL_CERRADO = "postgresql+psycopg://taller@127.0.0.1:1/nada"  # nadie escucha en el puerto 1
ESPERA_LOG = 0.5  # segundos que se espera a que aparezca una línea de log
PISTA_JSON = (
    "En api/logs.py, FormatoJSON.format devuelve json.dumps(tachar(linea)) con momento, nivel, evento, mensaje "
    "y los campos de extra=; y terminar() escribe con current_app.logger.log(nivel_de(estado), …, extra=campos)."
)
PISTA_LINEA = (
    'terminar() (after_request) escribe una línea con "evento": "peticion", "metodo", "ruta" (request.path, sin '
    'lo que sigue a «?»), "estado", "duracion_ms", "ip" y "usuario" (el sub del token, o null); nunca el cuerpo '
    "ni las cabeceras."
)
PISTA_NIVEL = "nivel_de(estado): ERROR para 5xx, WARNING para 401, 403 y 429, INFO para lo demás (OWASP A09)."
PISTA_TACHAR = "FormatoJSON.format pasa la línea entera (también la traza) por tachar() antes de json.dumps."
PISTA_ROTAR = "En api/entornos.py, Comun.ROTAR_REFRESH_TOKENS = True (la lección 04 ya sabe rotar; aquí se enciende)."
PISTA_PRODUCCION = (
    "En api/entornos.py, problemas_de_produccion() apunta cada problema (DEBUG/TESTING, JWT_SECRET_KEY y "
    "SECRET_KEY débiles, falta REDIS_URL, falta DATABASE_URL) y exigir_produccion() lanza ConfiguracionInsegura."
)
PISTA_SALUD = (
    "En api/salud.py: SELECT 1 a la base de datos y PING a Redis (con ESPERA_REDIS y sin reintentos); "
    '200 {"estado": "ok", …} si todo responde, 503 con el sobre y el estado de cada parte si no.'
)


# ── Ayudantes ────────────────────────────────────────────────────────────────


class Log:
    """Las líneas JSON que la app escribe en stderr, leídas a través del puente."""

    def __init__(self, puente):
        self.puente, self.texto, self.lineas = puente, "", []

    def leer(self):
        self.texto += self.puente.leer_salida()
        self.lineas = []
        for linea in self.texto.splitlines():
            try:
                dato = json.loads(linea)
            except ValueError:
                continue
            if isinstance(dato, dict):
                self.lineas.append(dato)
        return self.lineas

    def olvidar(self):
        """Descarta lo escrito hasta ahora (el arranque, las peticiones de preparación)."""
        self.leer()
        self.texto, self.lineas = "", []

    def peticion(self, metodo, ruta, estado=None):
        """La línea ``peticion`` de ``metodo ruta`` (espera hasta ``ESPERA_LOG`` s); falla si no aparece."""
        limite = time.monotonic() + ESPERA_LOG
        while True:
            for linea in self.leer():
                if linea.get("evento") == "peticion" and (linea.get("metodo"), linea.get("ruta")) == (metodo, ruta):
                    if estado is None or linea.get("estado") == estado:
                        return linea
            if time.monotonic() > limite:
                break
            time.sleep(0.05)
        escrito = self.texto.strip()[-400:] or "nada"
        raise Desajuste(
            f'una línea JSON con "evento": "peticion", "metodo": "{metodo}", "ruta": "{ruta}"'
            + (f', "estado": {estado}' if estado else ""),
            f"este log: {escrito!r}",
            "en lo que escribe la app en stderr",
            PISTA_JSON if not self.lineas else PISTA_LINEA,
        )

    def sin(self, *secretos, ayuda=PISTA_TACHAR):
        """Falla si alguno de ``secretos`` aparece en el log."""
        self.leer()
        for secreto in secretos:
            if secreto and secreto in self.texto:
                muestra = secreto if len(secreto) < 20 else secreto[:12] + "…"
                raise Fallo(f"El log contiene {muestra!r}, que no debe salir nunca en un log.", ayuda)


@pytest.fixture
def log(puente):
    return Log(puente)


def espera_nivel(linea, nivel, ayuda=PISTA_NIVEL):
    if linea.get("nivel") != nivel:
        raise Desajuste(f'"nivel": "{nivel}"', mostrar_json(linea), "en la línea del log", ayuda)


def registrar(client, usuario=ANA):
    return client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR).espera_json()


def entrar(client, usuario=ANA):
    """Un inicio de sesión de ``usuario`` (que ya existe): el cuerpo con ``access_token`` y ``refresh_token``."""
    r = client.post("/auth/login", json={"email": usuario["email"], "password": usuario["password"]})
    cuerpo = r.espera(200, ayuda=PARA_EMPEZAR).espera_json()
    if not isinstance(cuerpo, dict) or not all(
        isinstance(cuerpo.get(c), str) for c in ("access_token", "refresh_token")
    ):
        raise Falta('"access_token" y "refresh_token"', f"en la respuesta a {r.peticion}", PARA_EMPEZAR)
    return cuerpo


def config_de_produccion(carpeta, redis_url, **cambios):
    """Una configuración de producción completa y buena; ``cambios`` (con ``None``) quita o cambia una parte."""
    config = {
        "ENTORNO": "produccion",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{carpeta / 'produccion.sqlite'}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY": secrets.token_hex(32),
        "REDIS_URL": redis_url,
        "BCRYPT_LOG_ROUNDS": 4,
        "PROPAGATE_EXCEPTIONS": False,
    }
    config.update(cambios)
    return {clave: valor for clave, valor in config.items() if valor is not None}


def crear_de_produccion(fabrica, crear_app, carpeta, redis_url, **cambios):
    """La app de producción sobre una base de datos ya migrada (la migra antes una app de pruebas)."""
    config = config_de_produccion(carpeta, redis_url, **cambios)
    crear_app(SQLALCHEMY_DATABASE_URI=config["SQLALCHEMY_DATABASE_URI"])  # pruebas: aplica las migraciones
    return fabrica(config)


def no_arranca(fabrica, config, que, ayuda=PISTA_PRODUCCION):
    """Falla si ``create_app(config)`` arranca; devuelve el mensaje del error."""
    try:
        fabrica(config)
    except Exception as e:
        return str(e)
    raise Fallo(f"create_app arrancó en producción {que}; debía negarse con un error que diga qué falta.", ayuda)


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


# ── Tarea 1: registro ────────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_el_registro_deja_una_linea_json_sin_la_contrasena(client, log):
    """POST /auth/registro deja una línea JSON (método, ruta, estado 201, duración) sin la contraseña."""
    log.olvidar()
    registrar(client)
    linea = log.peticion("POST", "/auth/registro", 201)
    for campo in ("momento", "nivel", "duracion_ms", "ip"):
        if campo not in linea:
            raise Falta(f'el campo "{campo}"', f"en la línea del log {mostrar_json(linea)}", PISTA_LINEA)
    log.sin(ANA["password"], ayuda="Nunca escribas el cuerpo de la petición en el log. " + PISTA_LINEA)


# ── Tarea 2: inicio de sesión ────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=2)
def test_el_login_fallido_es_un_aviso_sin_la_contrasena(client, log):
    """Un inicio de sesión con la contraseña mala deja un aviso (WARNING, estado 401) sin la contraseña que se probó."""
    registrar(client)
    log.olvidar()
    mala = "clave-que-no-es-" + secrets.token_hex(4)
    client.post("/auth/login", json={"email": ANA["email"], "password": mala}).espera(401, ayuda=PARA_EMPEZAR)
    espera_nivel(log.peticion("POST", "/auth/login", 401), "WARNING")
    log.sin(mala, ayuda="Nunca escribas el cuerpo de la petición en el log. " + PISTA_LINEA)


@comprobacion(tarea=2, puntos=1)
def test_el_login_correcto_no_escribe_sus_tokens(client, log):
    """Un inicio de sesión correcto deja su línea (INFO, 200) y ni el access token ni el refresh token salen en el log."""
    registrar(client)
    log.olvidar()
    tokens = entrar(client)
    espera_nivel(log.peticion("POST", "/auth/login", 200), "INFO")
    log.sin(tokens["access_token"], tokens["refresh_token"], ANA["password"])


# ── Tarea 3: refresh ─────────────────────────────────────────────────────────


@comprobacion(tarea=3, puntos=3)
def test_un_refresh_token_canjeado_no_vale_dos_veces(client):
    """POST /auth/refresh devuelve un refresh token nuevo, y el canjeado da 401 TOKEN_REVOKED si vuelve."""
    registrar(client)
    refresh = entrar(client)["refresh_token"]
    r = client.post("/auth/refresh", headers=bearer(refresh)).espera(200, ayuda=PARA_EMPEZAR)
    nuevo = (r.espera_json() or {}).get("refresh_token")
    if not isinstance(nuevo, str) or nuevo == refresh:
        raise Falta('un "refresh_token" nuevo', f"en la respuesta a {r.peticion}", PISTA_ROTAR)
    otra = client.post("/auth/refresh", headers=bearer(refresh))
    cuerpo = otra.espera_error(401, ayuda=PISTA_ROTAR)
    if cuerpo.get("codigo") != "TOKEN_REVOKED":
        raise Desajuste('"codigo": "TOKEN_REVOKED"', mostrar_json(cuerpo), f"en {otra.peticion}", PISTA_ROTAR)


@comprobacion(tarea=3, puntos=1, oculta=True, depende_de=test_un_refresh_token_canjeado_no_vale_dos_veces)
def test_oculta_el_refresh_token_rotado_vale_una_vez(client):
    """El refresh token que da la rotación vale para refrescar (una vez) y su access token sirve en /api/perfil."""
    registrar(client)
    refresh = entrar(client)["refresh_token"]
    for _ in range(3):
        r = client.post("/auth/refresh", headers=bearer(refresh)).espera(200, ayuda=PISTA_ROTAR)
        cuerpo = r.espera_json()
        client.get("/api/perfil", headers=bearer(cuerpo["access_token"])).espera(200, ayuda=PISTA_ROTAR)
        refresh = cuerpo["refresh_token"]


# ── Tarea 4: logout con Redis ────────────────────────────────────────────────


@comprobacion(tarea=4, puntos=2)
def test_en_produccion_sin_redis_no_arranca(fabrica, carpeta):
    """En producción, create_app sin REDIS_URL se niega a arrancar y el error nombra REDIS_URL."""
    mensaje = no_arranca(fabrica, config_de_produccion(carpeta, None), "sin REDIS_URL")
    if "REDIS_URL" not in mensaje:
        raise Desajuste("un error que nombre REDIS_URL", repr(mensaje[:200]), "al crear la app", PISTA_PRODUCCION)


@comprobacion(tarea=4, puntos=2, depende_de=test_en_produccion_sin_redis_no_arranca)
def test_en_produccion_el_logout_revoca_en_redis(fabrica, crear_app, carpeta, redis_de_prueba):
    """En producción, el logout apunta el token en Redis (con caducidad) y ese token da 401 TOKEN_REVOKED."""
    url, prefijo, cliente_redis = redis_de_prueba
    app = crear_de_produccion(fabrica, crear_app, carpeta, url, REDIS_PREFIJO=prefijo)
    client = Cliente(app)
    registrar(client)
    acceso = entrar(client)["access_token"]
    client.post("/auth/logout", headers=bearer(acceso)).espera(200, ayuda=PARA_EMPEZAR)
    jti = jwt.decode(acceso, options={"verify_signature": False})["jti"]
    claves = [c.decode() for c in cliente_redis.scan_iter(f"{prefijo}*")]
    if not any(jti in clave and cliente_redis.ttl(clave) > 0 for clave in claves):
        raise Falta(f"en Redis una clave con el jti {jti} y caducidad", f"tras el logout (claves: {claves})")
    r = client.get("/api/perfil", headers=bearer(acceso))
    if (r.espera_error(401).get("codigo")) != "TOKEN_REVOKED":
        raise Desajuste('"codigo": "TOKEN_REVOKED"', r.contenido(), f"en {r.peticion}")


@comprobacion(tarea=4, puntos=2, limite=20)
def test_salud_dice_si_redis_responde(crear_app, redis_de_prueba, redis_colgado):
    """GET /salud: "redis": "ok" con un Redis vivo; con uno colgado, 503 y "redis": "no responde" en menos de 1 s."""
    url, _, _ = redis_de_prueba
    r = Cliente(crear_app(REDIS_URL=url)).get("/salud").espera(200, ayuda=PISTA_SALUD)
    if (r.espera_json() or {}).get("redis") != "ok":
        raise Desajuste('"redis": "ok"', r.contenido(), f"en {r.peticion} con Redis vivo", PISTA_SALUD)
    antes = time.perf_counter()
    r = Cliente(crear_app(REDIS_URL=redis_colgado)).get("/salud")
    tardanza = time.perf_counter() - antes
    cuerpo = r.espera_error(503, ayuda=PISTA_SALUD)
    if cuerpo.get("redis") != "no responde" or cuerpo.get("codigo") != "SERVICE_UNAVAILABLE":
        raise Desajuste(
            '"redis": "no responde" y "codigo": "SERVICE_UNAVAILABLE"', mostrar_json(cuerpo), "con Redis colgado"
        )
    if tardanza > 1.5:
        raise Fallo(f"GET /salud tardó {tardanza:.1f} s con Redis colgado.", PISTA_SALUD)


# ── Tarea 5: perfil ──────────────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=2)
def test_la_linea_del_perfil_lleva_el_usuario_y_no_el_token(client, log):
    """GET /api/perfil deja una línea con "usuario" (el sub del token) y sin el token ni la cabecera Authorization."""
    usuario = registrar(client)
    acceso = entrar(client)["access_token"]
    log.olvidar()
    client.get("/api/perfil", headers=bearer(acceso)).espera(200, ayuda=PARA_EMPEZAR)
    linea = log.peticion("GET", "/api/perfil", 200)
    if str(linea.get("usuario")) != str(usuario.get("id")):
        raise Desajuste(f'"usuario": "{usuario.get("id")}"', mostrar_json(linea), "en la línea del log", PISTA_LINEA)
    log.sin(acceso, "Bearer ")


# ── Tarea 6: roles ───────────────────────────────────────────────────────────


@comprobacion(tarea=6, puntos=2)
def test_un_403_es_un_aviso_con_el_usuario_y_la_ruta(client, log):
    """Un usuario sin rol admin en /api/admin/usuarios: 403, y en el log un aviso con su id y la ruta."""
    usuario = registrar(client)
    acceso = entrar(client)["access_token"]
    log.olvidar()
    client.get("/api/admin/usuarios", headers=bearer(acceso)).espera(403, ayuda=PARA_EMPEZAR)
    linea = log.peticion("GET", "/api/admin/usuarios", 403)
    espera_nivel(linea, "WARNING")
    if str(linea.get("usuario")) != str(usuario.get("id")):
        raise Desajuste(f'"usuario": "{usuario.get("id")}"', mostrar_json(linea), "en la línea del log", PISTA_LINEA)


# ── Tarea 8: errores ─────────────────────────────────────────────────────────


@comprobacion(tarea=8, puntos=2)
def test_un_500_va_al_log_con_su_traza_y_sin_tokens(crear_app, log):
    """Una excepción: el cliente recibe 500 sin detalles; el log, un ERROR en JSON con la traza y sin el token."""
    app = crear_app()
    token = jwt.encode({"sub": "1", "jti": str(uuid.uuid4())}, secrets.token_hex(32), algorithm="HS256")
    app.ruta_de_prueba("/_comprobacion/fallo", "fallo", f"fallo con Authorization: Bearer {token}")
    log.olvidar()
    r = Cliente(app).get("/_comprobacion/fallo")
    r.espera_error(500, ayuda="Viene hecho de la lección 07.")
    if token in r.texto:
        raise Fallo(f"La respuesta a {r.peticion} enseña el detalle del error.", "Viene hecho de la lección 07.")
    limite = time.monotonic() + ESPERA_LOG
    while not any("traza" in linea for linea in log.leer()) and time.monotonic() < limite:
        time.sleep(0.05)
    errores = [linea for linea in log.lineas if linea.get("nivel") == "ERROR" and "traza" in linea]
    if not errores:
        raise Falta(
            'una línea JSON con "nivel": "ERROR" y su "traza"',
            f"en el log tras {r.peticion} (log: {log.texto.strip()[-300:]!r})",
            'FormatoJSON.format añade "excepcion" y "traza" ("self.formatException") si el registro trae exc_info.',
        )
    log.sin(token)


@comprobacion(tarea=8, puntos=2)
def test_un_token_de_otra_clave_da_401_y_no_sale_en_el_log(client, log):
    """Un token firmado con otra clave: 401 TOKEN_INVALID en español, un aviso en el log y el token, tachado."""
    ahora = int(time.time())
    claims = {"sub": "1", "type": "access", "jti": str(uuid.uuid4()), "iat": ahora, "nbf": ahora, "exp": ahora + 600}
    ajeno = jwt.encode(claims, secrets.token_hex(32), algorithm="HS256")
    log.olvidar()
    r = client.get("/api/perfil", headers=bearer(ajeno))
    if r.espera_error(401, ayuda="Viene hecho de la lección 07.").get("codigo") != "TOKEN_INVALID":
        raise Desajuste('"codigo": "TOKEN_INVALID"', r.contenido(), f"en {r.peticion}", "Viene de la lección 07.")
    espera_nivel(log.peticion("GET", "/api/perfil", 401), "WARNING")
    log.sin(ajeno)


# ── Tarea 9: producción ──────────────────────────────────────────────────────


@comprobacion(tarea=9, puntos=1)
def test_un_entorno_desconocido_no_arranca(fabrica, carpeta):
    """ENTORNO="produccion " (o cualquier nombre que no existe) no arranca: nunca se cae a desarrollo sin avisar."""
    for nombre in ("prod", "produccion "):
        config = {**config_de_produccion(carpeta, "redis://127.0.0.1:6379/0"), "ENTORNO": nombre}
        no_arranca(fabrica, config, f"con ENTORNO={nombre!r}", "elegir() lanza ConfiguracionInsegura.")


@comprobacion(tarea=9, puntos=3)
def test_produccion_sin_secretos_fuertes_no_arranca(fabrica, crear_app, carpeta, redis_de_prueba):
    """En producción arranca con todo bien, y no arranca sin SECRET_KEY, con un JWT_SECRET_KEY corto o con DEBUG."""
    url, prefijo, _ = redis_de_prueba
    crear_de_produccion(fabrica, crear_app, carpeta, url, REDIS_PREFIJO=prefijo)  # bien configurada: arranca
    for que, cambios in (
        ("sin SECRET_KEY", {"SECRET_KEY": None}),
        ("con SECRET_KEY de 16 bytes", {"SECRET_KEY": secrets.token_hex(8)}),
        ("con un JWT_SECRET_KEY de 16 bytes", {"JWT_SECRET_KEY": secrets.token_hex(8)}),
        ("con DEBUG=True", {"DEBUG": True}),
    ):
        no_arranca(fabrica, config_de_produccion(carpeta, url, REDIS_PREFIJO=prefijo, **cambios), que)


@comprobacion(tarea=9, puntos=2)
def test_produccion_sin_base_de_datos_elegida_no_arranca(fabrica, carpeta, redis_de_prueba):
    """En producción, sin DATABASE_URL ni SQLALCHEMY_DATABASE_URI (el SQLite de instance/) no arranca."""
    url, _, _ = redis_de_prueba
    mensaje = no_arranca(fabrica, config_de_produccion(carpeta, url, SQLALCHEMY_DATABASE_URI=None), "sin DATABASE_URL")
    if "DATABASE_URL" not in mensaje:
        raise Desajuste("un error que nombre DATABASE_URL", repr(mensaje[:200]), "al crear la app", PISTA_PRODUCCION)


@comprobacion(tarea=9, puntos=1, oculta=True)
def test_oculta_produccion_no_admite_la_clave_de_la_semilla(fabrica, carpeta, redis_de_prueba):
    """En producción no vale la SECRET_KEY de la semilla («super-secret-key-cambiar-en-produccion»)."""
    url, _, _ = redis_de_prueba
    config = config_de_produccion(carpeta, url, SECRET_KEY="super-secret-key-cambiar-en-produccion")
    no_arranca(fabrica, config, "con la SECRET_KEY de la semilla")


# ── Tarea 10: salud ──────────────────────────────────────────────────────────


@comprobacion(tarea=10, puntos=2)
def test_salud_200_sin_token(client):
    """GET /salud, sin token: 200 {"estado": "ok", "base_de_datos": "ok", "redis": …}."""
    r = client.get("/salud").espera(200, ayuda=PISTA_SALUD)
    cuerpo = r.espera_json()
    if not isinstance(cuerpo, dict) or cuerpo.get("estado") != "ok" or cuerpo.get("base_de_datos") != "ok":
        raise Desajuste('{"estado": "ok", "base_de_datos": "ok", …}', r.contenido(), f"en {r.peticion}", PISTA_SALUD)


@comprobacion(tarea=10, puntos=2)
def test_salud_503_si_la_base_de_datos_no_responde(fabrica, carpeta, redis_de_prueba):
    """Con la base de datos caída: GET /salud da 503 con "base_de_datos": "no responde" (nunca 500 ni 200)."""
    url, prefijo, _ = redis_de_prueba
    config = config_de_produccion(carpeta, url, REDIS_PREFIJO=prefijo, SQLALCHEMY_DATABASE_URI=POSTGRESQL_CERRADO)
    r = Cliente(fabrica(config)).get("/salud")
    cuerpo = r.espera_error(503, ayuda=PISTA_SALUD)
    if cuerpo.get("base_de_datos") != "no responde":
        raise Desajuste('"base_de_datos": "no responde"', mostrar_json(cuerpo), f"en {r.peticion}", PISTA_SALUD)


@comprobacion(tarea=10, puntos=1, oculta=True, depende_de=test_salud_503_si_la_base_de_datos_no_responde)
def test_oculta_salud_no_ensena_urls_ni_errores(fabrica, carpeta, redis_de_prueba):
    """El 503 de /salud no enseña la URL de la base de datos ni el error de la base de datos."""
    url, prefijo, _ = redis_de_prueba
    config = config_de_produccion(carpeta, url, REDIS_PREFIJO=prefijo, SQLALCHEMY_DATABASE_URI=POSTGRESQL_CERRADO)
    r = Cliente(fabrica(config)).get("/salud")
    for pista in ("127.0.0.1", "postgresql", "psycopg", "Connection", "redis://"):
        if pista in r.texto:
            raise Fallo(f"La respuesta a {r.peticion} enseña {pista!r}: {r.contenido()}.", PISTA_SALUD)


# ── Tarea 11: lo de lecciones anteriores sigue funcionando ────────────────────


PISTA_ANTERIORES = (
    "Esto venía hecho de lecciones anteriores: si ahora falla, lo has roto al tocar otra cosa. "
    "Compara el módulo con el de la lección anterior (su primera línea dice de dónde sale)."
)


@comprobacion(tarea=11, puntos=1)
def test_anteriores_registro_login_perfil_y_logout(client):
    """Lo de antes: registro (sin el hash), inicio de sesión, perfil, y el logout revoca el access token (401)."""
    usuario = registrar(client)
    if any("hash" in clave or "password" in clave for clave in usuario):
        raise Fallo(f"La respuesta del registro enseña la contraseña o su hash: {mostrar_json(usuario)}.")
    acceso = entrar(client)["access_token"]
    client.get("/api/perfil", headers=bearer(acceso)).espera(200, ayuda=PISTA_ANTERIORES)
    client.post("/auth/logout", headers=bearer(acceso)).espera(200, ayuda=PISTA_ANTERIORES)
    client.get("/api/perfil", headers=bearer(acceso)).espera(401, ayuda=PISTA_ANTERIORES)


@comprobacion(tarea=11, puntos=1)
def test_anteriores_roles_y_articulos(crear_app):
    """Lo de antes: un admin creado con «flask crear-admin» publica; un usuario recibe 403 al escribir."""
    app = crear_app()
    orden = ["crear-admin", ADA["email"], "--nombre", ADA["nombre"], "--password", ADA["password"]]
    resultado = app.test_cli_runner().invoke(args=orden)
    if resultado.exit_code != 0:
        raise Fallo(f"«flask crear-admin» terminó con el código {resultado.exit_code}: {resultado.output[-300:]}")
    client = Cliente(app)
    admin = entrar(client, ADA)["access_token"]
    r = client.post("/api/articulos", json={"titulo": "Hola", "publicado": True}, headers=bearer(admin))
    r.espera(201, ayuda=PISTA_ANTERIORES).espera_cabecera("Location")
    registrar(client)
    usuario = entrar(client)["access_token"]
    client.post("/api/articulos", json={"titulo": "No"}, headers=bearer(usuario)).espera(403, ayuda=PISTA_ANTERIORES)
    lista = client.get("/api/articulos").espera(200, ayuda=PISTA_ANTERIORES).espera_json()
    if not isinstance(lista, list) or [a.get("titulo") for a in lista] != ["Hola"]:
        raise Desajuste('[{"titulo": "Hola", …}]', mostrar_json(lista), "en GET /api/articulos", PISTA_ANTERIORES)


@comprobacion(tarea=11, puntos=1)
def test_anteriores_errores_en_el_sobre_y_tokens_de_otra_leccion(client):
    """Lo de antes: 404 en el sobre {"error", "codigo"} y un token con el iss de la lección 08 da 401."""
    r = client.get("/no-existe")
    if r.espera_error(404, ayuda=PISTA_ANTERIORES).get("codigo") != "NOT_FOUND":
        raise Desajuste('"codigo": "NOT_FOUND"', r.contenido(), f"en {r.peticion}", PISTA_ANTERIORES)
    registrar(client)
    acceso = entrar(client)["access_token"]
    datos = jwt.decode(acceso, options={"verify_signature": False})
    datos["iss"] = "taller-flask-jwt/leccion-08"  # la de otra lección (el aud, el de esta)
    ajeno = jwt.encode(datos, client.app.config["JWT_SECRET_KEY"], algorithm="HS256")
    client.get("/api/perfil", headers=bearer(ajeno)).espera(401, ayuda=PISTA_ANTERIORES)


@comprobacion(tarea=11, puntos=1)
def test_anteriores_errores_de_jwt_en_espanol(crear_app):
    """Lo de antes: sin token, 401 TOKEN_MISSING; con uno caducado, 401 TOKEN_EXPIRED; con WWW-Authenticate."""
    client = Cliente(crear_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)))
    registrar(client)
    caducado = entrar(client)["access_token"]
    for cabeceras, codigo in (({}, "TOKEN_MISSING"), (bearer(caducado), "TOKEN_EXPIRED")):
        r = client.get("/api/perfil", headers=cabeceras)
        cuerpo = r.espera_error(401, ayuda=PISTA_ANTERIORES)
        if cuerpo.get("codigo") != codigo:
            raise Desajuste(f'"codigo": "{codigo}"', mostrar_json(cuerpo), f"en {r.peticion}", PISTA_ANTERIORES)
        r.espera_cabecera("WWW-Authenticate", ayuda="Todo 401 lleva WWW-Authenticate (lección 07). " + PISTA_ANTERIORES)
