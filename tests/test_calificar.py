"""«taller calificar»: una clase entera, con entregas buenas, a medias y rotas de todas las formas."""

import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from test_motor import validar_documento

from taller import calificar, lecciones

RAIZ = lecciones.raiz()
LECCION = lecciones.buscar("01")

ROTAS = {
    # nombre: (texto de la solución que se cambia, por qué se cambia)
    "sintaxis": ("db = SQLAlchemy()\n", "db = SQLAlchemy(\n"),
    "sys_exit": ("db = SQLAlchemy()\n", "db = SQLAlchemy()\nimport sys\nsys.exit(1)\n"),
    "os_exit": ("db = SQLAlchemy()\n", "db = SQLAlchemy()\nimport os as _os\n_os._exit(3)\n"),
    "segfault": ("db = SQLAlchemy()\n", "db = SQLAlchemy()\nimport ctypes\nctypes.string_at(0)\n"),
    "bucle": (
        "    def eliminar_articulo(articulo_id):\n",
        "    def eliminar_articulo(articulo_id):\n        while True:\n            pass\n",
    ),
    "charlatan": ("    def listar_articulos():\n", "    def listar_articulos():\n        print('bla' * 2_000_000)\n"),
}


def taller(*argumentos, raiz=RAIZ):
    return subprocess.run(
        [sys.executable, "-m", "taller.cli", *argumentos],
        capture_output=True,
        text=True,
        cwd=raiz,
        timeout=300,
        env={**os.environ, "TALLER_RAIZ": str(raiz)},
    )


