"""Cuánto cuesta por petición comprobar si un token está revocado (lección 05): memoria, SQLite y Redis.

Uso (desde la raíz del repositorio)::

    .venv/bin/python benchmarks/revocacion_05.py [--repeticiones 7] [--numero 300]

Con la demo de la lección 05 (``lessons/05_revocacion/app.py``) y el cliente de
pruebas de Flask, mide ``GET /api/perfil`` con un token válido:

* sin comprobación de revocación (el ``token_in_blocklist_loader`` devuelve ``False``
  sin mirar nada): la referencia;
* con el almacén ``memoria`` (el ``set()`` de la semilla), ``sqlite`` (una tabla con
  algunos miles de tokens revocados) y ``redis`` (127.0.0.1:6379, base de datos 7,
  un prefijo propio que se borra al terminar; si no hay Redis, se dice y se salta).

Tras un calentamiento, cada medida se repite N veces, intercaladas entre almacenes, y se
muestra la mediana en µs por petición y la diferencia con la referencia. No
escribe nada en el repositorio (la base de datos va a una carpeta temporal).
"""

import argparse
import importlib.util
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis

RAIZ = Path(__file__).resolve().parent.parent
DEMO = RAIZ / "lessons" / "05_revocacion" / "app.py"
REDIS_URL = "redis://127.0.0.1:6379/7"
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana"}
REVOCADOS_PREVIOS = 5000  # tokens ya revocados en el almacén: la consulta no es sobre una tabla vacía


def cargar_demo():
    especificacion = importlib.util.spec_from_file_location("leccion05_benchmark", DEMO)
    modulo = importlib.util.module_from_spec(especificacion)
    sys.modules[especificacion.name] = modulo
    especificacion.loader.exec_module(modulo)
    return modulo


def preparar(demo, carpeta, almacen, prefijo):
    """Un cliente de pruebas con Ana, su token y ``REVOCADOS_PREVIOS`` tokens revocados en el almacén."""
    app = demo.create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{carpeta / (almacen + '.sqlite')}",
            "JWT_SECRET_KEY": secrets.token_hex(32),
            "BCRYPT_LOG_ROUNDS": 4,
            "ALMACEN_REVOCADOS": "sqlite" if almacen == "sin comprobación" else almacen,
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIJO": prefijo,
        }
    )
    app.logger.disabled = True  # el aviso del almacén en memoria ya lo conocemos
    app.test_cli_runner().invoke(args=["crear-usuario", ANA["email"], "--nombre", "Ana", "--password", ANA["password"]])
    caduca = int(time.time()) + 3600
    jtis = [secrets.token_hex(16) for _ in range(REVOCADOS_PREVIOS)]
    with app.app_context():
        if almacen == "memoria":
            demo.tokens_revocados.update(jtis)
        elif almacen == "redis":
            tuberia = demo.almacen().redis.pipeline(transaction=False)
            for jti in jtis:
                tuberia.set(f"{prefijo}jti:{jti}", "revocado", ex=3600)
            tuberia.execute()
        else:
            demo.db.session.add_all(demo.TokenRevocado(jti=jti, caduca_en=caduca) for jti in jtis)
            demo.db.session.commit()
    if almacen == "sin comprobación":
        app.extensions["flask-jwt-extended"]._token_in_blocklist_callback = lambda cabecera, datos: False
    client = app.test_client()
    token = client.post("/auth/login", json=ANA).get_json()["access_token"]
    cabeceras = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/perfil", headers=cabeceras).status_code == 200
    return client, cabeceras


def medir(clientes, repeticiones, numero):
    """Mediana y mínimo en µs por petición de cada almacén.

    Las repeticiones se intercalan (una ronda de cada almacén, y otra vez): si la máquina se
    carga a mitad de la medida, les toca a todos por igual.
    """
    for client, cabeceras in clientes.values():
        for _ in range(50):  # calentamiento
            client.get("/api/perfil", headers=cabeceras)
    tiempos = {almacen: [] for almacen in clientes}
    for _ in range(repeticiones):
        for almacen, (client, cabeceras) in clientes.items():
            inicio = time.perf_counter()
            for _ in range(numero):
                client.get("/api/perfil", headers=cabeceras)
            tiempos[almacen].append((time.perf_counter() - inicio) / numero * 1e6)
    return {almacen: (statistics.median(t), min(t)) for almacen, t in tiempos.items()}


def hay_redis():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticiones", type=int, default=7)
    parser.add_argument("--numero", type=int, default=300, help="peticiones por repetición")
    args = parser.parse_args(argv)

    demo = cargar_demo()
    prefijo = f"benchmark05-{secrets.token_hex(4)}:"
    almacenes = ["sin comprobación", "memoria", "sqlite"] + (["redis"] if hay_redis() else [])
    if "redis" not in almacenes:
        print(f"No hay Redis en {REDIS_URL}: se omite esa fila (arráncalo con redis-server).")
    print(
        f"GET /api/perfil con el cliente de pruebas de Flask; {args.repeticiones} × {args.numero} peticiones, "
        f"{REVOCADOS_PREVIOS} tokens ya revocados en cada almacén.\n"
    )
    print(f"{'almacén':<18}{'mediana µs':>12}{'mínimo µs':>12}{'coste (mediana)':>18}{'coste (mínimo)':>17}")
    try:
        with tempfile.TemporaryDirectory() as carpeta:
            clientes = {almacen: preparar(demo, Path(carpeta), almacen, prefijo) for almacen in almacenes}
            resultados = medir(clientes, args.repeticiones, args.numero)
            referencia = resultados["sin comprobación"]
            for almacen, (mediana, minimo) in resultados.items():
                extra = (
                    ("—", "—")
                    if almacen == "sin comprobación"
                    else (f"{mediana - referencia[0]:+.0f} µs", f"{minimo - referencia[1]:+.0f} µs")
                )
                print(f"{almacen:<18}{mediana:>12.0f}{minimo:>12.0f}{extra[0]:>18}{extra[1]:>17}")
    finally:
        if "redis" in almacenes:
            cliente = redis.Redis.from_url(REDIS_URL)
            claves = list(cliente.scan_iter(f"{prefijo}*"))
            if claves:
                cliente.delete(*claves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
