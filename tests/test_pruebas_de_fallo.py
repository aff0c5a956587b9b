"""Cada comprobación de cada lección puede fallar, y falla por lo que dice.

Para cada lección con comprobaciones:
(a) la solución de referencia saca el 100 %;
(b) el ejercicio sin tocar falla todas las comprobaciones de sus tareas;
(c) cada error común (checks/NN/errores.toml) falla exactamente las que declara;
(d) toda comprobación la falla el ejercicio o algún error común;
y el ejercicio publicado coincide con el que se genera desde la solución.
"""

import ast

import pytest

from taller import ejercicios, lecciones, motor, variantes

LECCIONES = [l for l in lecciones.todas() if l.comprobaciones.is_dir()]
POR_LECCION = pytest.mark.parametrize("leccion", LECCIONES, ids=[l.nombre for l in LECCIONES])


@pytest.fixture(scope="module")
def resultados():
    """Los documentos de resultados ya calculados: (lección, objetivo) → documento."""
    motor.precargar()
    return {}


def comprobar(resultados, leccion, nombre, objetivo):
    """Como «taller calificar»: cada objetivo en un hijo bifurcado de este proceso (el arranque se paga una vez)."""
    clave = (leccion.nombre, nombre)
    if clave not in resultados:
        resultados[clave] = motor.comprobar(leccion.comprobaciones, objetivo, bifurcar=True)
    return resultados[clave]


def que_no_pasan(doc):
    return {p["id"] for p in doc["tests"] if p["status"] != "pass"}


def comprobaciones_declaradas(leccion):
    """Los nombres de las funciones test_* de los archivos de comprobaciones, leídos sin importarlos."""
    nombres = []
    for archivo in sorted(leccion.comprobaciones.glob("test_*.py")):
        arbol = ast.parse(archivo.read_text(encoding="utf-8"))
        nombres += [n.name for n in arbol.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    return nombres


@POR_LECCION
def test_la_solucion_saca_el_100(leccion, resultados):
    doc = comprobar(resultados, leccion, "solución", leccion.solucion)
    fallidas = {p["id"]: p["message"] for p in doc["tests"] if p["status"] != "pass"}
    assert not fallidas, f"la solución de {leccion.nombre} falla: {fallidas}"
    assert doc["status"] == "pass" and doc["score"] == doc["max_score"] > 0


@POR_LECCION
def test_el_ejercicio_publicado_esta_sincronizado_con_la_solucion(leccion):
    distintos = ejercicios.diferencias(leccion.solucion, leccion.ejercicio)
    assert not distintos, f"{distintos} no coinciden con lo generado desde la solución: ejecuta «taller sincronizar»"


@POR_LECCION
def test_el_ejercicio_sin_tocar_falla_todas_sus_tareas(leccion, resultados):
    doc = comprobar(resultados, leccion, "ejercicio", leccion.ejercicio)
    assert doc["status"] == "fail", "el ejercicio debe cargar (la estructura pasa) y fallar"
    pasan = [p["id"] for p in doc["tests"] if p["task_id"] is not None and p["status"] == "pass"]
    assert not pasan, f"el ejercicio sin tocar ya pasa {pasan}: esas comprobaciones no comprueban nada nuevo"
    assert doc["score"] == 0


def variantes_de(leccion):
    return [(leccion, v) for v in variantes.cargar(leccion.comprobaciones)]


VARIANTES = [par for leccion in LECCIONES for par in variantes_de(leccion)]


@pytest.mark.parametrize(("leccion", "variante"), VARIANTES, ids=[f"{l.nombre}-{v.nombre}" for l, v in VARIANTES])
def test_cada_error_comun_falla_lo_que_declara(leccion, variante, tmp_path, resultados):
    assert variante.descripcion.strip(), "cada error común necesita una descripción de una línea"
    objetivo = variantes.aplicar(variante, leccion.solucion, tmp_path / variante.nombre)
    doc = comprobar(resultados, leccion, variante.nombre, objetivo)
    todas = set(comprobaciones_declaradas(leccion))
    declaradas = todas if variante.falla == ("todas",) else set(variante.falla)
    assert declaradas <= todas, f"declara comprobaciones que no existen: {declaradas - todas}"
    assert que_no_pasan(doc) == declaradas, (
        f"«{variante.nombre}» debería fallar {sorted(declaradas)} y falla {sorted(que_no_pasan(doc))}"
    )


@POR_LECCION
def test_toda_comprobacion_puede_fallar(leccion, resultados, tmp_path):
    falladas = que_no_pasan(comprobar(resultados, leccion, "ejercicio", leccion.ejercicio))
    for _, variante in variantes_de(leccion):
        doc = comprobar(resultados, leccion, variante.nombre,
                        variantes.aplicar(variante, leccion.solucion, tmp_path / variante.nombre))
        falladas |= que_no_pasan(doc)
    nunca = set(comprobaciones_declaradas(leccion)) - falladas
    assert not nunca, f"ni el ejercicio ni ningún error común falla {sorted(nunca)}: son comprobaciones que no pueden fallar"


@POR_LECCION
def test_las_comprobaciones_estan_bien_declaradas(leccion, resultados):
    doc = comprobar(resultados, leccion, "solución", leccion.solucion)
    nombres = comprobaciones_declaradas(leccion)
    assert len(nombres) == len(set(nombres)), "dos comprobaciones con el mismo nombre"
    assert nombres[0] == motor.ESTRUCTURA, "la primera comprobación es la de estructura"
    for prueba in doc["tests"]:
        assert prueba["name"] and not prueba["name"].startswith("test_"), f"{prueba['id']} necesita un docstring"
        assert prueba["task_id"] is None or prueba["max_score"] > 0
    titulos = {t["task_id"]: t["name"] for t in doc["tasks"]}
    assert all(not t.startswith("Tarea ") for t in titulos.values()), f"faltan títulos en TAREAS: {titulos}"
