"""Directiva ``diferencias``: qué cambia respecto a la lección anterior.

En la página de una lección, ``{diferencias}`` muestra, archivo por archivo, las
diferencias entre la solución de la lección anterior y el punto de partida de esta
(``lessons/NN_slug/ejercicio/``): lo que el estudiante recibe hecho y lo que es nuevo.

La lección anterior es la que declara ``solutions/NN_slug/hereda.toml``
(``de = "MM_slug"``); sin ese archivo, la lección anterior más cercana cuya solución
tiene el mismo módulo principal (``app.py``, o un paquete como ``api/``).
"""

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from taller import ejercicios, lecciones

SUFIJOS = {".py", ".html", ".jinja", ".jinja2", ".j2"}
IGNORADAS = {"__pycache__", "instance", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Cambio:
    """Un archivo comparado: su ruta relativa, qué le pasó y su diff unificado."""

    ruta: str
    estado: str  # "nuevo", "quitado", "cambiado" o "igual"
    diff: str
    anadidas: int
    quitadas: int


def modulos_principales(solucion):
    """Los módulos de primer nivel de una solución: ``{"app"}``, ``{"api"}``, ``{"jwt_manual"}``…"""
    if not solucion.is_dir():
        return set()
    return {
        ruta.stem
        for ruta in solucion.iterdir()
        if (ruta.suffix == ".py" and ruta.is_file()) or (ruta.is_dir() and (ruta / "__init__.py").is_file())
    }


def leccion_anterior(leccion, todas):
    """La lección de cuya solución parte ``leccion``, o ``None`` si su código empieza de cero."""
    hereda = leccion.solucion / "hereda.toml"
    if hereda.is_file():
        try:
            de = tomllib.loads(hereda.read_text(encoding="utf-8"))["de"]
        except (tomllib.TOMLDecodeError, KeyError) as e:
            raise ExtensionError(f'{hereda}: se esperaba una clave de = "NN_slug" ({e})') from None
        for otra in todas:
            if otra.nombre == de:
                return otra
        raise ExtensionError(f"{hereda}: la lección «{de}» no existe")
    principales = modulos_principales(leccion.solucion)
    anteriores = [otra for otra in todas if otra.nombre < leccion.nombre]
    for otra in reversed(anteriores):
        if principales & modulos_principales(otra.solucion):
            return otra
    return None


def archivos(carpeta):
    """``{ruta relativa: Path}`` del código de ``carpeta``: módulos y plantillas, recursivamente."""
    encontrados = {}
    if not carpeta.is_dir():
        return encontrados
    for ruta in sorted(carpeta.rglob("*")):
        relativa = ruta.relative_to(carpeta)
        if ruta.is_file() and ruta.suffix in SUFIJOS and not IGNORADAS.intersection(relativa.parts):
            encontrados[relativa.as_posix()] = ruta
    return encontrados


CABECERAS_GENERADAS = ("# Generado por «taller sincronizar»", "# Viene de la solución de la lección")


def lineas_de(ruta, es_solucion=False):
    """Las líneas de un archivo, sin la primera si solo dice de dónde lo copió «taller sincronizar».

    De la solución se toma el código sin las marcas ``# [solución]``/``# [ejercicio]``/``# [fin]``:
    es lo que hereda la lección siguiente.
    """
    texto = ruta.read_text(encoding="utf-8")
    if es_solucion and ruta.suffix == ".py":
        texto = ejercicios.quitar_marcas(texto, str(ruta))
    lineas = texto.splitlines(keepends=True)
    return lineas[1:] if lineas and lineas[0].startswith(CABECERAS_GENERADAS) else lineas


def comparar(origen, destino, base):
    """Los cambios de cada archivo de ``origen`` (solución anterior) a ``destino`` (punto de partida)."""
    antes, despues = archivos(origen), archivos(destino)
    cambios = []
    for ruta in sorted(antes.keys() | despues.keys()):
        viejo = lineas_de(antes[ruta], es_solucion=True) if ruta in antes else []
        nuevo = lineas_de(despues[ruta]) if ruta in despues else []
        desde = (origen / ruta).relative_to(base).as_posix() if ruta in antes else "/dev/null"
        hasta = (destino / ruta).relative_to(base).as_posix() if ruta in despues else "/dev/null"
        lineas = list(difflib.unified_diff(viejo, nuevo, desde, hasta, n=3))
        lineas = [linea if linea.endswith("\n") else linea + "\n" for linea in lineas]
        anadidas = sum(1 for linea in lineas[2:] if linea.startswith("+"))
        quitadas = sum(1 for linea in lineas[2:] if linea.startswith("-"))
        estado = (
            "nuevo" if ruta not in antes else "quitado" if ruta not in despues else "cambiado" if lineas else "igual"
        )
        cambios.append(Cambio(ruta, estado, "".join(lineas), anadidas, quitadas))
    return cambios


def _lineas(n):
    return f"{n} línea" if n == 1 else f"{n} líneas"


def resumen(cambio):
    """«app.py: 40 líneas añadidas, 12 quitadas», como título del desplegable."""
    if cambio.estado == "nuevo":
        return f"{cambio.ruta}: archivo nuevo ({_lineas(cambio.anadidas)})"
    if cambio.estado == "quitado":
        return f"{cambio.ruta}: ya no está ({_lineas(cambio.quitadas)} menos)"
    anadidas = "añadida" if cambio.anadidas == 1 else "añadidas"
    quitadas = "quitada" if cambio.quitadas == 1 else "quitadas"
    return f"{cambio.ruta}: {_lineas(cambio.anadidas)} {anadidas}, {cambio.quitadas} {quitadas}"


class desplegable(nodes.General, nodes.Element):
    """Un ``<details>`` de HTML: el diff de un archivo, cerrado hasta que se abre."""


def visitar_desplegable(self, node):
    self.body.append(f'<details class="diferencias"><summary>{self.encode(node["resumen"])}</summary>')


def salir_desplegable(self, node):
    self.body.append("</details>")


def visitar_otro(self, node):
    pass


def salir_otro(self, node):
    pass


class Diferencias(SphinxDirective):
    """``{diferencias}`` [NN_slug]: sin argumento, la lección de la página (``lecciones/NN_slug``)."""

    optional_arguments = 1
    option_spec = {"abiertos": directives.flag}

    def run(self):
        base = Path(self.env.srcdir).parent
        todas = lecciones.todas(base)
        nombre = self.arguments[0] if self.arguments else self.env.docname.rsplit("/", 1)[-1]
        leccion = next((otra for otra in todas if otra.nombre == nombre), None)
        if leccion is None:
            raise self.error(f"diferencias: no hay ninguna lección «{nombre}»")
        anterior = leccion_anterior(leccion, todas)
        if (leccion.solucion / "hereda.toml").is_file():
            self.env.note_dependency(str(leccion.solucion / "hereda.toml"))
        if anterior is None:
            texto = (
                f"El ejercicio de la lección {leccion.numero} no parte de la solución de ninguna lección "
                "anterior: su código empieza aquí."
            )
            return [nodes.paragraph(texto, texto)]

        cambios = comparar(anterior.solucion, leccion.ejercicio, base)
        for cambio in cambios:
            for carpeta in (anterior.solucion, leccion.ejercicio):
                if (carpeta / cambio.ruta).is_file():
                    self.env.note_dependency(str(carpeta / cambio.ruta))
        resultado = []
        introduccion = (
            f"Tu punto de partida (lessons/{leccion.nombre}/ejercicio/) es la solución de la lección "
            f"{anterior.numero} (solutions/{anterior.nombre}/) con estos cambios. Las líneas con + son nuevas, "
            "las líneas con - desaparecen; lo que no sale aquí sigue igual."
        )
        resultado.append(nodes.paragraph(introduccion, introduccion))
        for cambio in cambios:
            if cambio.estado == "igual":
                continue
            caja = desplegable(resumen=resumen(cambio))
            bloque = nodes.literal_block(cambio.diff, cambio.diff, language="diff")
            caja += bloque
            resultado.append(caja)
        iguales = [cambio.ruta for cambio in cambios if cambio.estado == "igual"]
        if iguales:
            texto = "Sin cambios: " + ", ".join(iguales) + "."
            resultado.append(nodes.paragraph(texto, texto))
        if all(cambio.estado == "igual" for cambio in cambios):
            texto = "El punto de partida es idéntico a la solución anterior."
            resultado.append(nodes.paragraph(texto, texto))
        return resultado


def setup(app):
    app.add_node(
        desplegable,
        html=(visitar_desplegable, salir_desplegable),
        latex=(visitar_otro, salir_otro),
        text=(visitar_otro, salir_otro),
        man=(visitar_otro, salir_otro),
        texinfo=(visitar_otro, salir_otro),
    )
    app.add_directive("diferencias", Diferencias)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
