"""Configuración de Sphinx para la web del taller (MyST + MyST-NB, sin red)."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent / "src"))  # taller.fragmentos, aunque no esté instalado

project = "Taller Flask + JWT + OAuth2"
author = "Taller Flask + JWT"
copyright = "2026, Taller Flask + JWT"
language = "es"

extensions = ["myst_nb", "codigo", "diferencias", "diagramas"]

# Los diagramas se dibujan al construir, desde los .dot, con el dot de Graphviz (sin red).
graphviz_output_format = "svg"

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "**/instance", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# Los cuadernos se ejecutan al construir: la web muestra siempre salidas reales.
# En git se guardan sin salidas; «force» los ejecuta siempre (la caché no ve los cambios de app.py).
nb_execution_mode = "force"
nb_execution_timeout = 60
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# sphinx-book-theme: navegación completa a la izquierda con la página actual marcada, índice de la
# página a la derecha, columna ancha y traducción al español; no pide nada a la red al construir.
html_theme = "sphinx_book_theme"
html_title = "Taller Flask + JWT + OAuth2"
html_static_path = ["_static"]
html_css_files = ["taller.css"]
templates_path = ["_templates"]  # los textos que el tema escribe en inglés sin pasar por traducción
locale_dirs = ["locale"]  # locale/es/LC_MESSAGES/*.po: lo que falta o está mal en las traducciones
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "search_bar_text": "Buscar en el taller…",
    "use_download_button": False,
    "use_fullscreen_button": False,
    "toc_title": "En esta página",
    "show_toc_level": 2,
}
