"""Puertas de calidad: ruff (errores comunes y formato) en todo el taller y mypy en el motor.

La configuración está en pyproject.toml: los puntos de partida del estudiante tienen sus
excepciones (están incompletos a propósito), y los Markdown y cuadernos no se formatean
(su código lo copian de los archivos ``taller sincronizar`` y las pruebas de fragmentos).
"""

import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def ejecutar(*orden):
    return subprocess.run([str(BIN / orden[0]), *orden[1:]], capture_output=True, text=True, cwd=RAIZ, timeout=300)


def test_ruff_no_encuentra_errores():
    r = ejecutar("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr


def test_el_codigo_esta_formateado_con_ruff():
    r = ejecutar("ruff", "format", "--no-cache", "--check", ".")
    assert r.returncode == 0, "Ejecuta «ruff format .»:\n" + r.stdout[-4000:] + r.stderr


def test_mypy_acepta_los_tipos_del_motor():
    r = ejecutar("mypy")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr
