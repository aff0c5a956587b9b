"""Cuánto tarda «taller comprobar 01» frente a pytest a secas sobre las mismas comprobaciones.

Uso (desde la raíz del repositorio)::

    .venv/bin/python benchmarks/comprobar_01.py [--repeticiones 5]

Mide el tiempo de reloj de dos órdenes, cada una como subproceso, contra la solución
de referencia (``solutions/01_api_rest``):

* ``taller comprobar 01 --objetivo solutions/01_api_rest --formato json``
* ``pytest -p taller.plugin -o addopts= checks/01_api_rest --objetivo solutions/01_api_rest -q``
  con ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`` (solo el complemento del taller).

Tras una ejecución de calentamiento, repite cada una N veces e informa de la mediana,
el mínimo y el máximo, el cociente entre medianas y si se cumplen los objetivos
(taller ≤ 2 s; taller ≤ 1,3 × pytest). Comprueba además que las dos coinciden:
la puntuación JSON de taller es la máxima y pytest termina con código 0.
Termina con código 0 solo si todo cumple.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OBJETIVO = "solutions/01_api_rest"
LIMITE_SEGUNDOS = 2.0
LIMITE_COCIENTE = 1.3

ORDEN_TALLER = [str(BIN / "taller"), "comprobar", "01", "--objetivo", OBJETIVO, "--formato", "json"]
ORDEN_PYTEST = [
    str(BIN / "pytest"),
    "-p",
    "taller.plugin",
    "-o",
    "addopts=",
    "checks/01_api_rest",
    "--objetivo",
    OBJETIVO,
    "-q",
]


def ejecutar(orden, entorno):
    """Ejecuta ``orden`` desde la raíz; devuelve (segundos, resultado)."""
    inicio = time.perf_counter()
    resultado = subprocess.run(orden, cwd=RAIZ, env=entorno, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - inicio, resultado


def medir(nombre, orden, entorno, repeticiones):
    """Una ejecución de calentamiento y ``repeticiones`` medidas. Devuelve (tiempos, último resultado)."""
    print(f"Midiendo {nombre} (1 calentamiento + {repeticiones} ejecuciones)…", flush=True)
    _, resultado = ejecutar(orden, entorno)
    tiempos = []
    for _ in range(repeticiones):
        segundos, resultado = ejecutar(orden, entorno)
        tiempos.append(segundos)
    return tiempos, resultado


def veredicto(ok):
    return "cumple" if ok else "no cumple"


def main():
    analizador = argparse.ArgumentParser(description="Compara «taller comprobar 01» con pytest a secas.")
    analizador.add_argument("--repeticiones", type=int, default=5, help="ejecuciones medidas de cada orden (5)")
    args = analizador.parse_args()

    entorno_taller = dict(os.environ)
    entorno_pytest = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    tiempos_taller, res_taller = medir("taller comprobar", ORDEN_TALLER, entorno_taller, args.repeticiones)
    tiempos_pytest, res_pytest = medir("pytest a secas", ORDEN_PYTEST, entorno_pytest, args.repeticiones)

    # ¿Coinciden? taller: JSON con la puntuación máxima; pytest: código de salida 0.
    problemas = []
    try:
        documento = json.loads(res_taller.stdout)
        puntos, maximo = documento["score"], documento["max_score"]
        taller_ok = res_taller.returncode == 0 and puntos == maximo and documento["status"] == "pass"
        resumen_taller = f"{puntos}/{maximo} puntos, estado «{documento['status']}», código {res_taller.returncode}"
    except (ValueError, KeyError, TypeError) as e:
        taller_ok = False
        resumen_taller = f"salida JSON ilegible ({e}), código {res_taller.returncode}"
        problemas.append(res_taller.stdout[-500:] + res_taller.stderr[-500:])
    pytest_ok = res_pytest.returncode == 0
    lineas_pytest = res_pytest.stdout.strip().splitlines()
    resumen_pytest = f"«{lineas_pytest[-1] if lineas_pytest else ''}», código {res_pytest.returncode}"
    if not pytest_ok:
        problemas.append(res_pytest.stdout[-1000:] + res_pytest.stderr[-500:])

    mediana_taller = statistics.median(tiempos_taller)
    mediana_pytest = statistics.median(tiempos_pytest)
    cociente = mediana_taller / mediana_pytest

    print()
    print(f"Objetivo: {OBJETIVO} · {args.repeticiones} ejecuciones tras 1 de calentamiento")
    print(f"{'orden':<18} {'mediana':>9} {'mínimo':>9} {'máximo':>9}")
    for nombre, tiempos in (("taller comprobar", tiempos_taller), ("pytest a secas", tiempos_pytest)):
        print(f"{nombre:<18} {statistics.median(tiempos):>8.2f}s {min(tiempos):>8.2f}s {max(tiempos):>8.2f}s")
    print(f"Cociente taller / pytest (medianas): {cociente:.2f}×")
    print()
    print("Resultados:")
    print(f"  taller: {resumen_taller} → {'correcto' if taller_ok else 'INCORRECTO'}")
    print(f"  pytest: {resumen_pytest} → {'correcto' if pytest_ok else 'INCORRECTO'}")
    print()
    cumple_tiempo = mediana_taller <= LIMITE_SEGUNDOS
    cumple_cociente = cociente <= LIMITE_COCIENTE
    coinciden = taller_ok and pytest_ok
    print("Objetivos:")
    print(f"  taller comprobar ≤ {LIMITE_SEGUNDOS:.0f} s (mediana {mediana_taller:.2f} s): {veredicto(cumple_tiempo)}")
    print(f"  cociente ≤ {LIMITE_COCIENTE}× ({cociente:.2f}×): {veredicto(cumple_cociente)}")
    print(f"  ambas ejecuciones coinciden (todo aprobado): {veredicto(coinciden)}")
    for problema in problemas:
        print("\nSalida de la ejecución fallida:\n" + problema)
    return 0 if (cumple_tiempo and cumple_cociente and coinciden) else 1


if __name__ == "__main__":
    sys.exit(main())
