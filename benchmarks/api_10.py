"""Peticiones por segundo de la API final (lección 10) frente a una app mínima de Flask-JWT-Extended.

Uso (desde la raíz del repositorio; hace falta ``wrk``: ``apt-get install wrk``)::

    .venv/bin/python benchmarks/api_10.py [--segundos 5] [--conexiones 16] [--rondas 3]

Las dos apps se sirven igual: gunicorn con 2 procesos (``gthread`` no: el worker
síncrono de ``gunicorn.conf.py``) sobre la misma base de datos PostgreSQL
desechable (con un usuario y 20 artículos publicados). La API final va en
``ENTORNO=produccion``, con su Redis (revocación en cada petición con token) y su
línea de log JSON por petición; la mínima solo verifica el JWT y busca al usuario
(``user_lookup_loader``), como el ejemplo de la documentación de Flask-JWT-Extended, con
sus modelos de Flask-SQLAlchemy sobre las mismas tablas.
``wrk`` carga por loopback ``GET /api/perfil`` (con token) y ``GET /api/articulos``;
cada ronda mide las dos apps, una vez en cada orden, y se muestra la mediana de las
rondas y el cociente (objetivo: ≥ 0,7). Debajo, la CPU que gasta cada petición en
cada proceso (los de gunicorn, Redis, PostgreSQL y el propio ``wrk``): dice dónde
está la diferencia. Termina con 0 si se cumple el objetivo y con 1 si no.
"""

import argparse
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
SOLUCION = RAIZ / "solutions" / "10_proyecto_final"
SERVIDOR_PG = os.environ.get("TALLER_POSTGRES", "postgresql://postgres@127.0.0.1/postgres")
REDIS_URL = os.environ.get("TALLER_REDIS_10", "redis://127.0.0.1:6379/10")
ANA = {"email": "ana@example.com", "password": "clave-secreta-de-ana", "nombre": "Ana"}
OBJETIVO = 0.7
RUTAS = ("/api/perfil", "/api/articulos")


def crear_minima():
    """La app mínima: el ejemplo de Flask-JWT-Extended (``user_lookup_loader``) con sus modelos. Nada más."""
    from flask import Flask, jsonify
    from flask_jwt_extended import JWTManager, current_user, jwt_required
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config.update(
        JWT_SECRET_KEY=os.environ["JWT_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
        JWT_DECODE_ISSUER="taller-flask-jwt/leccion-10",  # los tokens son los de la API final
        JWT_DECODE_AUDIENCE="taller-flask-jwt/leccion-10/api",
    )
    db = SQLAlchemy(app)
    jwt = JWTManager(app)

    class Usuario(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(254))
        nombre = db.Column(db.String(100))
        rol = db.Column(db.String(20))

    class Articulo(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        titulo = db.Column(db.String(200))
        contenido = db.Column(db.Text)
        publicado = db.Column(db.Boolean)
        creado_en = db.Column(db.DateTime(timezone=True))
        actualizado_en = db.Column(db.DateTime(timezone=True))
        autor_id = db.Column(db.Integer)

    @jwt.user_lookup_loader
    def buscar(_cabecera, datos):
        return db.session.get(Usuario, int(datos["sub"]))

    @app.get("/api/perfil")
    @jwt_required()
    def perfil():
        return jsonify(id=current_user.id, email=current_user.email, nombre=current_user.nombre, rol=current_user.rol)

    @app.get("/api/articulos")
    def articulos():
        consulta = db.select(Articulo).where(Articulo.publicado).order_by(Articulo.id)
        campos = ("id", "titulo", "contenido", "publicado", "autor_id")
        return jsonify(
            [
                {c: getattr(a, c) for c in campos}
                | {"creado_en": a.creado_en.isoformat(), "actualizado_en": a.actualizado_en.isoformat()}
                for a in db.session.scalars(consulta)
            ]
        )

    return app


def ejecutable(nombre):
    return str(Path(sys.executable).with_name(nombre))


def puerto_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def arrancar(orden, carpeta, entorno, url, log):
    proceso = subprocess.Popen(
        orden, cwd=carpeta, env=entorno, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    import requests

    limite = time.monotonic() + 30
    while time.monotonic() < limite:
        try:
            requests.get(url + "/api/articulos", timeout=1)
            return proceso
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proceso.pid, signal.SIGKILL)
    sys.exit(f"No arrancó: {' '.join(orden)}")


def parar(proceso):
    os.killpg(proceso.pid, signal.SIGTERM)
    proceso.wait(timeout=15)


def segundos_de_cpu(pids):
    """La CPU (usuario + sistema, en segundos) que llevan gastada los procesos ``pids`` (los que aún existen)."""
    total = 0
    for pid in pids:
        try:
            campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(campos[11]) + int(campos[12])  # utime y stime, en ticks
    return total / os.sysconf("SC_CLK_TCK")


def con_sus_hijos(pid):
    """``pid`` y sus procesos hijos (el maestro de gunicorn y sus workers)."""
    hijos = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, hijos)]


