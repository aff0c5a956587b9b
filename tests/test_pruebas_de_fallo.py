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
from taller.cargador import entrada_del_objetivo

LECCIONES = [leccion for leccion in lecciones.todas() if leccion.comprobaciones.is_dir()]
TAREA_HEREDADA = "Lo de lecciones anteriores sigue funcionando"  # comprueba lo heredado: el ejercicio ya lo trae
POR_LECCION = pytest.mark.parametrize("leccion", LECCIONES, ids=[leccion.nombre for leccion in LECCIONES])


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


def por_que(doc, ids):
    """El estado y el mensaje de las comprobaciones ``ids``: lo que hace falta leer cuando una falla sin esperarlo."""
    return "".join(
        f"\n  {p['id']} [{p['status']}]: {p.get('message', '')[:600]}" for p in doc["tests"] if p["id"] in ids
    )


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
def test_los_modulos_heredados_coinciden_con_su_original(leccion):
    """Lo que una lección hereda (hereda.toml) es una copia generada, nunca hecha a mano, y nada sobra."""
    distintos = ejercicios.heredados_desactualizados(leccion.solucion)
    assert not distintos, f"{distintos} no coinciden con su original: ejecuta «taller sincronizar»"
    olvidados = ejercicios.olvidados(leccion.solucion)
    assert not olvidados, f"{olvidados} están en la lección anterior pero esta ni los hereda ni los tiene"
    sobran = ejercicios.sobrantes(leccion.solucion, leccion.ejercicio)
    assert not sobran, f"{sobran} ya no se generan desde la solución: ejecuta «taller sincronizar»"


@POR_LECCION
def test_las_tareas_solo_estan_en_los_modulos_que_nombra_el_enunciado(leccion):
    """Las marcas [solución] están en uno a tres módulos de la lección (y sus migraciones); el ENUNCIADO los nombra."""
    enunciado = (leccion.ejercicio / "ENUNCIADO.md").read_text(encoding="utf-8")
    _, heredados = ejercicios.herencia(leccion.solucion)
    con_tareas = [
        str(p.relative_to(leccion.solucion))
        for p in ejercicios.archivos_de(leccion.solucion)
        if p.suffix == ".py" and "# [solución]" in p.read_text(encoding="utf-8")
    ]
    assert con_tareas, "la solución no marca ninguna tarea"
    assert not set(con_tareas) & set(heredados), "un módulo heredado no puede tener tareas"
    modulos = [m for m in con_tareas if "/migraciones/" not in m]  # una revisión de Alembic no es un módulo
    assert len(modulos) <= 3, f"las tareas deben estar en uno a tres módulos, no en {modulos}"
    sin_nombrar = [m for m in con_tareas if m not in enunciado]
    assert not sin_nombrar, f"el ENUNCIADO no nombra {sin_nombrar}, donde están las tareas"


@POR_LECCION
def test_el_ejercicio_no_manda_a_ejecutar_la_solucion(leccion):
    """El estudiante arranca su propio ejercicio («taller ejecutar NN --ejercicio»), nunca la solución."""
    textos = {
        p.name: p.read_text(encoding="utf-8")
        for p in ejercicios.archivos_de(leccion.ejercicio)
        if p.suffix in (".py", ".md")
    }
    malos = [nombre for nombre, texto in textos.items() if "--app solutions/" in texto]
    assert not malos, f"{malos} mandan a ejecutar la solución (flask --app solutions/…)"
    es_una_app = entrada_del_objetivo(leccion.ejercicio).exists()
    assert not es_una_app or f"taller ejecutar {leccion.numero} --ejercicio" in textos.get("ENUNCIADO.md", ""), (
        "el ENUNCIADO debe decir cómo arrancar el ejercicio: taller ejecutar NN --ejercicio"
    )


@POR_LECCION
def test_el_ejercicio_sin_tocar_falla_todas_sus_tareas(leccion, resultados):
    doc = comprobar(resultados, leccion, "ejercicio", leccion.ejercicio)
    assert doc["status"] == "fail", "el ejercicio debe cargar (la estructura pasa) y fallar"
    # La tarea «Lo de lecciones anteriores sigue funcionando» comprueba lo heredado: el ejercicio ya lo trae.
    heredadas = {t["task_id"] for t in doc.get("tasks", []) if t["name"] == TAREA_HEREDADA}
    pasan = [
        p["id"]
        for p in doc["tests"]
        if p["task_id"] is not None and p["task_id"] not in heredadas and p["status"] == "pass"
    ]
    assert not pasan, f"el ejercicio sin tocar ya pasa {pasan}: esas comprobaciones no comprueban nada nuevo"
    assert doc["score"] == sum(p["score"] for p in doc["tests"] if p["task_id"] in heredadas)


def variantes_de(leccion):
    return [(leccion, v) for v in variantes.cargar(leccion.comprobaciones)]


VARIANTES = [par for leccion in LECCIONES for par in variantes_de(leccion)]


