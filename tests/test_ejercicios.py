"""El ejercicio se genera desde la solución marcada."""

import pytest

from taller.ejercicios import ErrorDeMarcas, diferencias, generar_codigo, generar_ejercicio

SOLUCION = '''\
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
'''

EJERCICIO = '''\
import os


def por_implementar():
    return "501"

def listar():
    # TODO (tarea 2): devuelve la lista.
    return por_implementar()


# TODO (tarea 6): manejadores de errores.
'''


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
