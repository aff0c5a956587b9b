"""Dónde está cada cosa: la raíz del taller y las carpetas de cada lección."""

import os
import re
from dataclasses import dataclass
from pathlib import Path


class LeccionDesconocida(Exception):
    """No hay ninguna lección con ese número o nombre."""


def raiz():
    """La carpeta del taller: ``TALLER_RAIZ``, o la primera que contenga lessons/ y checks/."""
    if os.environ.get("TALLER_RAIZ"):
        return Path(os.environ["TALLER_RAIZ"]).resolve()
    candidatas = [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]
    for carpeta in candidatas:
        if (carpeta / "lessons").is_dir() and (carpeta / "checks").is_dir():
            return carpeta
    raise FileNotFoundError(
        "No encuentro la carpeta del taller (la que contiene lessons/ y checks/). "
        "Ejecuta la orden desde ella o define TALLER_RAIZ."
    )


@dataclass(frozen=True)
class Leccion:
    """Una lección: ``lessons/NN_slug`` y sus carpetas hermanas con el mismo nombre."""

    nombre: str  # "01_api_rest"
    base: Path

    @property
    def numero(self):
        return self.nombre[:2]

    @property
    def carpeta(self):
        return self.base / "lessons" / self.nombre

    @property
    def ejercicio(self):
        return self.carpeta / "ejercicio"

    @property
    def solucion(self):
        return self.base / "solutions" / self.nombre

    @property
    def comprobaciones(self):
        return self.base / "checks" / self.nombre

    @property
    def cuaderno(self):
        return self.base / "notebooks" / f"{self.nombre}.ipynb"

    @property
    def titulo(self):
        """El título del README de la lección, sin el prefijo «Lección NN ·»."""
        readme = self.carpeta / "README.md"
        if readme.is_file():
            for linea in readme.read_text(encoding="utf-8").splitlines():
                if linea.startswith("# "):
                    return re.sub(r"^Lección \d+\s*[·:.-]\s*", "", linea[2:].strip())
        return self.nombre[3:].replace("_", " ")


def todas(base=None):
    """Las lecciones, en orden."""
    base = base or raiz()
    carpetas = sorted((base / "lessons").glob("[0-9][0-9]_*"))
    return [Leccion(c.name, base) for c in carpetas if c.is_dir()]


def buscar(texto, base=None):
    """La lección que nombra ``texto``: ``1``, ``01``, ``01_api_rest`` o ``api_rest``."""
    lecciones = todas(base)
    texto = texto.strip()
    for leccion in lecciones:
        if texto in (leccion.nombre, leccion.nombre[3:]) or (texto.isdigit() and int(texto) == int(leccion.numero)):
            return leccion
    disponibles = ", ".join(leccion.numero for leccion in lecciones) or "ninguna"
    raise LeccionDesconocida(f"la lección «{texto}» no existe (disponibles: {disponibles})")