def wrk(url, token, segundos, conexiones, procesos):
    """Peticiones por segundo que ``wrk`` mide contra ``url`` y la CPU por petición de cada grupo de ``procesos``."""
    cabecera = ["-H", f"Authorization: Bearer {token}"] if token else []
    antes = {grupo: segundos_de_cpu(pids()) for grupo, pids in procesos.items()}
    wrk_antes = resource.getrusage(resource.RUSAGE_CHILDREN)
    salida = subprocess.run(
        ["wrk", "-t2", f"-c{conexiones}", f"-d{segundos}s", *cabecera, url], capture_output=True, text=True, check=True
    ).stdout
    wrk_despues = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "Non-2xx" in salida:
        sys.exit(f"wrk recibió respuestas que no son 2xx de {url}:\n{salida}")
    peticiones = int(re.search(r"(\d+) requests in", salida)[1])
    cpu = {grupo: segundos_de_cpu(pids()) - antes[grupo] for grupo, pids in procesos.items()}
    cpu["wrk"] = sum(getattr(wrk_despues, c) - getattr(wrk_antes, c) for c in ("ru_utime", "ru_stime"))
    ms_por_peticion = {grupo: segundos * 1000 / peticiones for grupo, segundos in cpu.items()}
    return float(re.search(r"Requests/sec:\s+([\d.]+)", salida)[1]), ms_por_peticion


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segundos", type=int, default=5)
    parser.add_argument("--conexiones", type=int, default=16)
    parser.add_argument("--rondas", type=int, default=4)
    args = parser.parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        sys.exit("Falta wrk: apt-get install wrk")
    import psycopg
    import requests

    nombre = f"taller_bench10_{secrets.token_hex(4)}"
    servidor = psycopg.connect(SERVIDOR_PG, autocommit=True)
    servidor.execute(f"CREATE DATABASE {nombre}")
    database_url = SERVIDOR_PG.rsplit("/", 1)[0] + "/" + nombre
    prefijo = f"bench-l10-{secrets.token_hex(4)}:"
    entorno = os.environ | {
        "ENTORNO": "produccion",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIJO": prefijo,
        "WEB_CONCURRENCY": "2",
    }
    procesos = []
    try:
        subprocess.run(
            [ejecutable("flask"), "--app", "api", "db", "upgrade"],
            cwd=SOLUCION,
            env=entorno,
            check=True,
            capture_output=True,
        )
        with psycopg.connect(database_url, autocommit=True) as conexion, conexion.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO articulo (titulo, contenido, publicado, creado_en, actualizado_en) VALUES (%s, %s, true, now(), now())",
                [(f"Artículo {i}", "Texto " * 50) for i in range(20)],
            )
        carpeta = Path(tempfile.mkdtemp(prefix="bench10-"))
        urls = {"API final": f"http://127.0.0.1:{puerto_libre()}", "mínima": f"http://127.0.0.1:{puerto_libre()}"}
        gunicorn = [ejecutable("gunicorn"), "-c", str(SOLUCION / "gunicorn.conf.py")]
        procesos.append(
            arrancar(
                gunicorn,
                SOLUCION,
                entorno | {"GUNICORN_BIND": urls["API final"][7:]},
                urls["API final"],
                open(carpeta / "final.log", "ab"),
            )
        )
        procesos.append(
            arrancar(
                [*gunicorn, "--chdir", str(Path(__file__).parent), "api_10:crear_minima()"],
                SOLUCION,
                entorno | {"GUNICORN_BIND": urls["mínima"][7:]},
                urls["mínima"],
                open(carpeta / "minima.log", "ab"),
            )
        )
        base = urls["API final"]
        assert requests.post(base + "/auth/registro", json=ANA, timeout=10).status_code == 201
        credenciales = {"email": ANA["email"], "password": ANA["password"]}
        token = requests.post(base + "/auth/login", json=credenciales, timeout=10).json()["access_token"]
        import redis

        pid_de_redis = redis.Redis.from_url(REDIS_URL).info("server")["process_id"]

        def backends():  # los procesos de PostgreSQL que sirven esta base de datos
            filas = servidor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (nombre,))
            return [pid for (pid,) in filas]

        grupos = {
            app: {
                "gunicorn": lambda p=proceso: con_sus_hijos(p.pid),
                "Redis": lambda: [pid_de_redis],
                "PostgreSQL": backends,
            }
            for app, proceso in zip(urls, procesos, strict=True)
        }
        medidas = {(app, ruta): [] for app in urls for ruta in RUTAS}
        cpu = {(app, ruta): [] for app in urls for ruta in RUTAS}
        for app, url in urls.items():  # calentamiento
            for ruta in RUTAS:
                wrk(url + ruta, token if ruta == "/api/perfil" else None, 1, args.conexiones, grupos[app])
        for ronda in range(args.rondas):
            for ruta in RUTAS:
                orden = list(urls.items()) if ronda % 2 == 0 else list(urls.items())[::-1]  # ninguna va siempre primero
                for app, url in orden:
                    por_segundo, ms = wrk(
                        url + ruta,
                        token if ruta == "/api/perfil" else None,
                        args.segundos,
                        args.conexiones,
                        grupos[app],
                    )
                    medidas[app, ruta].append(por_segundo)
                    cpu[app, ruta].append(ms)
    finally:
        for proceso in procesos:
            parar(proceso)
        servidor.execute(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")
        cliente = redis.Redis.from_url(REDIS_URL)
        claves = [*cliente.scan_iter(f"{prefijo}*"), *cliente.scan_iter(f"LIMITS:LIMITER/{prefijo}*")]
        if claves:
            cliente.delete(*claves)
    print(
        f"gunicorn -w 2 (worker síncrono), wrk -t2 -c{args.conexiones} -d{args.segundos}s, mediana de {args.rondas} rondas"
    )
    print(f"{'ruta':<16} {'API final':>12} {'mínima':>12} {'cociente':>9}")
    cumple = True
    for ruta in RUTAS:
        final = statistics.median(medidas["API final", ruta])
        minima = statistics.median(medidas["mínima", ruta])
        cumple &= final / minima >= OBJETIVO
        print(f"{ruta:<16} {final:>9.0f}/s {minima:>9.0f}/s {final / minima:>9.2f}")
    print(f"Objetivo (≥ {OBJETIVO} × la mínima): {'se cumple' if cumple else 'NO se cumple'}")
    print("\nCPU por petición (ms, mediana de las rondas):")
    columnas = ("gunicorn", "Redis", "PostgreSQL", "wrk")
    print(f"{'ruta':<16} {'app':<10}" + "".join(f"{c:>11}" for c in columnas) + f"{'total':>9}")
    for ruta in RUTAS:
        for app in urls:
            medianas = {c: statistics.median(ms[c] for ms in cpu[app, ruta]) for c in columnas}
            cifras = "".join(f"{medianas[c]:>11.3f}" for c in columnas)
            print(f"{ruta:<16} {app:<10}{cifras}{sum(medianas.values()):>9.3f}")
    return 0 if cumple else 1


if __name__ == "__main__":
    sys.exit(main())
