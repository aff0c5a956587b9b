"""La web se construye sin avisos y muestra el código actual de las lecciones."""

import html
import re
import subprocess
import sys
from pathlib import Path

from taller import fragmentos, lecciones

RAIZ = Path(__file__).resolve().parents[1]


def texto_de(pagina):
    """El texto visible de una página HTML (sin etiquetas ni entidades)."""
    return html.unescape(re.sub(r"<[^>]+>", "", pagina.read_text(encoding="utf-8")))


def test_la_web_se_construye_y_muestra_el_codigo_de_la_leccion(tmp_path):
    salida = tmp_path / "html"
    proceso = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(RAIZ / "docs"), str(salida)],
        capture_output=True, text=True, timeout=300, cwd=RAIZ,
    )
    assert proceso.returncode == 0, f"sphinx-build falló:\n{proceso.stdout[-3000:]}\n{proceso.stderr[-3000:]}"

    pagina = texto_de(salida / "lecciones" / "01_api_rest.html")
    codigo = fragmentos.extraer("app.py función=crear_item", RAIZ / "lessons" / "01_api_rest")
    lineas = [linea.strip() for linea in codigo.splitlines() if linea.strip()]
    assert "ubicacion = url_for(\"obtener_item\", item_id=item.id)" in lineas
    faltan = [linea for linea in lineas if linea not in pagina]
    assert not faltan, f"La página de la lección 01 no muestra estas líneas de app.py: {faltan}"

    cuaderno = texto_de(salida / "cuadernos" / "01_api_rest.html")
    assert "Servidor escuchando en http://127.0.0.1:" in cuaderno, "El cuaderno no se ejecutó al construir la web"
    assert (salida / "index.html").is_file()

    for leccion in lecciones.todas():  # cada lección tiene su página, la de su ejercicio y su cuaderno
        for pagina in (f"lecciones/{leccion.nombre}.html", f"lecciones/{leccion.nombre}_ejercicio.html",
                       f"cuadernos/{leccion.nombre}.html"):
            assert (salida / pagina).is_file(), f"falta {pagina} en la web"
        titulo = texto_de(salida / "lecciones" / f"{leccion.nombre}.html")
        assert f"Lección {leccion.numero}" in titulo


def cargar_extension():
    """``docs/_ext/codigo.py`` cargado por su ruta."""
    import importlib.util

    especificacion = importlib.util.spec_from_file_location("docs_ext_codigo", RAIZ / "docs" / "_ext" / "codigo.py")
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    return modulo


def test_la_extension_regenera_los_bloques_y_ajusta_los_enlaces(tmp_path):
    from types import SimpleNamespace

    codigo = cargar_extension()
    docs = tmp_path / "docs"
    (docs / "lecciones").mkdir(parents=True)
    leccion = tmp_path / "lessons" / "99_prueba"
    (leccion / "ejercicio").mkdir(parents=True)
    (leccion / "app.py").write_text("def hola():\n    return 'hola de verdad'\n", encoding="utf-8")
    (leccion / "ejercicio" / "ENUNCIADO.md").write_text("# Enunciado\n", encoding="utf-8")
    (docs / "lecciones" / "99.md").write_text("```{include} ../../lessons/99_prueba/README.md\n```\n", encoding="utf-8")
    (docs / "lecciones" / "99_ejercicio.md").write_text(
        "```{include} ../../lessons/99_prueba/ejercicio/ENUNCIADO.md\n```\n", encoding="utf-8")
    readme = (
        "Mira [el código](app.py) y [el enunciado](ejercicio/ENUNCIADO.md).\n\n"
        "<!-- código: app.py función=hola -->\n```python\nviejo\n```\n<!-- fin del código -->\n"
    )

    app = SimpleNamespace(srcdir=str(docs), env=SimpleNamespace())
    codigo.al_iniciar(app)
    contenido = [readme]
    codigo.al_incluir(app, Path("../lessons/99_prueba/README.md"), "99", contenido)

    assert "return 'hola de verdad'" in contenido[0] and "viejo" not in contenido[0]
    assert contenido[0].startswith("Mira el código y {doc}`el enunciado </lecciones/99_ejercicio>`.")
