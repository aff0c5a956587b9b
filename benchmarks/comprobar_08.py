"""Cuánto tarda comprobar la lección 08 (con Chromium) contra su solución de referencia.

Uso (desde la raíz del repositorio)::

    .venv/bin/python benchmarks/comprobar_08.py [--repeticiones 3] [--carpeta checks/08_navegador]

Mide el tiempo de reloj de dos órdenes, cada una como subproceso, contra
``solutions/08_navegador``:

* ``taller comprobar 08 --objetivo solutions/08_navegador --formato json`` (el motor);
* ``pytest -s -p no:logging CARPETA --objetivo solutions/08_navegador -q`` (pytest a secas,
  como quien mantiene el taller).

Tras una ejecución de calentamiento, repite cada una N veces e imprime la mediana, el
mínimo y el máximo, la puntuación y si se cumple el objetivo (**≤ 20 s**). No es una
prueba: los tiempos dependen de la máquina y de su carga. Termina con 0 solo si la orden
del motor saca la puntuación máxima en la mediana de tiempo pedida.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OBJETIVO = "solutions/08_navegador"
LIMITE_SEGUNDOS = 20.0


def ejecutar(orden):
    inicio = time.perf_counter()
    resultado = subprocess.run(orden, cwd=RAIZ, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - inicio, resultado


def medir(nombre, orden, repeticiones, puntuacion):
    ejecutar(orden)  # calentamiento: cachés del sistema de archivos y de Python
    tiempos, notas = [], []
    for _ in range(repeticiones):
        segundos, resultado = ejecutar(orden)
        tiempos.append(segundos)
        notas.append(puntuacion(resultado))
    mediana = statistics.median(tiempos)
    print(f"{nombre}: mediana {mediana:.1f} s (mín. {min(tiempos):.1f}, máx. {max(tiempos):.1f}) · {notas[-1]}")
    return mediana, notas


def puntos_del_json(resultado):
    try:
        doc = json.loads(resultado.stdout)
    except json.JSONDecodeError:
        return "sin documento JSON"
    return f"{doc['score']}/{doc['max_score']} puntos ({doc['status']})"


def resumen_de_pytest(resultado):
    lineas = resultado.stdout.strip().splitlines()
    return lineas[-1] if lineas else f"código {resultado.returncode}"


def main():
    analizador = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analizador.add_argument("--repeticiones", type=int, default=3)
    analizador.add_argument("--carpeta", default="checks/08_navegador", help="las comprobaciones para pytest")
    opciones = analizador.parse_args()
    taller = [str(BIN / "taller"), "comprobar", "08", "--objetivo", OBJETIVO, "--formato", "json"]
    pytest = [
        str(BIN / "pytest"),
        "-s",
        "-p",
        "no:logging",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        opciones.carpeta,
        "--objetivo",
        OBJETIVO,
        "-q",
    ]
    mediana, notas = medir("taller comprobar 08", taller, opciones.repeticiones, puntos_del_json)
    medir("pytest a secas", pytest, opciones.repeticiones, resumen_de_pytest)
    cumple = mediana <= LIMITE_SEGUNDOS and all("(pass)" in n for n in notas)
    print(f"Objetivo ≤ {LIMITE_SEGUNDOS:g} s con la puntuación máxima: {'se cumple' if cumple else 'NO se cumple'}")
    return 0 if cumple else 1


if __name__ == "__main__":
    sys.exit(main())
