"""Los «errores comunes» de una lección: variantes de la solución con un fallo conocido.

Cada lección los declara en ``checks/NN_slug/errores.toml``::

    [[error]]
    nombre = "sin_location"
    descripcion = "POST responde 201 pero sin la cabecera Location."
    falla = ["test_crear_responde_201_con_location"]

    [[error.cambio]]
    archivo = "app.py"        # opcional; app.py por defecto
    buscar = '''…texto exacto de la solución…'''
    reemplazar = '''…texto con el fallo…'''

Las pruebas del taller aplican cada variante a una copia de la solución y
demuestran que falla justo las comprobaciones de ``falla``.
"""

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from taller.ejercicios import IGNORADOS


class ErrorDeVariante(ValueError):
    """Una variante no se puede aplicar a la solución (ha cambiado el texto que busca)."""


@dataclass(frozen=True)
class Variante:
    nombre: str
    descripcion: str
    falla: tuple
    cambios: tuple  # (archivo, buscar, reemplazar)


def cargar(carpeta_comprobaciones):
    """Las variantes declaradas en ``errores.toml`` (ninguna si no existe)."""
    archivo = Path(carpeta_comprobaciones) / "errores.toml"
    if not archivo.is_file():
        return []
    datos = tomllib.loads(archivo.read_text(encoding="utf-8"))
    return [
        Variante(
            nombre=e["nombre"],
            descripcion=e["descripcion"],
            falla=tuple(e["falla"]),
            cambios=tuple((c.get("archivo", "app.py"), c["buscar"], c["reemplazar"]) for c in e["cambio"]),
        )
        for e in datos.get("error", [])
    ]


def aplicar(variante, solucion, destino):
    """Copia ``solucion`` en ``destino`` con los cambios de la variante."""
    destino = Path(destino)
    shutil.copytree(solucion, destino, ignore=shutil.ignore_patterns(*IGNORADOS))
    for archivo, buscar, reemplazar in variante.cambios:
        ruta = destino / archivo
        texto = ruta.read_text(encoding="utf-8")
        veces = texto.count(buscar)
        if veces != 1:
            raise ErrorDeVariante(
                f"La variante «{variante.nombre}» busca un texto que aparece {veces} veces en {archivo} "
                "(debe aparecer exactamente una): actualízala con la solución."
            )
        ruta.write_text(texto.replace(buscar, reemplazar), encoding="utf-8")
    return destino
