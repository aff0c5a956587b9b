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

extensions = ["myst_nb", "codigo"]

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

html_theme = "alabaster"
html_title = "Taller Flask + JWT + OAuth2"
html_static_path = []
html_theme_options = {"description": "De una API REST con Flask a una API segura con JWT y OAuth2", "show_relbars": True}

