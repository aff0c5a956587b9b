# Las dos órdenes del taller. Ambas crean (o ponen al día) el entorno .venv la primera vez.
#   make ejecutar            sirve la app de la lección 01 en http://127.0.0.1:5000
#   make ejecutar LECCION=04 sirve la de otra lección
#   make test                ejecuta todas las pruebas del taller (instala antes lo que falte en el sistema),
#                            en dos procesos (pytest-xdist); cada archivo de pruebas, entero en uno
#   make docs / make diagramas   la web en docs/_build/html / los .svg de los diagramas

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LECCION ?= 01
INSTALADO := $(VENV)/.instalado

.PHONY: ejecutar test docs diagramas sincronizar limpiar

$(INSTALADO): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hace falta Python 3.11 o posterior (tienes " + sys.version.split()[0] + ").")'
	@echo "Preparando el entorno $(VENV) (la primera vez tarda alrededor de un minuto)…"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(INSTALADO)

ejecutar: $(INSTALADO)
	$(BIN)/taller ejecutar $(LECCION)

test: $(INSTALADO)
	@bash .ci/preparar
	$(BIN)/pytest -n 2 --dist loadscope --durations=25

docs: $(INSTALADO)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# Dibuja el .svg de cada diagrama (lessons/*/diagramas/*.dot, docs/diagramas/*.dot) que no esté al día.
diagramas:
	$(PYTHON) docs/_ext/diagramas.py

sincronizar: $(INSTALADO)
	$(BIN)/taller sincronizar

limpiar:
	rm -rf $(VENV) docs/_build .taller