@pytest.mark.parametrize(
    ("leccion", "variante"), VARIANTES, ids=[f"{leccion.nombre}-{v.nombre}" for leccion, v in VARIANTES]
)
def test_cada_error_comun_falla_lo_que_declara(leccion, variante, tmp_path, resultados):
    assert variante.descripcion.strip(), "cada error común necesita una descripción de una línea"
    objetivo = variantes.aplicar(variante, leccion.solucion, tmp_path / variante.nombre)
    doc = comprobar(resultados, leccion, variante.nombre, objetivo)
    todas = set(comprobaciones_declaradas(leccion))
    declaradas = todas if variante.falla == ("todas",) else set(variante.falla)
    assert declaradas <= todas, f"declara comprobaciones que no existen: {declaradas - todas}"
    assert que_no_pasan(doc) == declaradas, (
        f"«{variante.nombre}» debería fallar {sorted(declaradas)} y falla {sorted(que_no_pasan(doc))}"
        + por_que(doc, que_no_pasan(doc) - declaradas)
    )


def doc_de_la_variante(resultados, numero, nombre, tmp_path):
    """El documento de resultados de la variante ``nombre`` de la lección ``numero`` (el ya calculado, si lo hay)."""
    leccion = lecciones.buscar(numero)
    (variante,) = [v for v in variantes.cargar(leccion.comprobaciones) if v.nombre == nombre]
    return comprobar(resultados, leccion, nombre, variantes.aplicar(variante, leccion.solucion, tmp_path / nombre))


PISTA_SURROGATE = "leer_json() rechaza el texto con un «\\ud800» suelto"
PISTA_72_BYTES = "bcrypt 5 lanza ValueError con más de 72 bytes"


@pytest.mark.parametrize(
    ("variante", "suya", "ajena"),
    [
        ("surrogate_suelto_500", PISTA_SURROGATE, PISTA_72_BYTES),
        ("sin_limite_de_72_bytes", PISTA_72_BYTES, PISTA_SURROGATE),
    ],
    ids=["surrogate_suelto_500", "sin_limite_de_72_bytes"],
)
def test_la_pista_es_la_del_caso_que_falla(variante, suya, ajena, resultados, tmp_path):
    """Dos errores que fallan la misma comprobación reciben cada uno la pista de su caso, no una por comprobación."""
    doc = doc_de_la_variante(resultados, "02", variante, tmp_path)
    (mensaje,) = [p["message"] for p in doc["tests"] if p["id"] == "test_registro_valida_los_datos"]
    assert suya in mensaje and ajena not in mensaje, mensaje


@pytest.mark.parametrize("numero", ["05", "06", "07"])
def test_una_sola_causa_da_pocas_cruces_y_el_resto_dice_de_que_depende(numero, resultados, tmp_path):
    """Romper el inicio de sesión heredado falla dos o tres comprobaciones; las que dependen de ellas no se ejecutan
    («–» en el informe) y dicen de cuál dependen, en vez de fallar todas con la misma pista."""
    doc = doc_de_la_variante(resultados, numero, "login_en_latin1_heredado", tmp_path)
    no_pasan = [p for p in doc["tests"] if p["status"] != "pass"]
    falladas = [p for p in no_pasan if p["status"] in ("fail", "error")]
    saltadas = [p for p in no_pasan if p["status"] == "skip"]
    assert 1 <= len(falladas) <= 3, [p["id"] for p in falladas]
    assert len(saltadas) >= 5 and len(falladas) + len(saltadas) == len(no_pasan)
    frases = {p["name"] for p in no_pasan}
    for p in saltadas:
        assert p["message"].startswith("No se ejecutó porque no pasó «"), p["message"]
        dependencia = p["message"].removeprefix("No se ejecutó porque no pasó «").removesuffix("».")
        assert dependencia in frases, f"{p['id']} dice que depende de «{dependencia}», que no falló"


@POR_LECCION
def test_toda_comprobacion_puede_fallar(leccion, resultados, tmp_path):
    falladas = que_no_pasan(comprobar(resultados, leccion, "ejercicio", leccion.ejercicio))
    for _, variante in variantes_de(leccion):
        doc = comprobar(
            resultados,
            leccion,
            variante.nombre,
            variantes.aplicar(variante, leccion.solucion, tmp_path / variante.nombre),
        )
        falladas |= que_no_pasan(doc)
    nunca = set(comprobaciones_declaradas(leccion)) - falladas
    assert not nunca, (
        f"ni el ejercicio ni ningún error común falla {sorted(nunca)}: son comprobaciones que no pueden fallar"
    )


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


@pytest.mark.parametrize("numero", ["08", "09", "10"])
def test_la_salida_del_programa_no_trae_las_peticiones_de_las_comprobaciones(numero, resultados):
    """Las comprobaciones que sirven la app por HTTP no llenan «Salida de tu programa» con su registro de accesos."""
    leccion = lecciones.buscar(numero)
    doc = comprobar(resultados, leccion, "ejercicio", leccion.ejercicio)
    salidas = [p["output"] for p in doc["tests"] if p.get("output")]
    assert not [s for s in salidas if "werkzeug" in s or " HTTP/1.1" in s], salidas[:3]
