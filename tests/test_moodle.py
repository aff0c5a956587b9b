"""Moodle de ida y vuelta, la retroalimentación tal como se ve y las señales de copia.

Una descarga de Moodle con cada forma de entrega (archivos sueltos, un .zip dentro, carpetas
anidadas, texto en línea), calificada con la orden de verdad; la hoja de calificación y el .zip
de retroalimentación comprobados contra lo que lee el importador de Moodle (moodle/moodle,
``mod/assign/feedback/offline/importgradeslib.php`` y ``mod/assign/feedback/file/importziplib.php``).
"""

import csv
import io
import re
import zipfile

import pytest
from markdown_it import MarkdownIt
from test_calificar import taller

from taller import lecciones, moodle, parecidos, retro

LECCION = lecciones.buscar("01")
SOLUCION = (LECCION.solucion / "app.py").read_text(encoding="utf-8")
PARTIDA = (LECCION.ejercicio / "app.py").read_text(encoding="utf-8")
RENOMBRES = {"articulo": "elemento", "mensaje": "texto_error", "respuesta": "resp", "desconocidos": "sobrantes"}

# Columnas de la hoja que descarga Moodle en inglés (gradingtable.php con la hoja sin conexión activa).
CABECERA_MOODLE = [
    "Identifier",
    "Full name",
    "Email address",
    "Status",
    "Grade",
    "Maximum grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
]
PARTICIPANTES = {
    "101": "Ana López",
    "102": "Beto Ruiz",
    "103": "Carla Gil",
    "104": "Dani Sol",
    "105": "Eva Paz",
    "106": "Fran Ausente",
}


def renombrada(codigo):
    """Una copia con otros nombres, otros comentarios y otro formato: lo que hace quien copia con cuidado."""
    for viejo, nuevo in RENOMBRES.items():
        codigo = re.sub(rf"\b{viejo}\b", nuevo, codigo)
    return "# Mi solución, hecha por mí\n\n" + codigo.replace("\n\n\n", "\n\n# ----\n\n\n")


def descarga(destino):
    """El .zip de «Descargar todas las entregas» con cada forma que produce Moodle."""
    interior = io.BytesIO()
    with zipfile.ZipFile(interior, "w") as z:
        z.writestr("proyecto/app.py", renombrada(SOLUCION))
    with zipfile.ZipFile(destino, "w") as z:
        z.writestr("Ana López_101_assignsubmission_file_/app.py", SOLUCION)
        z.writestr("Beto Ruiz_102_assignsubmission_file_/entrega.zip", interior.getvalue())
        z.writestr(
            "Carla Gil_103_assignsubmission_file_/mi_proyecto/src/app.py",
            SOLUCION.replace('parcial = request.method == "PATCH"', "parcial = False"),
        )
        z.writestr("Carla Gil_103_assignsubmission_onlinetext_/onlinetext.html", "<p>Adjunto mi proyecto.</p>")
        z.writestr("Dani Sol_104_assignsubmission_onlinetext_/onlinetext.html", "<p>No sé subir archivos</p>")
        z.writestr(
            "Eva Paz_105_assignsubmission_file_/app.py",
            SOLUCION.replace("db = SQLAlchemy()\n", "db = SQLAlchemy(\n", 1),
        )
    return destino


def hoja_descargada(destino):
    with open(destino, "w", encoding="utf-8", newline="") as f:
        escritor = csv.writer(f)
        escritor.writerow(CABECERA_MOODLE)
        for pid, nombre in PARTICIPANTES.items():
            escritor.writerow(
                [
                    f"Participant {pid}",
                    nombre,
                    f"{pid}@ejemplo.org",
                    "Submitted for grading",
                    "",
                    "10.00",
                    "Yes",
                    "Tuesday, 1 December 2026, 9:00 PM",
                    "-",
                    "",
                ]
            )
    return destino


@pytest.fixture(scope="module")
def moodle_ida_y_vuelta(tmp_path_factory):
    base = tmp_path_factory.mktemp("moodle")
    salida = base / "notas"
    r = taller(
        "calificar",
        "01",
        str(descarga(base / "descarga.zip")),
        "--clase",
        "--salida",
        str(salida),
        "--moodle",
        str(hoja_descargada(base / "hoja.csv")),
        "--trabajos",
        "2",
        "--limite-tiempo",
        "5",
    )
    return r, salida


def hoja_devuelta(salida):
    with open(salida / "moodle" / "hoja_de_calificacion.csv", encoding="utf-8", newline="") as f:
        filas = list(csv.reader(f))
    return filas[0], {fila[0]: dict(zip(filas[0], fila)) for fila in filas[1:]}


def test_cada_forma_de_entrega_de_moodle_se_califica(moodle_ida_y_vuelta):
    r, salida = moodle_ida_y_vuelta
    assert "Calificadas 5 entregas" in r.stdout, r.stdout + r.stderr  # el texto en línea de Carla no es otra
    with open(salida / "calificaciones.csv", encoding="utf-8") as f:
        total = {fila["estudiante"]: int(fila["total"]) for fila in csv.DictReader(f)}
    assert total == {"Ana López_101": 26, "Beto Ruiz_102": 26, "Carla Gil_103": 24, "Dani Sol_104": 0, "Eva Paz_105": 0}
    assert "Dani Sol_104: Solo hay texto en línea, sin archivos" in r.stdout


