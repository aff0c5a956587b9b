"""Extensión de Sphinx para incluir los archivos del taller tal como son.

- Los bloques ``<!-- código: … -->`` se regeneran al construir con
  ``taller.fragmentos``: la web muestra siempre el código actual de cada
  ``app.py``, aunque el README no se haya sincronizado.
- Los enlaces relativos de un archivo incluido (``[enunciado](ejercicio/ENUNCIADO.md)``)
  apuntan a la página de la web que lo incluye; si el destino no es una página
  (``app.py``) se deja solo el texto.
"""

import os
import re
from pathlib import Path

from sphinx.errors import ExtensionError

from taller import fragmentos

ENLACE = re.compile(r"(?<!!)\[(?P<texto>[^\]\n]+)\]\((?P<destino>[^)\s]+)\)")
INCLUDE = re.compile(r"^[`:]{3,}\{include\}\s+(?P<ruta>\S+)", re.MULTILINE)
CARPETAS_IGNORADAS = {"_build", "_ext", ".ipynb_checkpoints", "instance"}


def _regenerar(texto, carpeta, origen):
    if "<!--" not in texto:
        return texto
    try:
        return fragmentos.regenerar(texto, carpeta)
    except fragmentos.ErrorDeFragmento as e:
        raise ExtensionError(f"{origen}: {e}") from None


def _paginas(srcdir):
    """``{ruta real de un archivo: "/página" de la web}``, incluidos los archivos que una página incluye."""
    paginas, incluidos = {}, {}
    for carpeta, subcarpetas, archivos in os.walk(srcdir, followlinks=True):
        subcarpetas[:] = [c for c in subcarpetas if c not in CARPETAS_IGNORADAS]
        for nombre in archivos:
            ruta = Path(carpeta) / nombre
            if ruta.suffix not in (".md", ".ipynb"):
                continue
            pagina = "/" + ruta.relative_to(srcdir).as_posix()
            paginas[ruta.resolve()] = pagina
            if ruta.suffix == ".md":
                for m in INCLUDE.finditer(ruta.read_text(encoding="utf-8")):
                    incluidos[(ruta.parent / m["ruta"]).resolve()] = pagina
    return {**paginas, **incluidos}


def _reescribir_enlaces(texto, carpeta, paginas):
    def cambiar(m):
        destino = m["destino"]
        if "://" in destino or destino.startswith(("#", "/", "mailto:")):
            return m[0]
        ruta = destino.partition("#")[0]
        pagina = paginas.get((carpeta / ruta).resolve())
        if pagina is None:
            return m["texto"]  # un archivo que no es una página de la web: queda el texto
        # Un rol {doc} y no un enlace Markdown: MyST resolvería el enlace simbólico docs/cuadernos.
        texto = m["texto"].replace("`", "")
        return f"{{doc}}`{texto} <{pagina.rsplit('.', 1)[0]}>`"

    return ENLACE.sub(cambiar, texto)


def al_iniciar(app):
    app.env.taller_paginas = _paginas(Path(app.srcdir))


def al_leer(app, docname, source):
    """``source-read``: regenera los bloques de una página de docs/."""
    ruta = Path(app.env.doc2path(docname))
    source[0] = _regenerar(source[0], ruta.parent, ruta)


def al_incluir(app, relative_path, parent_docname, content):
    """``include-read``: regenera los bloques del archivo incluido y ajusta sus enlaces."""
    ruta = Path(app.srcdir) / relative_path
    texto = _regenerar(content[0], ruta.parent, ruta)
    content[0] = _reescribir_enlaces(texto, ruta.parent, getattr(app.env, "taller_paginas", {}))


def setup(app):
    app.connect("builder-inited", al_iniciar)
    app.connect("source-read", al_leer)
    app.connect("include-read", al_incluir)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
