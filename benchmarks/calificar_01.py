"""Cuánto tarda «taller calificar» con 100 entregas de la lección 01, frente a un bucle ingenuo.

Uso (desde la raíz del repositorio)::

    .venv/bin/python benchmarks/calificar_01.py [--entregas 100] [--trabajos 2]

Construye en una carpeta temporal N entregas: copias de la solución, del ejercicio sin
tocar y de cada error común de ``checks/01_api_rest/errores.toml``, repartidas por turnos.
Mide el tiempo de reloj de:

* ``taller calificar 01 CLASE --salida NOTAS --trabajos T``;
* un bucle que ejecuta ``taller comprobar 01 --objetivo ENTREGA --formato json`` una vez por entrega.

Comprueba que ambos dan exactamente las mismas notas, e informa de los objetivos
(≤ 30 s para 100 entregas; ≥ 4 × más rápido que el bucle). Termina con 0 si todo cumple.
"""

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from taller import lecciones, variantes

BIN = Path(sys.executable).parent
LIMITE_SEGUNDOS = 30.0
MEJORA_MINIMA = 4.0


def construir_clase(carpeta, cuantas):
    """N entregas: la solución, el ejercicio y cada error común, por turnos."""
    leccion = lecciones.buscar("01")
    modelos = {"solucion": leccion.solucion, "ejercicio": leccion.ejercicio}
    with tempfile.TemporaryDirectory() as temporal:
        for variante in variantes.cargar(leccion.comprobaciones):
            modelos[variante.nombre] = variantes.aplicar(variante, leccion.solucion, Path(temporal) / variante.nombre)
        nombres = list(modelos)
        for numero in range(cuantas):
            modelo = nombres[numero % len(nombres)]
            shutil.copytree(
                modelos[modelo],
                carpeta / f"estudiante_{numero:03d}_{modelo}",
                ignore=shutil.ignore_patterns("__pycache__", "instance", "ENUNCIADO.md"),
            )


def medir(orden):
    inicio = time.perf_counter()
    proceso = subprocess.run(orden, capture_output=True, text=True)
    return time.perf_counter() - inicio, proceso


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entregas", type=int, default=100)
    parser.add_argument("--trabajos", type=int, default=2)
    opciones = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-calificar-") as temporal:
        clase, notas = Path(temporal) / "clase", Path(temporal) / "notas"
        clase.mkdir()
        construir_clase(clase, opciones.entregas)
        print(f"{opciones.entregas} entregas de la lección 01 · {opciones.trabajos} trabajos en paralelo")

        t_calificar, proceso = medir(
            [
                str(BIN / "taller"),
                "calificar",
                "01",
                str(clase),
                "--clase",
                "--salida",
                str(notas),
                "--trabajos",
                str(opciones.trabajos),
            ]
        )
        if proceso.returncode not in (0, 1):
            sys.exit(f"taller calificar falló ({proceso.returncode}):\n{proceso.stderr[-2000:]}")
        with open(notas / "calificaciones.csv", encoding="utf-8") as f:
            filas = list(csv.DictReader(f))  # una fila por estudiante (los puntos posibles van aparte)
        notas_calificar = {fila["estudiante"]: int(fila["total"]) for fila in filas}

        notas_bucle = {}
        inicio = time.perf_counter()
        for entrega in sorted(clase.iterdir()):
            _, proceso = medir(
                [str(BIN / "taller"), "comprobar", "01", "--objetivo", str(entrega), "--formato", "json"]
            )
            notas_bucle[entrega.name] = json.loads(proceso.stdout)["score"]
        t_bucle = time.perf_counter() - inicio

    mejora = t_bucle / t_calificar
    iguales = notas_calificar == notas_bucle
    print(
        f"taller calificar        {t_calificar:7.1f} s  ({1000 * t_calificar / opciones.entregas:.0f} ms por entrega)"
    )
    print(f"bucle de comprobar      {t_bucle:7.1f} s  ({1000 * t_bucle / opciones.entregas:.0f} ms por entrega)")
    print(f"mejora                  {mejora:7.1f} ×")
    print(
        f"notas idénticas         {'sí' if iguales else 'NO'} ({len(notas_calificar)} entregas; "
        f"{sum(n == 26 for n in notas_calificar.values())} con 26/26)"
    )
    objetivo_tiempo = t_calificar * 100 / opciones.entregas <= LIMITE_SEGUNDOS
    print(f"Objetivo ≤ {LIMITE_SEGUNDOS:g} s por 100 entregas: {'cumple' if objetivo_tiempo else 'no cumple'}")
    print(
        f"Objetivo ≥ {MEJORA_MINIMA:g} × más rápido que el bucle: {'cumple' if mejora >= MEJORA_MINIMA else 'no cumple'}"
    )
    sys.exit(0 if iguales and objetivo_tiempo and mejora >= MEJORA_MINIMA else 1)


if __name__ == "__main__":
    main()
