"""El proceso hijo del motor: ejecuta con pytest las comprobaciones de una lección.

Uso (lo lanza ``taller.motor``, no una persona)::

    python -m taller.ejecutor CARPETA_CHECKS OBJETIVO [ID ...]

Los resultados salen por el descriptor ``TALLER_CANAL`` (ver ``taller.plugin``).
"""

import sys
from pathlib import Path

import pytest

CONFIGURACION = Path(__file__).with_name("pytest_comprobaciones.ini")


def main(argumentos):
    carpeta, objetivo, *ids = argumentos
    seleccion = [f"{carpeta}/{i}" for i in ids] or [carpeta]
    return pytest.main(
        [
            *seleccion,
            "-c",
            str(CONFIGURACION),
            "--rootdir",
            carpeta,
            "--objetivo",
            objetivo,
            "-p",
            "taller.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
