"""El ejercicio se genera desde la solución marcada."""

import pytest

from taller.ejercicios import (
    ErrorDeHerencia,
    ErrorDeMarcas,
    diferencias,
    escribir_heredados,
    generar_codigo,
    generar_ejercicio,
    heredados_desactualizados,
    heredados_esperados,
    olvidados,
    quitar_marcas,
    sobrantes,
)

SOLUCION = """\
import os


# [ejercicio]
# def por_implementar():
#     return "501"
#
# [fin]
def listar():
    # [solución] tarea 2: devuelve la lista.
    datos = os.listdir(".")
    return sorted(datos)
    # [ejercicio]
    # return por_implementar()
    # [fin]


# [solución] tarea 6: manejadores de errores.
def manejador():
    return "json"
# [fin]
"""

EJERCICIO = """\
import os


def por_implementar():
    return "501"

def listar():
    # TODO (tarea 2): devuelve la lista.
    return por_implementar()


# TODO (tarea 6): manejadores de errores.
"""


def test_los_bloques_de_solucion_se_cambian_por_un_todo_y_su_ejercicio():
    assert generar_codigo(SOLUCION) == EJERCICIO


def test_el_codigo_sin_marcas_no_cambia():
    assert generar_codigo("x = 1\n# un comentario cualquiera\n") == "x = 1\n# un comentario cualquiera\n"


@pytest.mark.parametrize(
    ("texto", "mensaje"),
    [
        ("# [solución] tarea 1: algo\nx = 1\n", "<texto>:1: falta la marca [fin]"),
        ("x = 1\n# [fin]\n", "<texto>:2: marca [fin] fuera de lugar"),
        ("# [solución] tarea 1: a\n# [solución] tarea 2: b\n# [fin]\n", "<texto>:2: marca [solución] fuera de lugar"),
        ("    # [ejercicio]\n# return 1\n    # [fin]\n", "<texto>:2: las líneas de [ejercicio] deben empezar por «# »"),
    ],
    ids=["sin-fin", "fin-suelto", "solucion-anidada", "sangria-distinta"],
)
def test_las_marcas_mal_puestas_dan_un_error_con_la_linea(texto, mensaje):
    with pytest.raises(ErrorDeMarcas, match=mensaje.replace("[", r"\[").replace("]", r"\]")):
        generar_codigo(texto)


