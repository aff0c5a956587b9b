"""Las comprobaciones de la lección 08 (aún en checks/_pendientes/, ver su README) con pytest a secas.

Mientras el motor no pueda lanzar Chromium (su RLIMIT_AS) ni servir sin escribir su
registro en los sockets, ``tests/test_pruebas_de_fallo.py`` no las recoge. Esta prueba
mantiene lo esencial: la solución pasa todas y el punto de partida falla las de cada tarea.
Los errores comunes se comprueban a mano (tardan ~25 s cada uno): ver el README.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parent.parent
CARPETA = RAIZ / "checks" / "_pendientes" / "08_navegador"
SIN_TAREA = {"test_estructura", "test_la_api_sigue_con_cabeceras"}


def comprobar(objetivo):
    """``{nombre: PASSED|FAILED|ERROR|SKIPPED}`` de cada comprobación contra ``objetivo``."""
    orden = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-rA",
        "-p",
        "no:logging",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        str(CARPETA),
        "--objetivo",
        str(objetivo),
    ]
    salida = subprocess.run(orden, cwd=RAIZ, capture_output=True, text=True, timeout=300).stdout
    resultados = {m[2]: m[1] for m in re.finditer(r"^(PASSED|FAILED|ERROR|SKIPPED)\S* \S+::(test_\w+)", salida, re.M)}
    if not resultados:
        pytest.fail(f"pytest no informó de ninguna comprobación:\n{salida[-3000:]}")
    return resultados


def declaradas():
    return re.findall(r"^def (test_\w+)", (CARPETA / "test_navegador.py").read_text(encoding="utf-8"), re.M)


def test_la_solucion_pasa_todas():
    resultados = comprobar(RAIZ / "solutions" / "08_navegador")
    assert resultados == {nombre: "PASSED" for nombre in declaradas()}


def test_el_punto_de_partida_falla_todas_las_de_sus_tareas():
    resultados = comprobar(RAIZ / "lessons" / "08_navegador" / "ejercicio")
    assert {n for n, r in resultados.items() if r == "PASSED"} == SIN_TAREA
    assert set(resultados) == set(declaradas())