def test_la_hoja_devuelta_es_la_de_moodle_con_la_nota_y_el_comentario(moodle_ida_y_vuelta):
    _, salida = moodle_ida_y_vuelta
    cabecera, filas = hoja_devuelta(salida)
    assert cabecera == CABECERA_MOODLE  # mismas columnas, mismo orden: las que busca el importador
    for obligatoria in ("Identifier", "Grade", "Last modified (grade)"):  # importgradeslib.php::init()
        assert obligatoria in cabecera
    notas = {pid: filas[f"Participant {pid}"]["Grade"] for pid in PARTICIPANTES}
    assert notas == {"101": "10", "102": "10", "103": "9.23", "104": "0", "105": "0", "106": ""}  # sobre 10
    assert filas["Participant 106"]["Feedback comments"] == ""  # quien no entregó queda como estaba
    assert filas["Participant 101"]["Last modified (grade)"] == "-"  # la fecha de Moodle se conserva
    comentario = filas["Participant 103"]["Feedback comments"]
    assert comentario.startswith("<p><strong>Nota: 24/26 puntos (92,3 %)</strong>")
    assert "PATCH /api/articulos/&lt;id&gt;" in comentario and "<pre><code" in comentario


def test_el_zip_de_retroalimentacion_tiene_la_forma_que_importa_moodle(moodle_ida_y_vuelta):
    _, salida = moodle_ida_y_vuelta
    with zipfile.ZipFile(salida / "moodle" / "retroalimentacion.zip") as z:
        nombres = z.namelist()
        pagina = z.read("Carla Gil_103_assignfeedback_file_/retroalimentacion.html").decode("utf-8")
    assert len(nombres) == 5
    for nombre in nombres:  # importziplib.php: explode('_', carpeta, 5) → nombre, ID numérico, tipo, plugin
        carpeta, archivo = nombre.split("/")
        trozos = carpeta.split("_", 4)
        assert trozos[1] in PARTICIPANTES and trozos[2:4] == ["assignfeedback", "file"] and archivo[0] not in ".~"
    assert pagina.startswith("<!DOCTYPE html>") and "Nota: 24/26 puntos (92,3 %)" in pagina


def test_una_entrega_que_no_carga_tiene_su_maximo_real(moodle_ida_y_vuelta):
    _, salida = moodle_ida_y_vuelta
    texto = (salida / "retroalimentacion" / "Eva Paz_105.md").read_text(encoding="utf-8")
    assert "**Nota: 0/26 puntos (0 %)**" in texto and "0/0" not in texto
    assert re.search(r"error de sintaxis en la línea \d+", texto)
    assert texto.count("No se ejecutó") == 0 and "19 comprobaciones que dependen de cargarla" in texto


def test_la_hoja_sin_plantilla_usa_los_nombres_de_moodle():
    texto, avisos = moodle.hoja(
        {
            "Ana López_7": {"score": 13, "max_score": 26, "status": "fail", "tests": [], "tasks": []},
            "suelto": {"score": 0, "max_score": 26},
        },
        {"Ana López_7": ("Ana López", "7")},
    )
    filas = list(csv.reader(io.StringIO(texto)))
    assert filas[0][0] == "Identifier" and "Grade" in filas[0] and "Last modified (grade)" in filas[0]
    assert filas[1][:2] == ["Participant 7", "Ana López"] and filas[1][filas[0].index("Grade")] == "50"
    assert avisos and "suelto" in avisos[0]


def test_participante_de_las_carpetas_de_moodle():
    assert moodle.participante("Ana López_123_assignsubmission_file_") == ("Ana López", "123", "file")
    assert moodle.participante("Ana López_123_assignsubmission_onlinetext") == ("Ana López", "123", "onlinetext")
    assert moodle.participante("ana") is None


# ── Retroalimentación: lo que ve el estudiante en GitHub, Moodle o un navegador ──


def renderizada(markdown):
    return MarkdownIt("commonmark", {"html": False}).render(markdown)


def documento_con_fallos():
    pista = "Pista: Devuelve `jsonify(...), 201`."
    return {
        "version": 3,
        "status": "fail",
        "message": None,
        "score": 1,
        "max_score": 6,
        "tasks": [{"task_id": 1, "name": "Crear con __table_args__", "score": 1, "max_score": 6}],
        "tests": [
            {
                "id": "a",
                "name": "GET /api/articulos/<id> responde 200.",
                "status": "pass",
                "message": None,
                "output": None,
                "task_id": 1,
                "score": 1,
                "max_score": 1,
            },
            {
                "id": "b",
                "name": "POST crea <b>el</b> artículo.",
                "status": "fail",
                "task_id": 1,
                "score": 0,
                "max_score": 2,
                "output": None,
                "message": f"Se esperaba 201, se obtuvo 500 con <img src=x> **no**.\n{pista}",
            },
            *[
                {
                    "id": f"c{i}",
                    "name": f"Depende {i}.",
                    "status": "skip",
                    "task_id": 1,
                    "score": 0,
                    "max_score": 1,
                    "output": None,
                    "message": "No se ejecutó porque no pasó «POST crea <b>el</b> artículo.».",
                }
                for i in range(3)
            ],
        ],
    }