def test_generar_y_comparar_una_carpeta(tmp_path):
    solucion, ejercicio = tmp_path / "solucion", tmp_path / "ejercicio"
    (solucion / "plantillas").mkdir(parents=True)
    (solucion / "app.py").write_text(SOLUCION, encoding="utf-8")
    (solucion / "plantillas" / "index.html").write_text("<p>hola</p>", encoding="utf-8")
    (solucion / "__pycache__").mkdir()
    (solucion / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    assert diferencias(solucion, ejercicio) == ["app.py", "plantillas/index.html"]
    generar_ejercicio(solucion, ejercicio)
    assert (ejercicio / "app.py").read_text(encoding="utf-8") == EJERCICIO
    assert (ejercicio / "plantillas" / "index.html").read_text(encoding="utf-8") == "<p>hola</p>"
    assert not (ejercicio / "__pycache__").exists()
    assert diferencias(solucion, ejercicio) == []


SIN_MARCAS = """\
import os


def listar():
    datos = os.listdir(".")
    return sorted(datos)


def manejador():
    return "json"
"""


def test_quitar_marcas_deja_el_codigo_de_la_solucion():
    assert quitar_marcas(SOLUCION) == SIN_MARCAS


def leccion(raiz, nombre, archivos, hereda=None):
    carpeta = raiz / nombre
    for relativo, texto in archivos.items():
        (carpeta / relativo).parent.mkdir(parents=True, exist_ok=True)
        (carpeta / relativo).write_text(texto, encoding="utf-8")
    if hereda:
        de, modulos = hereda
        lista = ", ".join(f'"{m}"' for m in modulos)
        (carpeta / "hereda.toml").write_text(f'de = "{de}"\nmodulos = [{lista}]\n', encoding="utf-8")
    return carpeta


def test_los_modulos_heredados_se_generan_desde_su_original_siguiendo_la_cadena(tmp_path):
    soluciones = tmp_path / "solutions"
    leccion(soluciones, "02_uno", {"api/modelos.py": SOLUCION, "api/__init__.py": "x = 2\n"})
    leccion(soluciones, "04_dos", {"api/__init__.py": "x = 4\n"}, hereda=("02_uno", ["api/modelos.py"]))
    cinco = leccion(soluciones, "05_tres", {"api/__init__.py": "x = 5\n"}, hereda=("04_dos", ["api/modelos.py"]))
    assert heredados_desactualizados(soluciones / "04_dos") == ["api/modelos.py"]
    escribir_heredados(soluciones / "04_dos")
    escribir_heredados(cinco)
    cabecera = "# Generado por «taller sincronizar» desde solutions/02_uno/api/modelos.py: edítalo allí.\n"
    assert (cinco / "api" / "modelos.py").read_text(encoding="utf-8") == cabecera + SIN_MARCAS
    assert heredados_desactualizados(cinco) == []
    # El ejercicio dice al estudiante de dónde viene el módulo, sin pedirle que lo edite allí.
    generar_ejercicio(cinco, tmp_path / "ejercicio")
    primera = (tmp_path / "ejercicio" / "api" / "modelos.py").read_text(encoding="utf-8").splitlines()[0]
    assert primera == (
        "# Viene de la solución de la lección 02 (solutions/02_uno/api/modelos.py): no hace falta que lo cambies."
    )
    assert not (tmp_path / "ejercicio" / "hereda.toml").exists()
    # Un cambio a mano en la copia, o en el original, se detecta.
    (cinco / "api" / "modelos.py").write_text(cabecera + SIN_MARCAS + "# retoque\n", encoding="utf-8")
    assert heredados_desactualizados(cinco) == ["api/modelos.py"]
    assert sobrantes(cinco, tmp_path / "ejercicio") == []
    (tmp_path / "ejercicio" / "app.py").write_text("viejo = True\n", encoding="utf-8")
    assert sobrantes(cinco, tmp_path / "ejercicio") == ["app.py"]


def test_una_plantilla_heredada_se_copia_tal_cual(tmp_path):
    soluciones = tmp_path / "solutions"
    plantilla = "<!doctype html>\n<p>{{ hola }}</p>\n"
    leccion(soluciones, "02_uno", {"api/__init__.py": "x = 2\n", "api/templates/inicio.html": plantilla})
    cuatro = leccion(
        soluciones, "04_dos", {"api/__init__.py": "x = 4\n"}, hereda=("02_uno", ["api/templates/inicio.html"])
    )
    assert heredados_desactualizados(cuatro) == ["api/templates/inicio.html"]
    escribir_heredados(cuatro)
    assert (cuatro / "api/templates/inicio.html").read_text(encoding="utf-8") == plantilla
    assert heredados_desactualizados(cuatro) == []


def test_heredar_un_modulo_que_no_existe_es_un_error(tmp_path):
    soluciones = tmp_path / "solutions"
    leccion(soluciones, "02_uno", {"api/__init__.py": "x = 2\n"})
    cuatro = leccion(soluciones, "04_dos", {"api/__init__.py": "x = 4\n"}, hereda=("02_uno", ["api/auth.py"]))
    with pytest.raises(ErrorDeHerencia, match="api/auth.py"):
        heredados_esperados(cuatro)


def test_un_modulo_de_la_leccion_anterior_que_ni_se_hereda_ni_se_tiene_se_detecta(tmp_path):
    soluciones = tmp_path / "solutions"
    leccion(soluciones, "02_uno", {"api/__init__.py": "x = 2\n", "api/permisos.py": "y = 1\n"})
    cuatro = leccion(soluciones, "04_dos", {"api/__init__.py": "x = 4\n"}, hereda=("02_uno", []))
    assert olvidados(cuatro) == ["api/permisos.py"]
    (cuatro / "hereda.toml").write_text('de = "02_uno"\nmodulos = ["api/permisos.py"]\n', encoding="utf-8")
    escribir_heredados(cuatro)
    assert olvidados(cuatro) == []
