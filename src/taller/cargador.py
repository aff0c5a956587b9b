"""Carga la app de un objetivo (la carpeta de un estudiante, una solución…) por su ruta.

Un objetivo es un archivo (``app.py``) o, desde la lección 02, un paquete
(``api/`` con su ``__init__.py``). Cada uno se carga con un nombre de módulo
único derivado de su ruta, así que dos lecciones (cada una con su ``app.py`` o
su paquete ``api``) conviven en el mismo proceso, y dentro de un paquete las
importaciones relativas (``from .modelos import Usuario``) funcionan.
"""

import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path


class ErrorDeCarga(Exception):
    """El objetivo no se puede cargar: el mensaje dice por qué, en español."""


def nombre_de_modulo(ruta):
    """Un nombre de módulo válido y único para ``ruta`` (un archivo .py o la carpeta de un paquete)."""
    ruta = Path(ruta).resolve()
    huella = hashlib.sha1(str(ruta).encode()).hexdigest()[:8]
    legible = "".join(c if c.isalnum() else "_" for c in f"{ruta.parent.name}_{ruta.stem}")
    return f"{legible}_{huella}"  # p. ej. «01_api_rest_app_3f2a9c1b» o «ejercicio_api_…»


def entrada_del_objetivo(carpeta: Path) -> Path:
    """Lo que se carga de la carpeta de un objetivo: su paquete ``api/`` si lo tiene; si no, su ``app.py``."""
    carpeta = Path(carpeta)
    if (carpeta / "api" / "__init__.py").is_file():
        return carpeta / "api"
    return carpeta / "app.py"


def linea_del_error(exc, carpeta):
    """«api/auth.py, línea N»: el marco más profundo del traceback que está en ``carpeta`` (el objetivo)."""
    carpeta = Path(carpeta).resolve()
    lugar = None
    for marco in traceback.extract_tb(exc.__traceback__):
        ruta = Path(marco.filename).resolve()
        if ruta.is_relative_to(carpeta):
            lugar = f"{ruta.relative_to(carpeta)}, línea {marco.lineno}"
    if isinstance(exc, SyntaxError) and exc.filename:  # el archivo con el error no está en el traceback
        ruta = Path(exc.filename).resolve()
        if ruta.is_relative_to(carpeta):
            lugar = f"{ruta.relative_to(carpeta)}, línea {exc.lineno}"
    return lugar


def _especificacion(ruta, nombre):
    """La especificación de importación de un archivo .py o de un paquete (carpeta con ``__init__.py``)."""
    if ruta.is_dir():
        return importlib.util.spec_from_file_location(
            nombre, ruta / "__init__.py", submodule_search_locations=[str(ruta)]
        )
    return importlib.util.spec_from_file_location(nombre, ruta)


def _olvidar(nombre):
    """Quita de ``sys.modules`` el módulo ``nombre`` y sus submódulos (una carga fallida no deja restos)."""
    for clave in [c for c in sys.modules if c == nombre or c.startswith(nombre + ".")]:
        del sys.modules[clave]


def cargar_modulo(archivo):
    """Importa ``archivo`` (un .py o la carpeta de un paquete) y devuelve el módulo, o lanza ErrorDeCarga."""
    archivo = Path(archivo).resolve()
    es_paquete = archivo.is_dir()
    if es_paquete and not (archivo / "__init__.py").is_file():
        raise ErrorDeCarga(f"La carpeta {archivo} no es un paquete de Python: le falta __init__.py.")
    if not es_paquete and not archivo.is_file():
        raise ErrorDeCarga(f"No existe el archivo {archivo}.")
    nombre = nombre_de_modulo(archivo)
    if nombre in sys.modules:
        return sys.modules[nombre]
    spec = _especificacion(archivo, nombre)
    modulo = importlib.util.module_from_spec(spec)
    sys.modules[nombre] = modulo  # Flask busca aquí el módulo para saber su carpeta
    carpeta = archivo.parent
    mostrado = f"El paquete {archivo.name}/" if es_paquete else archivo.name
    sys.path.insert(0, str(carpeta))  # para que el objetivo pueda importar sus propios módulos
    try:
        spec.loader.exec_module(modulo)
    except SyntaxError as e:
        _olvidar(nombre)
        culpable = Path(e.filename).resolve() if e.filename else archivo
        mostrado = culpable.relative_to(carpeta) if culpable.is_relative_to(carpeta) else culpable.name
        raise ErrorDeCarga(f"{mostrado} tiene un error de sintaxis en la línea {e.lineno}: {e.msg}.") from None
    except SystemExit as e:
        _olvidar(nombre)
        lugar = linea_del_error(e, carpeta)
        donde = f" ({lugar})" if lugar else ""
        raise ErrorDeCarga(
            f"{mostrado} llamó a sys.exit({e.code!r}) al importarse{donde}. "
            'Un módulo no debe terminar el programa: pon ese código bajo `if __name__ == "__main__":`.'
        ) from None
    except Exception as e:
        _olvidar(nombre)
        lugar = linea_del_error(e, carpeta)
        donde = f" ({lugar})" if lugar else ""
        raise ErrorDeCarga(f"{mostrado} lanzó {type(e).__name__} al importarse{donde}: {e}") from None
    finally:
        if str(carpeta) in sys.path:
            sys.path.remove(str(carpeta))
    return modulo


def cargar_fabrica(ruta):
    """La función ``create_app`` de ``ruta`` (un .py o un paquete), o ErrorDeCarga con un mensaje claro."""
    ruta = Path(ruta)
    modulo = cargar_modulo(ruta)
    fabrica = getattr(modulo, "create_app", None)
    if not callable(fabrica):
        donde = f"{ruta.name}/__init__.py" if ruta.is_dir() else ruta.name
        raise ErrorDeCarga(
            f"{donde} no define la función create_app(config=None), que debe crear y devolver la aplicación Flask."
        )
    return fabrica
