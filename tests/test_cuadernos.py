"""Los cuadernos se guardan limpios: sin salidas, sin contadores y con Python como lenguaje."""

import json
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[1]
CUADERNOS = sorted((RAIZ / "notebooks").glob("*.ipynb"))


def cargar(ruta):
    return json.loads(ruta.read_text(encoding="utf-8"))


def test_hay_cuadernos():
    assert CUADERNOS, "No se ha encontrado ningún notebooks/*.ipynb"


@pytest.mark.parametrize("ruta", CUADERNOS, ids=lambda r: r.name)
def test_cuaderno_sin_salidas(ruta):
    sucias = [
        i
        for i, celda in enumerate(cargar(ruta)["cells"])
        if celda["cell_type"] == "code" and (celda.get("outputs") or celda.get("execution_count") is not None)
    ]
    assert not sucias, (
        f"{ruta.name}: las celdas {sucias} tienen salidas o execution_count. "
        f"Límpialo con: nbstripout --keep-id notebooks/{ruta.name}"
    )


@pytest.mark.parametrize("ruta", CUADERNOS, ids=lambda r: r.name)
def test_cuaderno_en_python(ruta):
    metadatos = cargar(ruta)["metadata"]
    assert metadatos.get("kernelspec", {}).get("language") == "python", f"{ruta.name}: kernelspec.language no es python"
    assert metadatos.get("language_info", {}).get("name") == "python", f"{ruta.name}: language_info.name no es python"


@pytest.mark.parametrize("ruta", CUADERNOS, ids=lambda r: r.name)
def test_cuaderno_con_ids_de_celda(ruta):
    """nbformat 4.5: cada celda tiene un id estable (nbstripout --keep-id los conserva)."""
    cuaderno = cargar(ruta)
    assert (cuaderno["nbformat"], cuaderno["nbformat_minor"]) >= (4, 5)
    ids = [celda.get("id") for celda in cuaderno["cells"]]
    assert all(ids) and len(set(ids)) == len(ids), f"{ruta.name}: faltan ids de celda o hay repetidos"
