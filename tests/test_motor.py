"""Pruebas doradas del motor: objetivos rotos de todas las formas, y el motor nunca se cae.

Cada objetivo roto se construye desde la solución de la lección 01 con un cambio,
y el motor debe devolver siempre un documento de resultados válido con un
mensaje claro en español.
"""

import shutil

import pytest

from taller import lecciones, motor

LECCION = lecciones.buscar("01")


def validar_documento(doc):
    """Falla si ``doc`` no cumple el formato de resultados de DESIGN.md."""
    assert doc["version"] == 3
    assert doc["status"] in ("pass", "fail", "error")
    assert isinstance(doc["score"], int) and isinstance(doc["max_score"], int)
    assert 0 <= doc["score"] <= doc["max_score"]
    if doc["status"] == "error":
        assert doc["message"], "un documento con status error necesita un mensaje"
    for prueba in doc["tests"]:
        assert set(prueba) >= {"name", "status", "message", "output", "task_id", "score", "max_score"}
        assert prueba["status"] in ("pass", "fail", "error", "skip")
        assert prueba["score"] in (0, prueba["max_score"])
        assert (prueba["score"] == prueba["max_score"]) or prueba["status"] != "pass"
        if prueba["status"] != "pass":
            assert prueba["message"], f"«{prueba['name']}» no pasa y no dice por qué"
    assert doc["score"] == sum(p["score"] for p in doc["tests"])
    assert doc["max_score"] == sum(p["max_score"] for p in doc["tests"])