def test_la_retroalimentacion_se_ve_como_debe_en_commonmark():
    md = retro.retroalimentacion(LECCION, "ana_<script>", documento_con_fallos())
    html = renderizada(md)
    assert "<code>ana_&lt;script&gt;</code>" in html  # el nombre, como código
    assert "GET /api/articulos/&lt;id&gt; responde 200." in html  # «<id>» se ve, no es una etiqueta
    assert "Crear con __table_args__" in html and "<strong>table_args</strong>" not in html
    assert "<b>" not in html and "<img" not in html  # nada de la entrega llega vivo
    assert '<pre><code class="language-text">Se esperaba 201, se obtuvo 500 con &lt;img src=x&gt; **no**.' in html
    assert "<p><strong>Pista:</strong> Devuelve <code>jsonify(...), 201</code>.</p>" in html  # su propio párrafo
    assert "Pista:" not in html.split("<pre>")[1].split("</pre>")[0]  # la pista no va en el bloque del mensaje
    assert "y 3 comprobaciones que dependen de ella no se ejecutaron" in html and "No se ejecutó" not in html
    assert html.index("Tarea 1 · Crear con __table_args__: 1/6") < html.index("Sigue por aquí")  # tareas primero
    assert "<strong>Nota: 1/6 puntos (16,7 %)</strong>" in html


def test_la_pagina_html_es_completa_y_escapa_el_titulo():
    pagina = retro.pagina_html(LECCION, "<b>eva</b>", documento_con_fallos())
    assert pagina.startswith("<!DOCTYPE html>") and '<html lang="es">' in pagina and '<meta charset="utf-8">' in pagina
    assert "<title>Lección 01 · API REST con Flask · &lt;b&gt;eva&lt;/b&gt;</title>" in pagina


# ── Señales de copia ─────────────────────────────────────────────────────────


def carpeta_con(tmp_path, nombre, codigo):
    (tmp_path / nombre).mkdir()
    (tmp_path / nombre / "app.py").write_text(codigo, encoding="utf-8")
    return tmp_path / nombre


def test_las_copias_se_senalan_y_las_soluciones_distintas_no(tmp_path):
    otras = [lecciones.buscar(n).solucion for n in ("02", "03")]
    entregas = {
        "copia": carpeta_con(tmp_path, "copia", SOLUCION),
        "renombrada": carpeta_con(tmp_path, "renombrada", renombrada(SOLUCION)),
        "sin_hacer": carpeta_con(tmp_path, "sin_hacer", PARTIDA),
        "otra_02": otras[0],
        "otra_03": otras[1],
    }
    pares = parecidos.comparar(entregas, LECCION.solucion, LECCION.ejercicio)
    encontrados = {(a, b): (p, identicas) for a, b, p, identicas in pares}
    assert encontrados[("copia", parecidos.REFERENCIA)] == (1.0, True)
    assert encontrados[("renombrada", parecidos.REFERENCIA)] == (1.0, True)  # renombrar no la esconde
    assert encontrados[("copia", "renombrada")] == (1.0, True)
    assert not any("sin_hacer" in par or "otra_02" in par or "otra_03" in par for par in encontrados)
    informe = parecidos.informe(pares, len(entregas))
    assert "no cambia ninguna nota" in informe and "`copia` y `renombrada`: 100 %" in informe


def test_el_informe_de_parecidos_se_escribe_sin_tocar_las_notas(moodle_ida_y_vuelta):
    _, salida = moodle_ida_y_vuelta
    informe = (salida / "parecidos.md").read_text(encoding="utf-8")
    assert "`Ana López_101` y `Beto Ruiz_102`: 100 %" in informe
    assert "`Carla Gil_103` y `(solución de referencia)`" in informe  # una línea cambiada: casi idéntica


def test_una_sola_entrega_rota_toma_el_maximo_del_punto_de_partida(tmp_path):
    (tmp_path / "rota").mkdir()
    (tmp_path / "rota" / "LEEME.txt").write_text("Se me olvidó subirlo.", encoding="utf-8")
    r = taller("calificar", "01", str(tmp_path / "rota"), "--salida", str(tmp_path / "notas"), "--sin-aislamiento")
    assert r.returncode == 1, r.stdout + r.stderr
    texto = (tmp_path / "notas" / "retroalimentacion" / "rota.md").read_text(encoding="utf-8")
    assert "**Nota: 0/26 puntos (0 %)**" in texto and "No se encontró app.py en la entrega." in texto
    with open(tmp_path / "notas" / "calificaciones.csv", encoding="utf-8") as f:
        assert len(next(csv.reader(f))) == 1 + 6 + 19 + 4  # las columnas de la lección, aunque nadie cargara