def copiar(origen, destino, cambio=None):
    shutil.copytree(origen, destino, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    if cambio:
        app = destino / "app.py"
        buscar, poner = cambio
        app.write_text(app.read_text(encoding="utf-8").replace(buscar, poner, 1), encoding="utf-8")
    return destino


@pytest.fixture(scope="module")
def clase(tmp_path_factory):
    """Una clase con entregas de todas las clases, calificada una vez con la orden de verdad."""
    base = tmp_path_factory.mktemp("clase")
    entregas = base / "entregas"
    copiar(LECCION.solucion, entregas / "ana")
    copiar(LECCION.ejercicio, entregas / "beto")
    copiar(LECCION.solucion, entregas / "carla", ('parcial = request.method == "PATCH"', "parcial = False"))
    for nombre, cambio in ROTAS.items():
        copiar(LECCION.solucion, entregas / nombre, cambio)
    (entregas / "sin_app").mkdir()
    (entregas / "sin_app" / "LEEME.txt").write_text("Se me olvidó subirlo.", encoding="utf-8")
    (entregas / "zip_roto.zip").write_bytes(b"esto no es un zip")
    with zipfile.ZipFile(entregas / "dani.zip", "w") as z:  # un .zip con el proyecto dentro de una carpeta
        z.write(LECCION.solucion / "app.py", "mi_proyecto/src/app.py")
    salida = base / "notas"
    proceso = taller(
        "calificar",
        "01",
        str(entregas),
        "--clase",
        "--salida",
        str(salida),
        "--trabajos",
        "2",
        "--limite-tiempo",
        "3",
        "--formato",
        "gradescope",
    )
    return proceso, salida


def notas(salida):
    with open(salida / "calificaciones.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_la_calificacion_termina_y_dice_que_hubo_entregas_sin_comprobar(clase):
    proceso, _ = clase
    assert proceso.returncode == 1, proceso.stderr
    assert "Calificadas 12 entregas" in proceso.stdout
    for nombre in ("sintaxis", "sys_exit", "os_exit", "segfault", "sin_app", "zip_roto"):
        assert f"✘ {nombre}: " in proceso.stdout
    assert "Traceback" not in proceso.stdout + proceso.stderr


def test_cada_entrega_tiene_la_nota_esperada(clase):
    _, salida = clase
    filas = {fila["estudiante"]: fila for fila in notas(salida)}
    total = {nombre: int(fila["total"]) for nombre, fila in filas.items()}
    assert total == {
        "ana": 26,
        "beto": 0,
        "carla": 24,
        "dani": 26,
        "sintaxis": 0,
        "sys_exit": 0,
        "os_exit": 0,
        "segfault": 0,
        "sin_app": 0,
        "zip_roto": 0,
        "bucle": 23,  # dos comprobaciones de DELETE se detienen (3 puntos)
        "charlatan": 26,  # escribir mucho no quita puntos: la salida se recorta
    }
    assert filas["carla"]["estado"] == "con fallos"
    assert filas["ana"]["estado"] == "todo correcto"
    motivos = {nombre: filas[nombre]["mensaje"] for nombre in filas}
    assert "error de sintaxis en la línea" in motivos["sintaxis"]
    assert "sys.exit(1)" in motivos["sys_exit"]
    assert "código de salida 3" in motivos["os_exit"]
    assert "SIGSEGV" in motivos["segfault"]
    assert motivos["sin_app"] == "No se encontró app.py en la entrega."
    assert motivos["zip_roto"].startswith("No se pudo abrir el .zip")


TAREAS = [
    "Crear artículos",
    "Listar y leer artículos",
    "Validar lo que llega",
    "Actualizar con PUT y PATCH",
    "Borrar artículos",
    "Errores siempre en JSON",
]


def test_el_csv_para_programas_tiene_ids_estables_y_los_puntos_van_aparte(clase):
    _, salida = clase
    with open(salida / "calificaciones.csv", encoding="utf-8") as f:
        cabecera = next(csv.reader(f))
    assert cabecera[0] == "estudiante" and cabecera[1:7] == [f"tarea_{n}" for n in range(1, 7)]
    assert cabecera[7] == "test_crear_responde_201_con_location" and len(cabecera) == 1 + 6 + 19 + 4
    assert "test_estructura" not in cabecera  # 0 puntos: lo que dice ya está en «estado»
    assert cabecera[-4:] == ["total", "porcentaje", "estado", "mensaje"]
    assert not any(fila["estudiante"].startswith("(") for fila in notas(salida))  # ninguna fila que no sea alumno
    with open(salida / "puntos_posibles.csv", encoding="utf-8") as f:
        posibles = {fila["columna"]: fila for fila in csv.DictReader(f)}
    assert list(posibles) == cabecera[1:-2]
    assert posibles["tarea_1"]["nombre"] == "Tarea 1 · Crear artículos" and posibles["total"]["puntos posibles"] == "26"
    assert sum(int(posibles[f"tarea_{n}"]["puntos posibles"]) for n in range(1, 7)) == 26
    assert sum(int(posibles[c]["puntos posibles"]) for c in cabecera[7:26]) == 26


def test_la_hoja_de_calculo_en_espanol_abre_en_columnas_con_tildes_y_coma_decimal(clase):
    _, salida = clase
    crudo = (salida / "calificaciones_hoja.csv").read_bytes()
    assert crudo.startswith(b"\xef\xbb\xbf")  # UTF-8 con BOM: Excel lee bien las tildes
    with open(salida / "calificaciones_hoja.csv", encoding="utf-8-sig", newline="") as f:
        filas = list(csv.reader(f, delimiter=";"))
    cabecera = filas[0]
    assert cabecera[1:7] == [
        f"Tarea {n} · {t} ({p} puntos)" for n, t, p in zip(range(1, 7), TAREAS, [4, 6, 6, 5, 3, 2])
    ]
    assert cabecera[7].startswith("1 · POST /api/articulos crea el artículo") and cabecera[7].endswith("(2 puntos)")
    carla = next(f for f in filas if f[0] == "carla")
    assert carla[-3] == "92,3" and carla[-4] == "24"
    with open(salida / "notas_lms.csv", encoding="utf-8") as f:
        lms = {fila["estudiante"]: fila for fila in csv.DictReader(f)}
    assert lms["carla"] == {"estudiante": "carla", "nota": "24", "nota_maxima": "26", "porcentaje": "92.3"}
    assert lms["sintaxis"]["nota_maxima"] == "26"


def test_cada_entrega_tiene_su_documento_su_retroalimentacion_y_su_gradescope(clase):
    _, salida = clase
    estudiantes = {fila["estudiante"] for fila in notas(salida)}
    for estudiante in estudiantes:
        doc = json.loads((salida / "resultados" / f"{estudiante}.json").read_text(encoding="utf-8"))
        validar_documento(doc)
        texto = (salida / "retroalimentacion" / f"{estudiante}.md").read_text(encoding="utf-8")
        assert texto.startswith("# Lección 01 · API REST con Flask")
        assert f"**Nota: {doc['score']}/{doc['max_score']} puntos" in texto
        gradescope = json.loads((salida / "gradescope" / estudiante / "results.json").read_text(encoding="utf-8"))
        assert gradescope["score"] == doc["score"]
        assert all(t["status"] in ("passed", "failed") for t in gradescope["tests"])
        assert (
            (salida / "retroalimentacion" / f"{estudiante}.html")
            .read_text(encoding="utf-8")
            .startswith("<!DOCTYPE html>")
        )
    carla = (salida / "retroalimentacion" / "carla.md").read_text(encoding="utf-8")
    assert "- ✘ PATCH /api/articulos/&lt;id&gt; cambia solo los campos enviados" in carla
    assert "  Se esperaba 200, se obtuvo 400" in carla  # el mensaje va en un bloque de código


def test_la_salida_de_una_entrega_se_recorta(clase):
    _, salida = clase
    doc = json.loads((salida / "resultados" / "charlatan.json").read_text(encoding="utf-8"))
    salidas = [p["output"] for p in doc["tests"] if p["output"]]
    assert salidas and all(len(s) < 1200 and "salida recortada" in s for s in salidas)


def test_nombres_de_moodle_y_zip_con_utf8():
    assert calificar.nombre_de_estudiante("Ana López_123456_assignsubmission_file_") == "Ana López_123456"
    assert calificar.nombre_de_estudiante("beto.ZIP") == "beto"
    assert calificar.nombre_de_estudiante("../../etc") == "_.._etc"
    assert calificar.nombre_de_estudiante("..") == calificar.nombre_de_estudiante(".") == "sin_nombre"
    assert calificar.nombre_de_estudiante("ana\x1b[31m\x07") == "ana__31m_"


def test_un_zip_con_rutas_peligrosas_no_se_extrae(tmp_path):
    zip_malo = tmp_path / "malo.zip"
    with zipfile.ZipFile(zip_malo, "w") as z:
        z.writestr("../../fuera.py", "print('hola')")
    problema = calificar.extraer_zip(zip_malo, tmp_path / "destino")
    assert problema == "El .zip contiene una ruta no permitida: ../../fuera.py"
    assert not (tmp_path.parent / "fuera.py").exists()


def test_una_descarga_de_moodle_es_una_entrega_por_carpeta(tmp_path):
    moodle = tmp_path / "descarga.zip"
    with zipfile.ZipFile(moodle, "w") as z:
        z.write(LECCION.solucion / "app.py", "Ana López_1_assignsubmission_file_/app.py")
        z.write(LECCION.ejercicio / "app.py", "Beto Ruiz_2_assignsubmission_file_/entrega/app.py")
    entregas = calificar.descubrir([moodle], LECCION, "app.py", tmp_path, clase=True)
    assert [(e.estudiante, e.carpeta.name, e.problema) for e in entregas] == [
        ("Ana López_1", "Ana López_1_assignsubmission_file_", None),
        ("Beto Ruiz_2", "entrega", None),
    ]


def test_errores_de_uso_de_calificar():
    assert "falta --salida CARPETA" in taller("calificar", "01", "x").stderr
    assert "falta al menos una ENTREGA" in taller("calificar", "01", "--salida", "x").stderr
    r = taller("calificar", "01", "x", "--salida", "y", "--trabajos", "cero")
    assert r.returncode == 2 and "--trabajos debe ser un número entero positivo" in r.stderr


def test_el_flujo_de_github_classroom_es_yaml_valido_con_los_pasos_esperados(tmp_path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    destino = tmp_path / ".github" / "workflows" / "classroom.yml"
    r = taller("classroom", "01", "--salida", str(destino))
    assert r.returncode == 0, r.stderr
    flujo = yaml.safe_load(destino.read_text(encoding="utf-8"))
    assert set(flujo["on"]) == {"push", "repository_dispatch"}
    pasos = flujo["jobs"]["calificar"]["steps"]
    usos = [p.get("uses", "") for p in pasos]
    assert usos[0].startswith("actions/checkout@") and "classroom-resources/autograding-grading-reporter@v1" in usos
    ordenes = [p.get("run", "") for p in pasos]
    comprobar = next(i for i, o in enumerate(ordenes) if "taller comprobar 01 --formato json" in o)
    informe = next(i for i, o in enumerate(ordenes) if "python -m taller.classroom informe resultados.json 01" in o)
    assert comprobar < informe < usos.index("classroom-resources/autograding-grading-reporter@v1")
    reporter = pasos[-1]
    corredores = reporter["with"]["runners"].split(",")
    assert corredores[:2] == ["c01", "c02"] and len(corredores) == 19  # sin la de estructura (0 puntos)
    assert reporter["env"]["C01_RESULTS"] == "${{ steps.resultados.outputs.c01 }}"
    assert "test_crear_responde_201_con_location=2" in ordenes[informe + 1]


def test_classroom_se_niega_fuera_de_la_raiz_del_taller(tmp_path):
    r = taller("classroom", "01", "--salida", str(tmp_path / ".github" / "workflows" / "classroom.yml"))
    assert r.returncode == 2 and "no es la raíz del taller (no tiene pyproject.toml)" in r.stderr
    assert not (tmp_path / ".github").exists()


def registro_y_aviso_del_reporter(corredores):
    """Las dos cuentas de autograding-grading-reporter@v1 (dist/main.js, d13b591).

    Registro (ConsoleResults): por corredor, aprobadas / pruebas × max_score; «- line N» si line_no !== 0.
    Aviso que guarda Classroom (NotifyClassroom): suma de tests[].score y de max_score (si max_score).
    """
    lineas, total_registro = [], 0
    for nombre, r in corredores.items():
        aprobadas = sum(t["status"] == "pass" for t in r["tests"])
        puntos = aprobadas / len(r["tests"]) * (r.get("max_score") or 0)
        total_registro += puntos
        for t in r["tests"]:
            sufijo = f" - line {t['line_no']}" if t.get("line_no", None) != 0 else ""
            lineas.append(("✅ " if t["status"] == "pass" else "❌ ") + t["name"] + sufijo)
        assert r["max_score"] != 0, f"{nombre}: un corredor de 0 puntos"
    puntos_aviso = sum(t["score"] for r in corredores.values() if r.get("max_score") for t in r["tests"])
    maximo_aviso = sum(r["max_score"] for r in corredores.values() if r.get("max_score"))
    return lineas, total_registro, (puntos_aviso, maximo_aviso)


@pytest.mark.parametrize("estudiante", ["beto", "carla", "sintaxis", "ana"])
def test_el_registro_del_reporter_de_classroom_coincide_con_su_aviso(clase, estudiante):
    from taller import classroom

    _, salida = clase
    doc = json.loads((salida / "resultados" / f"{estudiante}.json").read_text(encoding="utf-8"))
    modelo = json.loads((salida / "resultados" / "ana.json").read_text(encoding="utf-8"))
    corredores = classroom.resultados_por_corredor(doc, classroom.puntuables(modelo))
    lineas, registro, aviso = registro_y_aviso_del_reporter(corredores)
    assert aviso == (doc["score"], 26) and registro == doc["score"]
    assert not any("line undefined" in linea for linea in lineas)
    if estudiante == "sintaxis":  # el error de sintaxis cita su línea
        linea_del_error = 1 + (LECCION.solucion / "app.py").read_text(encoding="utf-8").splitlines().index(
            "db = SQLAlchemy()"
        )
        assert all(linea.endswith(f" - line {linea_del_error}") for linea in lineas), lineas[:2]


def test_las_salidas_para_el_reporter_son_base64_de_json(tmp_path):
    from taller import classroom

    doc = {"status": "error", "message": "No se encontró app.py.", "tests": []}
    (tmp_path / "r.json").write_text(json.dumps(doc), encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "taller.classroom", "salidas", str(tmp_path / "r.json"), "a=2", "b=1"],
        capture_output=True,
        text=True,
        check=True,
    )
    salidas = dict(linea.split("=", 1) for linea in r.stdout.splitlines())
    assert list(salidas) == ["c01", "c02"]
    primero = json.loads(base64.b64decode(salidas["c01"]))
    assert primero["max_score"] == 2 and primero["tests"][0]["score"] == 0 and primero["status"] == "fail"
    assert classroom.main(["nada"]) == 2


# ── Comprobaciones ocultas ───────────────────────────────────────────────────

SECRETO = "VALOR_SECRETO_4921"

COMPROBACIONES_CON_OCULTA = f'''
from taller.comprobaciones import Desajuste, comprobacion

TAREAS = {{1: "Saludar"}}


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """app.py se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=1, puntos=1)
def test_saluda(client):
    """GET /hola responde 200."""
    client.get("/hola").espera(200)


@comprobacion(tarea=1, puntos=2, oculta=True)
def test_saluda_en_secreto(client):
    """GET /hola dice la palabra secreta."""
    texto = client.get("/hola").texto
    if "{SECRETO}" not in texto:
        raise Desajuste("{SECRETO}", repr(texto))
'''

APP = """
from flask import Flask


def create_app(config=None):
    app = Flask(__name__)

    @app.get("/hola")
    def hola():
        return "hola"

    return app
"""


@pytest.fixture
def taller_con_oculta(tmp_path):
    raiz = tmp_path / "taller"
    (raiz / "lessons" / "99_prueba" / "ejercicio").mkdir(parents=True)
    (raiz / "lessons" / "99_prueba" / "README.md").write_text("# Lección 99 · Prueba\n", encoding="utf-8")
    (raiz / "lessons" / "99_prueba" / "ejercicio" / "app.py").write_text(APP, encoding="utf-8")
    (raiz / "checks" / "99_prueba").mkdir(parents=True)
    (raiz / "checks" / "99_prueba" / "test_prueba.py").write_text(COMPROBACIONES_CON_OCULTA, encoding="utf-8")
    return raiz


def test_comprobar_no_ejecuta_ni_revela_las_ocultas(taller_con_oculta):
    r = taller("comprobar", "99", raiz=taller_con_oculta)
    assert r.returncode == 0, r.stdout + r.stderr
    assert SECRETO not in r.stdout and "en secreto" not in r.stdout
    assert "Todas las comprobaciones públicas pasan. Al calificar se usarán además 1 comprobación oculta." in r.stdout
    assert "¡Todo correcto!" not in r.stdout
    documento = taller("comprobar", "99", "--formato", "json", raiz=taller_con_oculta).stdout
    assert SECRETO not in documento and json.loads(documento)["hidden_not_run"] == 1


def test_calificar_usa_las_ocultas_sin_mostrar_su_mensaje_al_estudiante(taller_con_oculta):
    salida = taller_con_oculta / "notas"
    r = taller(
        "calificar",
        "99",
        str(taller_con_oculta / "lessons" / "99_prueba" / "ejercicio"),
        "--salida",
        str(salida),
        raiz=taller_con_oculta,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((salida / "resultados" / "ejercicio.json").read_text(encoding="utf-8"))
    assert (doc["score"], doc["max_score"]) == (1, 3)
    oculta = next(p for p in doc["tests"] if p["id"] == "test_saluda_en_secreto")
    assert oculta["hidden"] and SECRETO in oculta["message"]  # el docente sí lo ve
    retro = (salida / "retroalimentacion" / "ejercicio.md").read_text(encoding="utf-8")
    assert "GET /hola dice la palabra secreta. (comprobación oculta)" in retro and SECRETO not in retro


def test_una_entrega_de_una_leccion_con_paquete_se_encuentra_a_cualquier_profundidad(tmp_path):
    """Desde la lección 02 el ejercicio es el paquete api/: se busca api/__init__.py y se toma su carpeta."""
    import shutil as _shutil

    leccion = lecciones.buscar("02")
    archivo = calificar.archivo_del_ejercicio(leccion)
    assert archivo == "api/__init__.py"
    _shutil.copytree(leccion.solucion, tmp_path / "ana" / "mi_proyecto" / "entrega")
    (entrega,) = calificar.descubrir([tmp_path / "ana"], leccion, archivo, tmp_path)
    assert entrega.problema is None and entrega.carpeta == tmp_path / "ana" / "mi_proyecto" / "entrega"