def objetivo_con(tmp_path, buscar, reemplazar, base=LECCION.solucion):
    """Una copia de la solución de la lección 01 (o de ``base``) con ``buscar`` cambiado por ``reemplazar``."""
    destino = tmp_path / "objetivo"
    shutil.copytree(base, destino, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    app = destino / "app.py"
    texto = app.read_text(encoding="utf-8")
    assert texto.count(buscar) == 1, f"el texto a cambiar no está (una vez) en la solución: {buscar!r}"
    app.write_text(texto.replace(buscar, reemplazar), encoding="utf-8")
    return destino


def comprobar(objetivo, **opciones):
    doc = motor.comprobar(LECCION.comprobaciones, objetivo, **opciones)
    validar_documento(doc)
    return doc


def por_id(doc):
    return {p["id"]: p for p in doc["tests"]}


AL_IMPORTAR = "db = SQLAlchemy()\n"


@pytest.mark.parametrize(
    ("reemplazo", "se_espera"),
    [
        pytest.param(AL_IMPORTAR + "def roto(:\n", "error de sintaxis en la línea", id="error-de-sintaxis"),
        pytest.param(AL_IMPORTAR + "import sys\nsys.exit(3)\n", "llamó a sys.exit(3) al importarse", id="sys-exit"),
        pytest.param(AL_IMPORTAR + "import os\nos._exit(7)\n", "código de salida 7", id="os-_exit"),
        pytest.param(AL_IMPORTAR + "import modulo_que_no_existe\n", "ModuleNotFoundError", id="import-roto"),
        pytest.param(AL_IMPORTAR + "raise RuntimeError('¡zas!')\n", "RuntimeError", id="excepcion-al-importar"),
    ],
)
def test_un_objetivo_que_no_se_importa_da_un_solo_error(tmp_path, reemplazo, se_espera):
    doc = comprobar(objetivo_con(tmp_path, AL_IMPORTAR, reemplazo))
    assert doc["status"] == "error"
    assert doc["score"] == 0
    assert se_espera in doc["message"]
    estructura, *resto = doc["tests"]
    assert estructura["id"] == "test_estructura" and estructura["status"] == "error"
    assert resto and all(p["status"] == "skip" for p in resto)
    assert all("No se ejecutó porque no pasó «app.py se importa" in p["message"] for p in resto)


@pytest.mark.parametrize(
    ("buscar", "reemplazar", "se_espera"),
    [
        pytest.param(
            "def create_app(config=None):",
            "def fabrica(config=None):",
            "no define la función create_app",
            id="sin-create-app",
        ),
        pytest.param(
            "    app = Flask(__name__, instance_relative_config=True)\n",
            "    raise ValueError('falta configuración')\n",
            "create_app(config) lanzó ValueError (app.py, línea",
            id="create-app-lanza",
        ),
        pytest.param(
            "\n    return app\n",
            "\n    return None\n",
            "debe devolver la aplicación Flask, y devolvió NoneType",
            id="create-app-devuelve-none",
        ),
    ],
)
def test_una_fabrica_rota_da_un_error_claro(tmp_path, buscar, reemplazar, se_espera):
    doc = comprobar(objetivo_con(tmp_path, buscar, reemplazar))
    assert doc["status"] == "error"
    assert se_espera in doc["message"]
    assert all(p["status"] == "skip" for p in doc["tests"][1:])


def test_un_bucle_infinito_se_detiene_desde_fuera_y_lo_demas_se_comprueba(tmp_path):
    objetivo = objetivo_con(
        tmp_path,
        "    def eliminar_articulo(articulo_id):\n",
        "    def eliminar_articulo(articulo_id):\n        while True:\n            pass\n",
    )
    doc = comprobar(objetivo, limite=1.5)
    pruebas = por_id(doc)
    for colgada in ("test_borrar_responde_204_y_lo_quita", "test_ids_no_se_reutilizan"):
        assert pruebas[colgada]["status"] == "error"
        assert "no terminó en 1.5 s" in pruebas[colgada]["message"]
    sanas = [
        p for i, p in pruebas.items() if i not in ("test_borrar_responde_204_y_lo_quita", "test_ids_no_se_reutilizan")
    ]
    assert all(p["status"] == "pass" for p in sanas), "las comprobaciones posteriores deben ejecutarse en otro proceso"
    assert doc["score"] == doc["max_score"] - 3


def test_os_exit_en_una_ruta_solo_tumba_esa_comprobacion(tmp_path):
    objetivo = objetivo_con(
        tmp_path,
        "    def eliminar_articulo(articulo_id):\n",
        "    def eliminar_articulo(articulo_id):\n        os._exit(4)\n",
    )
    pruebas = por_id(comprobar(objetivo))
    assert pruebas["test_borrar_responde_204_y_lo_quita"]["status"] == "error"
    assert "os._exit()" in pruebas["test_borrar_responde_204_y_lo_quita"]["message"]
    assert pruebas["test_ruta_inexistente_responde_json"]["status"] == "pass"


def test_megabytes_de_salida_se_recortan(tmp_path):
    objetivo = objetivo_con(
        tmp_path,
        "    def listar_articulos():\n",
        "    def listar_articulos():\n        print('x' * 5_000_000, 'FIN')\n",
    )
    doc = comprobar(objetivo)
    prueba = por_id(doc)["test_lista_vacia_al_empezar"]
    assert prueba["status"] == "pass"
    assert "salida recortada" in prueba["output"]
    assert len(prueba["output"]) < 1200
    assert prueba["output"].rstrip().endswith("FIN"), "se conserva el final de la salida, donde suele estar el error"


def test_salida_sin_fin_no_llena_el_disco(tmp_path):
    objetivo = objetivo_con(
        tmp_path,
        "    def listar_articulos():\n",
        "    def listar_articulos():\n        while True:\n            print('x' * 100_000)\n",
    )
    doc = comprobar(objetivo, limite=20)
    prueba = por_id(doc)["test_lista_vacia_al_empezar"]
    assert prueba["status"] in ("fail", "error")
    assert prueba["message"]


def test_una_excepcion_de_la_app_se_nombra_en_el_mensaje(tmp_path):
    objetivo = objetivo_con(tmp_path, "    @app.errorhandler(Exception)\n", "    @app.errorhandler(418)\n")
    objetivo = objetivo_con(
        tmp_path / "b",
        "    def listar_articulos():\n",
        "    def listar_articulos():\n        {}['no_existe']\n",
        base=objetivo,
    )
    prueba = por_id(comprobar(objetivo))["test_lista_vacia_al_empezar"]
    assert prueba["status"] == "fail"
    assert "se obtuvo 500" in prueba["message"]
    assert "Tu aplicación lanzó KeyError: 'no_existe'" in prueba["message"]


def test_las_dependencias_se_informan_en_cascada(tmp_path):
    objetivo = objetivo_con(
        tmp_path,
        'return jsonify(articulo.a_dict()), 201, {"Location": ubicacion}',
        "return jsonify(articulo.a_dict()), 201",
    )
    pruebas = por_id(comprobar(objetivo))
    assert pruebas["test_crear_responde_201_con_location"]["status"] == "fail"
    assert "Falta la cabecera Location" in pruebas["test_crear_responde_201_con_location"]["message"]
    dependiente = pruebas["test_los_datos_sobreviven_a_un_reinicio"]
    assert dependiente["status"] == "skip"
    assert dependiente["message"] == (
        "No se ejecutó porque no pasó «POST /api/articulos crea el artículo y responde 201 "
        "con su JSON y la cabecera Location.»."
    )


def test_la_cabecera_authorization_nunca_aparece_en_un_mensaje():
    from taller.comprobaciones import describir_peticion

    texto = describir_peticion("GET", "/api/perfil", headers={"Authorization": "Bearer eyJhbGciOi.secreto.firma"})
    assert "eyJ" not in texto and "secreto" not in texto
    assert "Authorization: Bearer [oculto]" in texto


def test_comprobaciones_que_no_cargan_dan_un_documento_de_error(tmp_path):
    rotas = tmp_path / "checks" / "99_rota"
    rotas.mkdir(parents=True)
    (rotas / "test_rota.py").write_text("import modulo_inexistente\n", encoding="utf-8")
    doc = motor.comprobar(rotas, LECCION.solucion)
    validar_documento(doc)
    assert doc["status"] == "error"
    assert "fallo del taller, no de tu código" in doc["message"]


def test_un_skip_dentro_de_una_comprobacion_se_informa_como_skip_no_como_pass(tmp_path):
    carpeta = tmp_path / "checks" / "98_salto"
    carpeta.mkdir(parents=True)
    (carpeta / "test_salto.py").write_text(
        "import pytest\n"
        "from taller.comprobaciones import comprobacion\n\n\n"
        "@comprobacion(tarea=1, puntos=2)\n"
        "def test_necesita_redis():\n"
        '    """Algo que necesita Redis."""\n'
        '    pytest.skip("No hay Redis en 127.0.0.1:6379.")\n',
        encoding="utf-8",
    )
    doc = motor.comprobar(carpeta, LECCION.solucion)
    validar_documento(doc)
    (prueba,) = doc["tests"]
    assert (prueba["status"], prueba["score"], prueba["message"]) == ("skip", 0, "No hay Redis en 127.0.0.1:6379.")


def test_una_comprobacion_puede_servir_la_app_por_http_de_verdad(tmp_path):
    carpeta = tmp_path / "checks" / "97_servidor"
    carpeta.mkdir(parents=True)
    (carpeta / "test_servidor.py").write_text(
        "import requests\n"
        "from taller.comprobaciones import comprobacion\n\n\n"
        "@comprobacion(tarea=1, puntos=1)\n"
        "def test_por_http(app):\n"
        '    """La app responde por HTTP en un puerto de 127.0.0.1."""\n'
        "    url = app.servir()\n"
        '    assert url.startswith("http://127.0.0.1:")\n'
        '    r = requests.post(url + "/api/articulos", json={"titulo": "Hola"}, timeout=5)\n'
        "    assert r.status_code == 201, r.text\n"
        '    assert requests.get(url + "/api/articulos", timeout=5).json()[0]["titulo"] == "Hola"\n',
        encoding="utf-8",
    )
    doc = motor.comprobar(carpeta, LECCION.solucion)
    validar_documento(doc)
    (prueba,) = doc["tests"]
    assert prueba["status"] == "pass", prueba["message"]


def test_un_proceso_con_mucha_memoria_reservada_comprueba_igual():
    """Los límites de memoria se suman a lo que ya ocupa el proceso del que nacen los hijos (p. ej. pytest)."""
    import mmap

    reserva = mmap.mmap(-1, 3 * 2**30)  # 3 GiB de memoria virtual, sin tocarla
    try:
        doc = comprobar(LECCION.solucion, bifurcar=True)
    finally:
        reserva.close()
    assert doc["score"] == doc["max_score"] > 0, doc["message"]


FUERA_DE_LINUX = """
import json, os, sys
from taller import jaula, lecciones, motor

real = jaula._libc


class SinLinux:  # la libc de macOS: sin prctl ni clearenv
    def __getattr__(self, nombre):
        if nombre in ("prctl", "clearenv", "unshare", "mount"):
            raise AttributeError(nombre)
        return getattr(real, nombre)


jaula._libc = SinLinux()
jaula.LINUX = False
jaula._jaula_disponible = False
del os.O_TMPFILE
leccion = lecciones.buscar("01")
documentos = [motor.comprobar(leccion.comprobaciones, carpeta) for carpeta in (leccion.solucion, leccion.ejercicio)]
print(json.dumps([(d["score"], d["max_score"]) for d in documentos]))
"""


def test_fuera_de_linux_el_recinto_y_el_puente_funcionan_sin_jaula():
    """Sin prctl, clearenv ni O_TMPFILE (como en macOS): proceso aparte y puente, sin jaula; las notas, las mismas."""
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", FUERA_DE_LINUX], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (solucion, maximo), (ejercicio, _) = json.loads(r.stdout.strip().splitlines()[-1])
    assert solucion == maximo > 0 and ejercicio < maximo
