"""La web se construye sin avisos y muestra el código actual de las lecciones."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taller import fragmentos, lecciones

RAIZ = Path(__file__).resolve().parents[1]


def texto_de(pagina):
    """El texto visible de una página HTML (sin etiquetas ni entidades)."""
    return html.unescape(re.sub(r"<[^>]+>", "", pagina.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """La web construida una vez para todo el módulo, como ``make docs`` (avisos = errores)."""
    tmp_path = tmp_path_factory.mktemp("web")
    salida = tmp_path / "html"
    proceso = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(RAIZ / "docs"),
            str(salida),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=RAIZ,
    )
    assert proceso.returncode == 0, f"sphinx-build falló:\n{proceso.stdout[-3000:]}\n{proceso.stderr[-3000:]}"
    return salida


def test_la_web_se_construye_y_muestra_el_codigo_de_la_leccion(web):
    salida = web
    pagina = texto_de(salida / "lecciones" / "01_api_rest.html")
    codigo = fragmentos.extraer("app.py función=crear_item", RAIZ / "lessons" / "01_api_rest")
    lineas = [linea.strip() for linea in codigo.splitlines() if linea.strip()]
    assert 'ubicacion = url_for("obtener_item", item_id=item.id)' in lineas
    faltan = [linea for linea in lineas if linea not in pagina]
    assert not faltan, f"La página de la lección 01 no muestra estas líneas de app.py: {faltan}"

    cuaderno = texto_de(salida / "cuadernos" / "01_api_rest.html")
    assert "Servidor escuchando en http://127.0.0.1:" in cuaderno, "El cuaderno no se ejecutó al construir la web"
    assert (salida / "index.html").is_file()

    for leccion in lecciones.todas():  # cada lección tiene su página, la de su ejercicio y su cuaderno
        for pagina in (
            f"lecciones/{leccion.nombre}.html",
            f"lecciones/{leccion.nombre}_ejercicio.html",
            f"cuadernos/{leccion.nombre}.html",
        ):
            assert (salida / pagina).is_file(), f"falta {pagina} en la web"
        titulo = texto_de(salida / "lecciones" / f"{leccion.nombre}.html")
        assert f"Lección {leccion.numero}" in titulo


# Textos en inglés que los temas de Sphinx suelen dejar sin traducir.
INGLES = re.compile(
    r"\b(Search|Page source|Show source|Powered by|Created using|Built with|Toggle|Contents|On this page|"
    r"Link to this|Back to top|Skip to|Next|Previous|Download|Print to PDF|Fullscreen|Main|Page|"
    r"Light|Dark|System|Theme|Edit this page|Last updated|Made with|Copyright ©)\b"
)
ATRIBUTOS = re.compile(r'\b(?:title|aria-label|placeholder|alt|data-tooltip)="([^"]*)"')


def interfaz_de(pagina):
    """Lo que la web escribe alrededor del texto de la lección: la interfaz, fuera de ``<article>``."""
    codigo = pagina.read_text(encoding="utf-8")
    codigo = re.sub(r"<(script|style)\b[^>]*>.*?</\1>|<!--.*?-->", "", codigo, flags=re.S)
    inicio, fin = codigo.find("<article"), codigo.rfind("</article>")
    fuera = codigo[:inicio] + codigo[fin:] if inicio >= 0 else codigo
    visible = html.unescape(re.sub(r"<[^>]+>", " ", fuera))
    return [*ATRIBUTOS.findall(codigo), *re.sub(r"\s+", " ", visible).split(" · ")]


def test_la_interfaz_de_la_web_esta_en_espanol(web):
    paginas = [
        "index.html",
        "search.html",
        "mantenimiento.html",
        "diagramas.html",
        "genindex.html",
        "lecciones/04_refresh_tokens.html",
        "lecciones/04_refresh_tokens_ejercicio.html",
        "cuadernos/04_refresh_tokens.html",
    ]
    for nombre in paginas:
        html_de_la_pagina = (web / nombre).read_text(encoding="utf-8")
        assert '<html lang="es"' in html_de_la_pagina, f"{nombre} no declara el idioma español"
        ingles = sorted({m[0] for texto in interfaz_de(web / nombre) for m in INGLES.finditer(texto)})
        assert not ingles, f"{nombre} conserva textos de la interfaz en inglés: {ingles}"


def test_la_pagina_actual_se_marca_y_tiene_indice(web):
    pagina = (web / "lecciones" / "04_refresh_tokens.html").read_text(encoding="utf-8")
    marcada = re.search(
        r'<li class="toctree-l1 current active"><a class="current reference internal" '
        r'href="#">Lección 04',
        pagina,
    )
    assert marcada, "La navegación no marca la página actual"
    assert "En esta página" in pagina and 'href="#post-auth-refresh"' in pagina, "Falta el índice de la página"


def test_la_portada_apunta_a_las_paginas_de_la_web(web):
    portada = (web / "index.html").read_text(encoding="utf-8")
    cuerpo = portada[portada.find("<article") : portada.rfind("</article>")]
    for leccion in lecciones.todas():
        for destino in (
            f"lecciones/{leccion.nombre}.html",
            f"lecciones/{leccion.nombre}_ejercicio.html",
            f"cuadernos/{leccion.nombre}.html",
        ):
            assert f'href="{destino}"' in cuerpo, f"La portada no enlaza con {destino}"
    visible = texto_de_html(cuerpo)
    rutas = re.findall(r"\b(?:lessons|solutions|notebooks)/\S*", visible.replace("jupyter lab notebooks/", ""))
    assert not rutas, f"La portada manda a rutas del repositorio en vez de a páginas de la web: {rutas}"
    assert 'href="mantenimiento.html"' in cuerpo


def texto_de_html(codigo):
    return html.unescape(re.sub(r"<[^>]+>", "", codigo))


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
        "```{include} ../../lessons/99_prueba/ejercicio/ENUNCIADO.md\n```\n", encoding="utf-8"
    )
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


def cargar_diferencias():
    """``docs/_ext/diferencias.py`` cargado por su ruta."""
    import importlib.util

    ruta = RAIZ / "docs" / "_ext" / "diferencias.py"
    especificacion = importlib.util.spec_from_file_location("docs_ext_diferencias", ruta)
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    return modulo


def escribir(ruta, texto):
    ruta.parent.mkdir(parents=True, exist_ok=True)
    ruta.write_text(texto, encoding="utf-8")


def test_la_leccion_anterior_sale_de_hereda_toml_o_del_modulo_principal(tmp_path):
    diferencias = cargar_diferencias()
    for nombre, principal in [("01_a", "app.py"), ("02_b", "app.py"), ("03_c", "jwt_manual.py"), ("04_d", "app.py")]:
        (tmp_path / "lessons" / nombre / "ejercicio").mkdir(parents=True)
        escribir(tmp_path / "solutions" / nombre / principal, "x = 1\n")
    escribir(tmp_path / "solutions" / "05_e" / "api" / "__init__.py", "")
    (tmp_path / "lessons" / "05_e").mkdir()
    todas = lecciones.todas(tmp_path)
    anterior = {leccion.nombre: diferencias.leccion_anterior(leccion, todas) for leccion in todas}
    assert {nombre: previa and previa.nombre for nombre, previa in anterior.items()} == {
        "01_a": None,
        "02_b": "01_a",
        "03_c": None,
        "04_d": "02_b",  # la 03 no tiene app.py: se salta
        "05_e": None,  # el paquete api/ no existía antes
    }

    escribir(tmp_path / "solutions" / "05_e" / "hereda.toml", 'de = "04_d"\n')
    escribir(tmp_path / "solutions" / "04_d" / "hereda.toml", 'de = "01_a"\n')
    todas = lecciones.todas(tmp_path)
    assert diferencias.leccion_anterior(todas[4], todas).nombre == "04_d"
    assert diferencias.leccion_anterior(todas[3], todas).nombre == "01_a"  # hereda.toml manda

    escribir(tmp_path / "solutions" / "04_d" / "hereda.toml", 'de = "99_no_existe"\n')
    with pytest.raises(Exception, match="99_no_existe"):
        diferencias.leccion_anterior(todas[3], todas)


def test_las_diferencias_comparan_modulos_y_plantillas_archivo_por_archivo(tmp_path):
    diferencias = cargar_diferencias()
    antes, despues = tmp_path / "solutions" / "01_a", tmp_path / "lessons" / "02_b" / "ejercicio"
    escribir(antes / "api" / "__init__.py", "def create_app():\n    return 1\n")
    escribir(antes / "api" / "viejo.py", "borrado = True\n")
    escribir(antes / "api" / "config.py", "CLAVE = 1\n")
    escribir(antes / "api" / "__pycache__" / "x.py", "no cuenta\n")
    escribir(despues / "api" / "__init__.py", "def create_app():\n    return 2\n")
    escribir(despues / "api" / "config.py", "CLAVE = 1\n")
    escribir(despues / "api" / "templates" / "login.html", "<form></form>\n")
    escribir(despues / "ENUNCIADO.md", "# no es código\n")

    cambios = {cambio.ruta: cambio for cambio in diferencias.comparar(antes, despues, tmp_path)}
    assert {ruta: cambio.estado for ruta, cambio in cambios.items()} == {
        "api/__init__.py": "cambiado",
        "api/config.py": "igual",
        "api/templates/login.html": "nuevo",
        "api/viejo.py": "quitado",
    }
    diff = cambios["api/__init__.py"].diff
    assert diff.startswith("--- solutions/01_a/api/__init__.py\n+++ lessons/02_b/ejercicio/api/__init__.py\n")
    assert "-    return 1\n+    return 2\n" in diff
    assert diferencias.resumen(cambios["api/__init__.py"]) == "api/__init__.py: 1 línea añadida, 1 quitada"
    assert (
        diferencias.resumen(cambios["api/templates/login.html"]) == "api/templates/login.html: archivo nuevo (1 línea)"
    )


def test_cada_leccion_muestra_que_cambia_respecto_a_la_anterior(web):
    pagina = (web / "lecciones" / "04_refresh_tokens.html").read_text(encoding="utf-8")
    assert "Qué cambia respecto a la lección anterior" in pagina
    assert '<details class="diferencias"><summary>api/tokens.py:' in pagina
    assert 'class="highlight-diff' in pagina, "El diff no se resalta como diff"
    texto = texto_de_html(pagina)
    assert "--- solutions/02_login_jwt/api/tokens.py" in texto
    assert "+++ lessons/04_refresh_tokens/ejercicio/api/tokens.py" in texto
    # Los módulos heredados sin cambios no salen como diff (su primera línea solo dice de dónde vienen).
    assert "<summary>api/config.py" not in pagina and "api/config.py" in texto
    assert "empieza aquí" in texto_de(web / "lecciones" / "03_anatomia_jwt.html")


ANCHO = 1280
DESBORDADOS = """
() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const columna = document.querySelector("article.bd-article").getBoundingClientRect();
  const bloques = document.querySelectorAll(
    "article div.highlight pre, article div.cell_output pre, article div.output pre");
  const malos = [];
  for (const pre of bloques) {
    const caja = pre.getBoundingClientRect();
    if (caja.width === 0) continue;
    if (pre.scrollWidth > pre.clientWidth || caja.right > columna.right + 1) {
      const linea = pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "");
      malos.push(`${pre.scrollWidth} px en ${pre.clientWidth} px: ${linea.slice(0, 80)}`);
    }
  }
  return {bloques: bloques.length, malos, ancho: columna.width};
}
"""


def test_el_codigo_y_las_salidas_caben_en_la_columna(web, request):
    """En Chromium a 1280 px, ningún bloque de código ni salida de cuaderno necesita barra horizontal."""
    from taller.navegador import chromium_de_la_sesion

    # El Chromium de Debian que comparte toda la sesión de pytest (falla con un mensaje claro si no está):
    # dos Playwright síncronos a la vez en un proceso no pueden convivir.
    chromium = chromium_de_la_sesion(request.config)
    paginas = [f"lecciones/{leccion.nombre}.html" for leccion in lecciones.todas()]
    paginas += [f"cuadernos/{leccion.nombre}.html" for leccion in lecciones.todas()]
    problemas, bloques = [], 0
    contexto = chromium.new_context(viewport={"width": ANCHO, "height": 900})
    try:
        pestana = contexto.new_page()
        for pagina in paginas:
            pestana.goto((web / pagina).as_uri())
            medida = pestana.evaluate(DESBORDADOS)
            bloques += medida["bloques"]
            assert medida["ancho"] >= 600, f"{pagina}: la columna de texto mide solo {medida['ancho']} px"
            problemas += [f"{pagina}: {malo}" for malo in medida["malos"]]
    finally:
        contexto.close()
    assert bloques > 50, f"Solo encontré {bloques} bloques de código: ¿cambió el HTML del tema?"
    assert not problemas, "Bloques que necesitan barra de desplazamiento horizontal:\n" + "\n".join(problemas)


def cargar_diagramas():
    """``docs/_ext/diagramas.py`` cargado por su ruta."""
    import importlib.util

    ruta = RAIZ / "docs" / "_ext" / "diagramas.py"
    especificacion = importlib.util.spec_from_file_location("docs_ext_diagramas", ruta)
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    return modulo


def test_los_svg_de_los_diagramas_corresponden_a_sus_dot():
    """Cada ``.dot`` tiene al lado el ``.svg`` dibujado desde esa misma versión (la huella, no los bytes)."""
    diagramas = cargar_diagramas()
    fuentes = diagramas.fuentes(RAIZ)
    assert len(fuentes) >= 7, f"Solo hay {len(fuentes)} diagramas"
    malos = [str(dot.relative_to(RAIZ)) for dot in diagramas.desactualizados(RAIZ)]
    assert not malos, f"Estos .svg no corresponden a su .dot; ejecuta «make diagramas»: {malos}"


def test_cada_diagrama_se_ve_desde_su_leccion_y_en_la_web(web):
    diagramas = cargar_diagramas()
    pagina_de_diagramas = (RAIZ / "docs" / "diagramas.md").read_text(encoding="utf-8")
    for dot in diagramas.fuentes(RAIZ):
        ruta = dot.relative_to(RAIZ).as_posix()
        assert ruta.removeprefix("docs/") in pagina_de_diagramas, f"docs/diagramas.md no muestra {ruta}"
        if ruta.startswith("lessons/"):
            readme = (dot.parents[1] / "README.md").read_text(encoding="utf-8")
            assert f"](diagramas/{dot.stem}.svg)" in readme, f"El README de la lección no muestra {ruta}"
    pagina = (web / "lecciones" / "04_refresh_tokens.html").read_text(encoding="utf-8")
    dibujo = re.search(r'<object data="\.\./(_images/graphviz-[0-9a-f]+\.svg)" type="image/svg\+xml"', pagina)
    assert dibujo, "La página de la lección 04 no muestra su diagrama dibujado con Graphviz"
    svg = (web / dibujo[1]).read_text(encoding="utf-8")
    assert "Refrescar" in svg and "sin contraseña" in svg
    assert "diagramas/flujo.svg" not in pagina, "La web debe dibujar el .dot, no copiar el .svg de la lección"


def test_una_imagen_de_diagrama_se_cambia_por_la_directiva_graphviz(tmp_path):
    diagramas = cargar_diagramas()
    docs, leccion = tmp_path / "docs", tmp_path / "lessons" / "99_prueba"
    escribir(leccion / "diagramas" / "flujo.dot", "digraph { a -> b }\n")
    texto = "Antes.\n\n![El flujo de prueba](diagramas/flujo.svg)\n\n![Una foto](foto.svg)\n"
    cambiado = diagramas.cambiar_imagenes(texto, leccion, docs)
    assert ":::{graphviz} /../lessons/99_prueba/diagramas/flujo.dot\n:alt: El flujo de prueba\n" in cambiado
    assert "![Una foto](foto.svg)" in cambiado, "Una imagen sin .dot al lado se queda como está"


def test_dibujar_un_diagrama_da_siempre_el_mismo_svg(tmp_path):
    import shutil

    assert shutil.which("dot"), "Falta dot (Graphviz): instálalo con «apt-get install graphviz» (.ci/run lo hace)."
    diagramas = cargar_diagramas()
    dot = tmp_path / "lessons" / "99_prueba" / "diagramas" / "flujo.dot"
    escribir(dot, 'digraph { "Lección" -> "Revocación" }\n')
    primero, segundo = diagramas.dibujar(dot, tmp_path), diagramas.dibujar(dot, tmp_path)
    assert primero == segundo
    assert f"<!-- fuente: lessons/99_prueba/diagramas/flujo.dot sha256={diagramas.huella(dot)} -->" in primero
    assert "Revocación" in primero
