"""Los diagramas del taller, dibujados con Graphviz desde sus ``.dot``.

Cada diagrama vive una sola vez, como ``lessons/NN_slug/diagramas/NOMBRE.dot`` (o
``docs/diagramas/NOMBRE.dot`` si aún no tiene lección), y se ve de dos maneras:

- **En la carpeta de la lección**: ``make diagramas`` dibuja ``NOMBRE.svg`` junto al
  ``.dot``, con la huella (sha256) del ``.dot`` del que sale; el README lo muestra con
  una línea ``![texto](diagramas/NOMBRE.svg)``. ``--verificar`` falla si algún ``.svg``
  falta o no corresponde a su ``.dot`` (la huella no depende de la versión de Graphviz).
- **En la web**: esta extensión cambia esa línea del README por la directiva
  ``graphviz`` de Sphinx, que dibuja el diagrama desde el ``.dot`` al construir.
"""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]
HUELLA = re.compile(r"<!-- fuente: (?P<fuente>\S+) sha256=(?P<huella>[0-9a-f]{64}) -->")
IMAGEN = re.compile(r"^!\[(?P<texto>[^\]\n]*)\]\((?P<ruta>[^)\s]+)\.svg\)[ \t]*$", re.MULTILINE)


def fuentes(raiz=RAIZ):
    """Los ``.dot`` del taller, en orden."""
    return sorted(raiz.glob("lessons/*/diagramas/*.dot")) + sorted(raiz.glob("docs/diagramas/*.dot"))


def huella(dot):
    return hashlib.sha256(dot.read_bytes()).hexdigest()


def dibujar(dot, raiz=RAIZ):
    """El SVG de ``dot``, con un comentario que dice de qué archivo y de qué versión de él sale."""
    try:
        proceso = subprocess.run(["dot", "-Tsvg", str(dot)], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RuntimeError("Falta dot (Graphviz): instálalo con «apt-get install graphviz».") from None
    if proceso.returncode != 0:
        raise RuntimeError(f"dot no pudo dibujar {dot}: {proceso.stderr.strip()}")
    primera, _, resto = proceso.stdout.partition("\n")
    comentario = f"<!-- fuente: {dot.relative_to(raiz).as_posix()} sha256={huella(dot)} -->"
    return f"{primera}\n{comentario}\n{resto}"


def desactualizados(raiz=RAIZ):
    """Los ``.dot`` cuyo ``.svg`` falta o se dibujó desde otra versión del ``.dot``."""
    malos = []
    for dot in fuentes(raiz):
        svg = dot.with_suffix(".svg")
        marca = HUELLA.search(svg.read_text(encoding="utf-8")) if svg.is_file() else None
        if marca is None or marca["huella"] != huella(dot):
            malos.append(dot)
    return malos


def cambiar_imagenes(texto, carpeta, srcdir):
    """``![texto](x.svg)`` con ``x.dot`` al lado → la directiva ``graphviz`` que lo dibuja desde ``x.dot``."""

    def cambiar(m):
        dot = (carpeta / f"{m['ruta']}.dot").resolve()
        if not dot.is_file():
            return m[0]
        # Una ruta que empieza por / es relativa a docs/, sea cual sea la página que incluye el archivo.
        ruta = "/" + Path(os.path.relpath(dot, srcdir)).as_posix()
        return f":::{{graphviz}} {ruta}\n:alt: {m['texto']}\n:caption: {m['texto']}\n:class: diagrama\n:::"

    return IMAGEN.sub(cambiar, texto)


def al_incluir(app, relative_path, parent_docname, content):
    """``include-read``: las imágenes de diagramas de un README se dibujan desde su ``.dot``."""
    srcdir = Path(app.srcdir)
    ruta = srcdir / relative_path
    content[0] = cambiar_imagenes(content[0], ruta.parent, srcdir)


def setup(app):
    app.setup_extension("sphinx.ext.graphviz")
    app.connect("include-read", al_incluir)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def main(argumentos=None):
    argumentos = sys.argv[1:] if argumentos is None else argumentos
    if argumentos == ["--verificar"]:
        malos = desactualizados()
        for dot in malos:
            print(f"desactualizado: {dot.with_suffix('.svg').relative_to(RAIZ)} (ejecuta make diagramas)")
        return 1 if malos else 0
    pendientes = desactualizados()
    for dot in pendientes:  # un .svg al día no se toca, aunque otro Graphviz lo dibujara distinto
        svg = dot.with_suffix(".svg")
        try:
            svg.write_text(dibujar(dot), encoding="utf-8")
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"dibujado: {svg.relative_to(RAIZ)}")
    if not pendientes:
        print("Todos los diagramas están al día.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
