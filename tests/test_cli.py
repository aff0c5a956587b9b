"""La orden ``taller``: lo que ve un estudiante en la terminal."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taller import lecciones

RAIZ = lecciones.raiz()


def taller(*argumentos, raiz=RAIZ):
    """Ejecuta ``taller`` como lo haría el estudiante y devuelve el proceso terminado."""
    return subprocess.run(
        [sys.executable, "-m", "taller.cli", *argumentos],
        capture_output=True,
        text=True,
        cwd=raiz,
        timeout=120,
        env={**os.environ, "TALLER_RAIZ": str(raiz)},
    )


@pytest.fixture
def copia(tmp_path):
    """Una copia del taller donde el estudiante puede escribir (estado, ejercicios)."""
    destino = tmp_path / "taller"
    for carpeta in ("lessons", "solutions", "checks"):
        shutil.copytree(RAIZ / carpeta, destino / carpeta, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    return destino


def test_ayuda_en_espanol():
    r = taller("--help")
    assert r.returncode == 0
    assert "Uso: taller [OPCIONES] ORDEN" in r.stdout
    assert "Órdenes:" in r.stdout and "comprobar" in r.stdout
    assert "Usage" not in r.stdout and "Options" not in r.stdout


def test_sin_argumentos_muestra_la_ayuda():
    r = taller()
    assert r.returncode == 0 and "Uso: taller" in r.stdout


@pytest.mark.parametrize(
    ("argumentos", "mensaje"),
    [
        (["comprobar", "99"], "Error: la lección «99» no existe (disponibles: 01"),
        (["comprobar"], "Error: falta el argumento LECCION."),
        (["comprobar", "01", "--xyz"], "Error: la opción --xyz no existe."),
        (["comprobar", "01", "--formato", "xml"], "Error: el formato debe ser texto o json, no «xml»."),
        (["comprobar", "01", "--objetivo", "/no/existe"], "Error: la carpeta /no/existe no existe."),
        (["comprobar", "01", "sobra"], "Error: sobra el argumento sobra."),
        (["ejecutar", "01", "--puerto", "abc"], "Error: el puerto debe ser un número entre 1 y 65535, no «abc»."),
        (["ejecutar", "01", "--puerto"], "Error: la opción --puerto necesita un valor."),
        (["nada"], "Error: la orden «nada» no existe"),
        (["ejecutar", "03", "--ejercicio"], "Error: lessons/03_anatomia_jwt/ejercicio no tiene app.py"),
        (
            ["ejecutar", "10"],
            "Error: lessons/10_proyecto_final no tiene app.py ni el paquete api/: no es una app que se pueda servir (prueba «taller ejecutar 10 --ejercicio» (o --solucion)",
        ),
    ],
    ids=[
        "leccion-inexistente",
        "falta-leccion",
        "opcion-desconocida",
        "formato-malo",
        "carpeta-inexistente",
        "argumento-de-mas",
        "puerto-no-numerico",
        "puerto-sin-valor",
        "orden-desconocida",
        "ejercicio-sin-app",
        "leccion-sin-demo",
    ],
)
def test_un_mal_uso_da_una_linea_en_espanol_y_codigo_2(argumentos, mensaje):
    r = taller(*argumentos)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith(mensaje), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_comprobar_el_ejercicio_sin_tocar(copia):
    r = taller("comprobar", "01", raiz=copia)
    assert r.returncode == 1
    assert "Lección 01 · API REST con Flask" in r.stdout
    assert "Tarea 1 · Crear artículos  (0/4 puntos)" in r.stdout
    assert "✔ app.py se importa y create_app(config) devuelve una aplicación Flask." in r.stdout
    assert "✘ POST /api/articulos crea el artículo y responde 201" in r.stdout
    assert "Se esperaba 201, se obtuvo 501" in r.stdout
    assert "Pista: " in r.stdout
    assert "Total: 0/26 puntos · pasan 1 de 20 comprobaciones." in r.stdout
    estado = json.loads((copia / ".taller" / "estado.json").read_text())
    assert estado["01"]["score"] == 0 and estado["01"]["max_score"] == 26


def test_comprobar_la_solucion_en_json(copia):
    r = taller(
        "comprobar", "1", "--objetivo", str(copia / "solutions" / "01_api_rest"), "--formato", "json", raiz=copia
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["version"] == 3 and doc["status"] == "pass"
    assert doc["score"] == doc["max_score"] == 26
    assert len(doc["tests"]) == 20
    assert not (copia / ".taller").exists(), "comprobar otra carpeta no cambia el estado del estudiante"


def test_lecciones_muestra_como_va_el_estudiante(copia):
    r = taller("lecciones", raiz=copia)
    assert r.returncode == 0
    assert "01  API REST con Flask" in r.stdout and "sin empezar" in r.stdout
    app = copia / "lessons" / "01_api_rest" / "ejercicio" / "app.py"
    app.write_text(app.read_text() + "\n# empiezo\n")
    assert "en curso · sin comprobar" in taller("lecciones", raiz=copia).stdout
    taller("comprobar", "01", raiz=copia)
    assert "en curso · 0/26 puntos" in taller("lecciones", raiz=copia).stdout


def test_sincronizar_verificar(copia):
    assert taller("sincronizar", "--verificar", raiz=copia).returncode == 0
    app = copia / "lessons" / "01_api_rest" / "ejercicio" / "app.py"
    app.write_text(app.read_text() + "\n# cambio a mano\n")
    r = taller("sincronizar", "--verificar", raiz=copia)
    assert r.returncode == 1 and "desactualizado: lessons/01_api_rest/ejercicio/app.py" in r.stdout
    assert taller("sincronizar", raiz=copia).returncode == 0
    assert taller("sincronizar", "--verificar", raiz=copia).returncode == 0


def test_ejecutar_sirve_la_leccion_en_127_0_0_1(copia):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        puerto = s.getsockname()[1]
    proceso = subprocess.Popen(
        [sys.executable, "-m", "taller.cli", "ejecutar", "01", "--puerto", str(puerto)],
        cwd=copia,
        env={**os.environ, "TALLER_RAIZ": str(copia)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{puerto}/api/items", timeout=1) as r:
                    assert r.status == 200 and json.loads(r.read()) == []
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("taller ejecutar 01 no respondió en 10 s")
        ocupado = taller("ejecutar", "01", "--puerto", str(puerto), raiz=copia)
        assert ocupado.returncode == 2 and f"el puerto {puerto} ya está en uso" in ocupado.stderr
    finally:
        proceso.terminate()
        salida = proceso.communicate(timeout=10)[0]
    assert f"En http://127.0.0.1:{puerto} responden estas rutas" in salida
    assert re.search(r"GET, POST\s+/api/items\n", salida), salida  # las rutas de la app, no una raíz que da 404
    assert (copia / "lessons" / "01_api_rest" / "instance" / "items.sqlite").is_file()


def test_raiz_desde_una_subcarpeta(monkeypatch):
    monkeypatch.delenv("TALLER_RAIZ", raising=False)
    monkeypatch.chdir(RAIZ / "lessons")
    assert lecciones.raiz() == RAIZ
    assert Path(lecciones.buscar("api_rest").carpeta).name == "01_api_rest"


def test_sincronizar_lleva_un_arreglo_del_original_a_las_lecciones_que_lo_heredan(copia):
    """Un módulo heredado copiado a mano no existe: se arregla el original y sincronizar lo lleva de la 02 a la 07."""
    original = copia / "solutions" / "02_login_jwt" / "api" / "cuerpo.py"
    original.write_text(original.read_text() + "\n# un arreglo común\n")
    r = taller("sincronizar", "--verificar", raiz=copia)
    assert r.returncode == 1
    for leccion in ("04_refresh_tokens", "05_revocacion", "06_roles", "07_errores"):
        assert f"desactualizado: solutions/{leccion}/api/cuerpo.py (heredado)" in r.stdout
    assert taller("sincronizar", raiz=copia).returncode == 0
    for carpeta in ("solutions/07_errores", "lessons/07_errores/ejercicio"):
        assert (copia / carpeta / "api" / "cuerpo.py").read_text().endswith("# un arreglo común\n")
    copia_a_mano = copia / "solutions" / "05_revocacion" / "api" / "cuerpo.py"
    copia_a_mano.write_text(copia_a_mano.read_text() + "# retoque a mano\n")
    r = taller("sincronizar", "--verificar", raiz=copia)
    assert r.returncode == 1 and "desactualizado: solutions/05_revocacion/api/cuerpo.py (heredado)" in r.stdout


@pytest.fixture
def otro_redis(tmp_path):
    """Un redis-server propio en un puerto libre (no el de 127.0.0.1:6379): su URL y un cliente."""
    import socket

    import redis

    ejecutable = shutil.which("redis-server")
    if ejecutable is None:
        pytest.fail("Esta prueba necesita redis-server (sudo apt install redis-server); no se salta.")
    with socket.socket() as libre:
        libre.bind(("127.0.0.1", 0))
        puerto = libre.getsockname()[1]
    orden = [ejecutable, "--port", str(puerto), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proceso = subprocess.Popen([*orden, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    cliente = redis.Redis(port=puerto, socket_connect_timeout=0.5)
    for _ in range(100):
        try:
            cliente.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{puerto}/0", cliente
    cliente.close()
    proceso.terminate()
    proceso.wait(timeout=10)


USAN_REDIS_05 = (  # las comprobaciones de la lección 05 con la fixture redis_de_prueba
    "test_con_redis_el_logout_revoca_los_dos_tokens",
    "test_con_redis_el_ttl_es_lo_que_le_queda_a_cada_token",
    "test_con_redis_logout_todo_cierra_todas_las_sesiones",
)


def test_las_comprobaciones_usan_el_redis_de_taller_redis_url(otro_redis):
    """Lo que promete la guía: sin la jaula (el portátil del estudiante), «taller comprobar 05» usa el Redis
    de TALLER_REDIS_URL. (En la jaula, cada entrega tiene su propio Redis y la variable no hace falta.)"""
    url, cliente = otro_redis
    codigo = "import sys; from taller import cli, jaula; jaula._jaula_disponible = False; cli.main(sys.argv[1:])"
    objetivo = RAIZ / "solutions" / "05_revocacion"
    r = subprocess.run(
        [sys.executable, "-c", codigo, "comprobar", "05", "--objetivo", str(objetivo), "--formato", "json"],
        capture_output=True,
        text=True,
        cwd=RAIZ,
        timeout=300,
        env={**os.environ, "TALLER_RAIZ": str(RAIZ), "TALLER_REDIS_URL": url},
    )
    estados = {p["id"]: p["status"] for p in json.loads(r.stdout)["tests"]}
    con_redis = {i: estados.get(i) for i in USAN_REDIS_05}
    assert set(con_redis.values()) == {"pass"}, (con_redis, r.stderr[-2000:])
    ordenes = cliente.info("commandstats")
    assert ordenes.get("cmdstat_ttl", {}).get("calls", 0) >= 2, f"las comprobaciones no usaron {url}: {ordenes}"
