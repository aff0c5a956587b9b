"""La orden ``taller``: lo que ve un estudiante en la terminal."""

import json
import os
import re
import shutil
import subprocess
import sys
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
