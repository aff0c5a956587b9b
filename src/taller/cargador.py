"""Carga la app de un objetivo (la carpeta de un estudiante, una solución…) por su ruta.

Cada archivo se carga con un nombre de módulo único derivado de su ruta, así que
dos lecciones (cada una con su ``app.py``) conviven en el mismo proceso.
"""

import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path


class ErrorDeCarga(Exception):
    """El objetivo no se puede cargar: el mensaje dice por qué, en español."""


def nombre_de_modulo(ruta):
    """Un nombre de módulo válido y único para ``ruta``."""
    ruta = Path(ruta).resolve()
    huella = hashlib.sha1(str(ruta).encode()).hexdigest()[:8]
    legible = "".join(c if c.isalnum() else "_" for c in f"{ruta.parent.name}_{ruta.stem}")
    return f"{legible}_{huella}"  # p. ej. «01_api_rest_app_3f2a9c1b» o «ejercicio_app_…»


def linea_del_error(exc, carpeta):
    """«app.py, línea N»: el marco más profundo del traceback que está en ``carpeta`` (el objetivo)."""
    carpeta = Path(carpeta).resolve()
    lugar = None
    for marco in traceback.extract_tb(exc.__traceback__):
        ruta = Path(marco.filename).resolve()
        if ruta.is_relative_to(carpeta):
            lugar = f"{ruta.relative_to(carpeta)}, línea {marco.lineno}"
    return lugar


def cargar_modulo(archivo):
    """Importa ``archivo`` (una ruta a un .py) y devuelve el módulo, o lanza ErrorDeCarga."""
    archivo = Path(archivo).resolve()
    if not archivo.is_file():
        raise ErrorDeCarga(f"No existe el archivo {archivo}.")
    nombre = nombre_de_modulo(archivo)
    if nombre in sys.modules:
        return sys.modules[nombre]
    spec = importlib.util.spec_from_file_location(nombre, archivo)
    modulo = importlib.util.module_from_spec(spec)
    sys.modules[nombre] = modulo  # Flask busca aquí el módulo para saber su carpeta
    carpeta = str(archivo.parent)
    sys.path.insert(0, carpeta)  # para que el objetivo pueda importar sus propios módulos
    try:
        spec.loader.exec_module(modulo)
    except SyntaxError as e:
        del sys.modules[nombre]
        raise ErrorDeCarga(
            f"{archivo.name} tiene un error de sintaxis en la línea {e.lineno}: {e.msg}."
        ) from None
    except SystemExit as e:
        del sys.modules[nombre]
        raise ErrorDeCarga(
            f"{archivo.name} llamó a sys.exit({e.code!r}) al importarse. "
            "Un módulo no debe terminar el programa: pon ese código bajo `if __name__ == \"__main__\":`."
        ) from None
    except Exception as e:
        del sys.modules[nombre]
        lugar = linea_del_error(e, archivo.parent)
        donde = f" ({lugar})" if lugar else ""
        raise ErrorDeCarga(
            f"{archivo.name} lanzó {type(e).__name__} al importarse{donde}: {e}"
        ) from None
    finally:
        if carpeta in sys.path:
            sys.path.remove(carpeta)
    return modulo


def cargar_fabrica(archivo):
    """La función ``create_app`` de ``archivo``, o ErrorDeCarga con un mensaje claro."""
    modulo = cargar_modulo(archivo)
    fabrica = getattr(modulo, "create_app", None)
    if not callable(fabrica):
        raise ErrorDeCarga(
            f"{Path(archivo).name} no define la función create_app(config=None), "
            "que debe crear y devolver la aplicación Flask."
        )
    return fabrica
