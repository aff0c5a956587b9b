"""La API final como en producción: gunicorn con 2 procesos, PostgreSQL y Redis de verdad.

Se mide, no se afirma: un token revocado se rechaza en los dos procesos y tras
reiniciar gunicorn; el límite de intentos del login es uno para los dos
procesos; y las migraciones llevan una base de datos con datos de la lección 02
a la última revisión sin perder nada. Cada proceso firma sus líneas de log
(``proceso``), así se sabe que contestaron los dos. Un solo gunicorn para el
módulo (se reinicia una vez), detrás de un «proxy» de confianza: cada prueba
llega con su IP en ``X-Forwarded-For``.

Usa el PostgreSQL de ``TALLER_POSTGRES`` (por defecto el de 127.0.0.1, usuario
postgres) con bases de datos desechables, y el Redis de ``TALLER_REDIS_10``
(base 10, un prefijo propio). Si falta alguno, las pruebas FALLAN: lo que
aquí se mide no se puede dar por bueno sin medirlo.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import bcrypt
import psycopg
import pytest
import redis
import requests
import sqlalchemy
from conftest import RAIZ, cargar_app, modulo_de

SOLUCION = RAIZ / "solutions" / "10_proyecto_final"
SERVIDOR_PG = os.environ.get("TALLER_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")
REDIS_10 = os.environ.get("TALLER_REDIS_10", "redis://127.0.0.1:6379/10")
ANA = {"email": "ana@example.com", "password": "clave-secreta-de-ana", "nombre": "Ana"}
PETICIONES = 40


# ── Los servicios: fallan si no están ────────────────────────────────────────


@pytest.fixture(scope="module")
def postgresql():
    """Crea bases de datos desechables en el PostgreSQL de la máquina y las borra al terminar."""
    try:
        conexion = psycopg.connect(SERVIDOR_PG, autocommit=True, connect_timeout=2)
    except psycopg.Error as e:
        pytest.fail(f"No hay PostgreSQL en {SERVIDOR_PG} ({e}): arráncalo o indica otro con TALLER_POSTGRES.")
    creadas = []

    def crear():
        nombre = f"taller_l10_{secrets.token_hex(4)}"
        conexion.execute(f"CREATE DATABASE {nombre}")
        creadas.append(nombre)
        return SERVIDOR_PG.rsplit("/", 1)[0] + "/" + nombre

    yield crear
    for nombre in creadas:
        conexion.execute(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")
    conexion.close()


@pytest.fixture(scope="module")
def redis_10():
    """(url, prefijo) en el Redis de la máquina; borra sus claves al terminar."""
    cliente = redis.Redis.from_url(REDIS_10, socket_connect_timeout=1, socket_timeout=2)
    try:
        cliente.ping()
    except redis.RedisError as e:
        pytest.fail(f"No hay Redis en {REDIS_10} ({e}): arráncalo (redis-server) o indica otro con TALLER_REDIS_10.")
    prefijo = f"prueba-l10-{secrets.token_hex(4)}:"
    yield REDIS_10, prefijo
    claves = [*cliente.scan_iter(f"{prefijo}*"), *cliente.scan_iter(f"LIMITS:LIMITER/{prefijo}*")]  # y las del límite
    if claves:
        cliente.delete(*claves)
    cliente.close()


def entorno_de_produccion(database_url, redis_url, prefijo):
    """Las variables de entorno de un despliegue: ENTORNO=produccion y todo lo que exige."""
    entorno = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_", "FLASK_"))}
    return entorno | {
        "ENTORNO": "produccion",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIJO": prefijo,
        "PYTHONUNBUFFERED": "1",
    }


def config_de(entorno):
    """La configuración de ``create_app`` que equivale a ``entorno`` (para crear la app en este proceso)."""
    claves = ("ENTORNO", "JWT_SECRET_KEY", "SECRET_KEY", "REDIS_URL", "REDIS_PREFIJO")
    return {clave: entorno[clave] for clave in claves} | {"SQLALCHEMY_DATABASE_URI": entorno["DATABASE_URL"]}


def flask(entorno, *argumentos):
    """``flask --app api …`` con la app de ``entorno`` (en este proceso); falla si no termina bien."""
    resultado = cargar_app(SOLUCION / "api")(config_de(entorno)).test_cli_runner().invoke(args=list(argumentos))
    assert resultado.exit_code == 0, f"{' '.join(argumentos)}: {resultado.output} {resultado.exception!r}"
    return resultado.output


# ── gunicorn con gunicorn.conf.py ────────────────────────────────────────────


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py`` de la solución, en su propio grupo de procesos (se mata entero)."""

    def __init__(self, entorno, log):
        self.entorno, self.log_ruta = entorno, log

    def arrancar(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            puerto = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{puerto}"
        self.log = open(self.log_ruta, "ab")
        self.proceso = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--graceful-timeout", "2"],
            cwd=SOLUCION,
            env=self.entorno | {"GUNICORN_BIND": f"127.0.0.1:{puerto}", "WEB_CONCURRENCY": "2"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        limite = time.monotonic() + 30
        while True:
            if self.proceso.poll() is not None or time.monotonic() > limite:
                self.parar()
                pytest.fail("gunicorn no arrancó:\n" + Path(self.log_ruta).read_text(errors="replace")[-3000:])
            try:
                if requests.get(self.url + "/salud", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)

    def reiniciar(self):
        """Para todos los procesos y arranca otros, con el mismo entorno (la misma base de datos y Redis)."""
        self.parar()
        return self.arrancar()

    def parar(self):
        if self.proceso.poll() is None:
            os.killpg(self.proceso.pid, signal.SIGTERM)
            try:
                self.proceso.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proceso.pid, signal.SIGKILL)
                self.proceso.wait()
        self.log.close()

    def lineas(self):
        """Las líneas JSON del log (las de la app; gunicorn escribe las suyas en texto)."""
        lineas = []
        for texto in Path(self.log_ruta).read_text(errors="replace").splitlines():
            try:
                lineas.append(json.loads(texto))
            except ValueError:
                continue
        return [linea for linea in lineas if isinstance(linea, dict)]


@pytest.fixture(scope="module")
def servidor(postgresql, redis_10, tmp_path_factory):
    """La solución en gunicorn -w 2 sobre una base PostgreSQL migrada, detrás de un «proxy» de confianza.

    Con ``PROXIES_DE_CONFIANZA=1`` la app cree a ``X-Forwarded-For`` (como detrás de nginx): cada
    prueba usa su propia IP y no gasta los intentos de login de las demás.
    """
    url, prefijo = redis_10
    entorno = entorno_de_produccion(postgresql(), url, prefijo) | {"PROXIES_DE_CONFIANZA": "1"}
    flask(entorno, "db", "upgrade")
    gunicorn = Gunicorn(entorno, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log").arrancar()
    yield gunicorn
    gunicorn.parar()


def bearer(token, ip="10.0.0.1"):
    return {"Authorization": f"Bearer {token}", "X-Forwarded-For": ip}


def pedir(metodo, servidor, ruta, ip, **kw):
    """Una petición desde la IP ``ip`` (la que pone el proxy en X-Forwarded-For)."""
    cabeceras = {"X-Forwarded-For": ip} | kw.pop("headers", {})
    return requests.request(metodo, servidor.url + ruta, headers=cabeceras, timeout=10, **kw)


def contar(url, token, veces=PETICIONES):
    """Los estados de ``veces`` peticiones a /api/perfil con ``token``, cada una en una conexión nueva."""
    return Counter(
        requests.get(f"{url}/api/perfil", headers=bearer(token), timeout=10).status_code for _ in range(veces)
    )


def contar_en_los_dos(servidor, token, maximo=400):
    """Como ``contar``, pero sigue (hasta ``maximo``) hasta que el log muestra que contestaron los dos procesos.

    El núcleo reparte las conexiones entre los procesos como quiere: con la máquina cargada, a veces
    da decenas seguidas al mismo.
    """
    estados = contar(servidor.url, token)
    while len(procesos_que_contestaron(servidor, "/api/perfil")) < 2 and sum(estados.values()) < maximo:
        estados += contar(servidor.url, token, 10)
    return estados


def procesos_que_contestaron(servidor, ruta):
    return {linea["proceso"] for linea in servidor.lineas() if linea.get("ruta") == ruta}


# ── Las pruebas ──────────────────────────────────────────────────────────────


def test_el_limite_del_login_es_uno_para_los_dos_procesos(servidor):
    bea = {"email": "bea@example.com", "password": "clave-secreta-de-bea", "nombre": "Bea"}
    assert pedir("POST", servidor, "/auth/registro", "10.0.0.2", json=bea).status_code == 201
    malas = {"email": bea["email"], "password": "no-es-la-clave-de-bea"}
    estados = Counter()
    while sum(estados.values()) < 12 or (
        len(procesos_que_contestaron(servidor, "/auth/login")) < 2 and sum(estados.values()) < 300
    ):
        estados[pedir("POST", servidor, "/auth/login", "10.0.0.2", json=malas).status_code] += 1
    assert estados[401] == 5 and set(estados) == {401, 429}, estados  # LIMITE_LOGIN: 5 por minuto, en Redis
    assert len(procesos_que_contestaron(servidor, "/auth/login")) == 2, "solo contestó un proceso de gunicorn"
    otra_ip = pedir("POST", servidor, "/auth/login", "10.0.0.3", json=malas)
    assert otra_ip.status_code == 401  # el límite por IP es de esa IP (el de la cuenta, 20 por hora, aún no)


def test_la_revocacion_vale_en_los_dos_procesos_y_tras_reiniciar(servidor):
    assert pedir("POST", servidor, "/auth/registro", "10.0.0.1", json=ANA).status_code == 201
    credenciales = {"email": ANA["email"], "password": ANA["password"]}
    revocado = pedir("POST", servidor, "/auth/login", "10.0.0.1", json=credenciales).json()
    vivo = pedir("POST", servidor, "/auth/login", "10.0.0.1", json=credenciales).json()
    assert pedir("POST", servidor, "/auth/logout", "10.0.0.1", headers=bearer(revocado["access_token"])).ok
    estados = contar_en_los_dos(servidor, revocado["access_token"])
    assert set(estados) == {401} and sum(estados.values()) >= PETICIONES, estados
    assert len(procesos_que_contestaron(servidor, "/api/perfil")) == 2, "solo contestó un proceso de gunicorn"
    assert contar(servidor.url, vivo["access_token"], 10) == Counter({200: 10})
    refresco = pedir("POST", servidor, "/auth/refresh", "10.0.0.1", headers=bearer(revocado["refresh_token"]))
    assert refresco.status_code == 401  # el logout revocó también el refresh token de esa sesión
    servidor.reiniciar()  # la misma base de datos, el mismo Redis, procesos nuevos
    assert contar(servidor.url, revocado["access_token"], 10) == Counter({401: 10})
    assert contar(servidor.url, vivo["access_token"], 10) == Counter({200: 10})


def test_los_logs_de_produccion_no_llevan_tokens_ni_contrasenas(servidor):
    # Su propia usuaria: con -n 2, pytest-xdist no siempre ejecuta este módulo en orden (Ana la registra otra prueba).
    dani = {"email": "dani@example.com", "password": "clave-secreta-de-dani", "nombre": "Dani"}
    assert pedir("POST", servidor, "/auth/registro", "10.0.0.4", json=dani).status_code == 201
    credenciales = {"email": dani["email"], "password": dani["password"]}
    login = pedir("POST", servidor, "/auth/login", "10.0.0.4", json=credenciales)
    assert login.status_code == 200, (login.status_code, login.text)
    tokens = login.json()
    pedir("GET", servidor, "/api/perfil", "10.0.0.4", headers=bearer(tokens["access_token"]))
    pedir("GET", servidor, f"/api/perfil?token={tokens['access_token']}", "10.0.0.4")  # un cliente descuidado
    pedir(
        "POST",
        servidor,
        "/auth/logout",
        "10.0.0.4",
        headers=bearer(tokens["access_token"]) | {"Cookie": "sesion=secreto-de-la-cookie"},
        json={"refresh_token": tokens["refresh_token"]},
    )
    texto = Path(servidor.log_ruta).read_text(errors="replace")
    for secreto in (tokens["access_token"], tokens["refresh_token"], dani["password"], "secreto-de-la-cookie"):
        assert secreto not in texto
    assert "Bearer ey" not in texto  # ni la cabecera Authorization ni la Cookie van al log
    lineas = [linea for linea in servidor.lineas() if linea.get("evento") == "peticion"]
    assert {"10.0.0.4"} <= {linea["ip"] for linea in lineas}  # la IP del cliente, la que dice el proxy


def revision(database_url):
    """La revisión de Alembic en la que está la base de datos (su tabla alembic_version)."""
    with psycopg.connect(database_url) as conexion:
        return conexion.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_las_migraciones_actualizan_una_base_con_datos_sin_perderlos(postgresql, redis_10, tmp_path):
    """Una base de datos en la revisión 0001 (las tablas de la lección 02) con un usuario y un artículo sube a la última."""
    url_redis, prefijo = redis_10
    database_url = postgresql()
    entorno = entorno_de_produccion(database_url, url_redis, prefijo)
    flask(entorno, "db", "upgrade", "0001")
    hash_ = bcrypt.hashpw(ANA["password"].encode(), bcrypt.gensalt(rounds=4)).decode()
    with psycopg.connect(database_url, autocommit=True) as conexion:
        conexion.execute(
            "INSERT INTO usuario (email, nombre, password_hash) VALUES (%s, %s, %s)", (ANA["email"], "Ana", hash_)
        )
        conexion.execute(
            "INSERT INTO articulo (titulo, contenido, publicado, creado_en, actualizado_en, autor_id) "
            "VALUES ('De la lección 02', 'Sigue aquí', true, now(), now(), 1)"
        )
    app = cargar_app(SOLUCION / "api")(config_de(entorno))
    antes = app.test_client().get("/api/articulos")
    assert antes.status_code == 503 and "db upgrade" in antes.get_json()["error"]  # pide migrar; no borra
    assert revision(database_url) == "0001"
    flask(entorno, "db", "upgrade")
    assert revision(database_url) == "0003"  # 0003: las identidades de «Iniciar sesión con…» (lección 09)
    client = cargar_app(SOLUCION / "api")(config_de(entorno)).test_client()
    [articulo] = client.get("/api/articulos").get_json()
    assert (articulo["titulo"], articulo["contenido"], articulo["autor_id"]) == ("De la lección 02", "Sigue aquí", 1)
    login = client.post("/auth/login", json={"email": ANA["email"], "password": ANA["password"]})
    assert login.status_code == 200  # la contraseña de antes sigue valiendo
    perfil = client.get("/api/perfil", headers=bearer(login.get_json()["access_token"])).get_json()
    assert perfil == {"id": 1, "email": ANA["email"], "nombre": "Ana", "rol": "usuario"}  # el rol nuevo, por defecto


# Las comprobaciones, sin jaula (la jaula no tiene red para llegar a PostgreSQL): la solución es de confianza.
SIN_JAULA = """import os, sys, psycopg, pytest
from taller import jaula, plugin
jaula._jaula_disponible = False
codigo = pytest.main()
con_usuarios = 0  # las bases en las que la app creó sus tablas (las migraciones de la solución)
for nombre in plugin.BASES_EN_POSTGRES:
    url = os.environ["TALLER_COMPROBAR_EN_POSTGRES"].rsplit("/", 1)[0] + "/" + nombre
    with psycopg.connect(url) as conexion:
        con_usuarios += conexion.execute("SELECT to_regclass('usuario') IS NOT NULL").fetchone()[0]
print("bases en PostgreSQL:", len(plugin.BASES_EN_POSTGRES), con_usuarios)
sys.exit(codigo)"""
SOLO_SQLITE = "test_la_migracion_crea_la_tabla_de_identidades_sin_perder_datos"  # lee el archivo SQLite de la app


def test_las_comprobaciones_de_la_leccion_pasan_con_postgresql(postgresql):
    """La solución pasa las comprobaciones de la lección 10 (públicas y ocultas) con su base de datos en PostgreSQL.

    Cada comprobación crea su app sobre una base nueva del servidor (``TALLER_COMPROBAR_EN_POSTGRES``); las de
    producción siguen con su SQLite, y la de la migración 0003, que lee el archivo SQLite, se prueba aparte
    (``test_las_migraciones_actualizan_una_base_con_datos_sin_perderlos``).
    """
    postgresql()  # falla aquí, con su mensaje, si no hay PostgreSQL
    orden = [sys.executable, "-c", SIN_JAULA, "-p", "no:cacheprovider", "-q", "-p", "no:randomly"]
    orden += [str(RAIZ / "checks" / "10_proyecto_final"), "--objetivo", str(SOLUCION), "-k", f"not {SOLO_SQLITE}"]
    entorno = os.environ | {"TALLER_COMPROBAR_EN_POSTGRES": SERVIDOR_PG}
    r = subprocess.run(orden, capture_output=True, text=True, cwd=RAIZ, env=entorno, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    resumen, bases = r.stdout.strip().splitlines()[-2:]
    assert re.search(r"\b(2[6-9]|[3-9]\d) passed", resumen) and "failed" not in resumen, resumen
    creadas, con_tablas = map(int, bases.removeprefix("bases en PostgreSQL: ").split())
    assert creadas >= 20 and con_tablas >= 20, bases  # una por comprobación con app, y la app la usó
    with psycopg.connect(SERVIDOR_PG, autocommit=True) as conexion:  # y no dejan ninguna base detrás
        assert not conexion.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'taller_comprobacion_%'"
        ).fetchall()


@pytest.mark.parametrize("motor", ["sqlite", "postgresql"])
def test_una_tabla_que_falta_da_503_y_la_nombra(motor, postgresql, redis_10, tmp_path):
    """Sin la tabla «identidad» (una migración 0003 que no la crea), lo que la usa da 503 y dice qué tabla falta.

    Ni un 500 (PostgreSQL lo lanza como ``ProgrammingError``) ni «la base de datos no
    responde» (SQLite, como ``OperationalError``): el estudiante sabe qué mirar.
    """
    url_redis, prefijo = redis_10
    database_url = postgresql() if motor == "postgresql" else f"sqlite:///{tmp_path / 'api.sqlite'}"
    entorno = entorno_de_produccion(database_url, url_redis, prefijo)
    flask(entorno, "db", "upgrade")
    fabrica = cargar_app(SOLUCION / "api")
    app = fabrica(config_de(entorno))
    db = app.extensions["sqlalchemy"]
    identidad = modulo_de(fabrica, "cuentas").Identidad
    with app.app_context():
        db.session.execute(sqlalchemy.text("DROP TABLE identidad"))
        db.session.commit()
    app.add_url_rule(
        "/identidades", "identidades", lambda: {"hay": len(db.session.scalars(db.select(identidad)).all())}
    )
    r = app.test_client().get("/identidades")
    assert r.status_code == 503, r.get_data(as_text=True)
    assert "«identidad»" in r.get_json()["error"] and "db upgrade" in r.get_json()["error"]


def test_el_esquema_de_las_migraciones_es_el_de_los_modelos(postgresql, redis_10):
    """Alembic no encuentra ninguna diferencia entre la base migrada y los modelos (en PostgreSQL)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    url_redis, prefijo = redis_10
    database_url = postgresql()
    entorno = entorno_de_produccion(database_url, url_redis, prefijo)
    flask(entorno, "db", "upgrade")
    app = cargar_app(SOLUCION / "api")(config_de(entorno))
    db = app.extensions["sqlalchemy"]
    with app.app_context(), db.engine.connect() as conexion:
        diferencias = compare_metadata(MigrationContext.configure(conexion, opts={"compare_type": True}), db.metadata)
    assert diferencias == []


def test_gunicorn_corta_las_cabeceras_enormes_antes_de_la_app(servidor):
    """``limit_request_field_size`` (gunicorn.conf.py): una cabecera de 9000 bytes no llega a Flask."""
    r = pedir("GET", servidor, "/api/perfil", "10.0.0.5", headers={"Authorization": "Bearer " + "a" * 9000})
    assert r.status_code == 431 and "json" not in r.headers.get("Content-Type", "")  # el 431 es de gunicorn
    assert not [linea for linea in servidor.lineas() if linea.get("ip") == "10.0.0.5"]  # la app no la vio
    assert pedir("GET", servidor, "/salud", "10.0.0.5").status_code == 200
