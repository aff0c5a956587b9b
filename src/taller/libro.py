"""El libro de calificaciones: un CSV para programas, otro que abre bien una hoja de cálculo y el de un LMS.

- ``calificaciones.csv``: coma, punto decimal, UTF-8; la cabecera son los identificadores estables
  (``tarea_1``, ``test_crear_responde_201``…). Una fila por estudiante, nada más.
- ``puntos_posibles.csv``: cada columna con su nombre legible y sus puntos posibles.
- ``calificaciones_hoja.csv``: la misma tabla con cabeceras que se leen («Tarea 1 · Crear artículos
  (6 puntos)»); con ``hoja="es"``, punto y coma, coma decimal y UTF-8 con BOM (Excel y LibreOffice
  en español la abren en columnas y con las tildes bien).
- ``notas_lms.csv``: estudiante, nota, nota máxima y porcentaje, para Canvas, Google Classroom…

Las comprobaciones de 0 puntos (la de estructura) no tienen columna: lo que dicen ya está en «estado».
"""

import csv
from pathlib import Path
from typing import Any

from taller import motor, retro

ESTADOS = {"pass": "todo correcto", "fail": "con fallos", "error": "no se pudo comprobar"}
Doc = dict[str, Any]


def celda(valor: Any) -> Any:
    """Una celda de CSV que ninguna hoja de cálculo ejecuta como fórmula (OWASP «CSV injection»)."""
    if not isinstance(valor, str):
        return valor
    valor = motor.limpiar(valor)
    return "'" + valor if valor[:1] in ("=", "+", "-", "@", "\t", "\r") else valor


def primera_linea(texto: str | None) -> str:
    return (texto or "").strip().split("\n", 1)[0]


def modelo(resultados: dict[str, Doc]) -> Doc | None:
    """Un documento con todas las comprobaciones (el primero que las tenga)."""
    return next((doc for doc in resultados.values() if doc.get("tests")), None)


def columnas(resultados: dict[str, Doc]) -> list[tuple[str, str, Any]]:
    """(id, nombre legible, puntos posibles) de cada columna de datos."""
    doc = modelo(resultados)
    if doc is None:
        return []
    cols: list[tuple[str, str, Any]] = []
    for tarea in doc.get("tasks", []):
        cols.append((f"tarea_{tarea['task_id']}", f"Tarea {tarea['task_id']} · {tarea['name']}", tarea["max_score"]))
    for prueba in doc["tests"]:
        if prueba.get("max_score"):
            cols.append((prueba["id"], f"{prueba['task_id']} · {prueba['name']}", prueba["max_score"]))
    return cols


def maximo(resultados: dict[str, Doc]) -> Any:
    doc = modelo(resultados)
    return doc["max_score"] if doc else 0


def valores(doc: Doc, cols: list[tuple[str, str, Any]]) -> list[Any]:
    por_id = {f"tarea_{t.get('task_id')}": t.get("score", 0) for t in doc.get("tasks", [])}
    por_id.update({p.get("id"): p.get("score", 0) for p in doc.get("tests", [])})
    return [por_id.get(id_, 0) for id_, _, _ in cols]


def filas(resultados: dict[str, Doc]) -> list[list[Any]]:
    cols = columnas(resultados)
    return [
        [
            estudiante,
            *valores(doc, cols),
            doc.get("score", 0),
            retro.porcentaje(doc),
            ESTADOS.get(str(doc.get("status")), "desconocido"),
            primera_linea(doc.get("message")),
        ]
        for estudiante, doc in sorted(resultados.items())
    ]


def escribir_tabla(archivo: Path, cabecera: list[Any], datos: list[list[Any]], hoja: str | None = None) -> None:
    separador, decimal, codificacion = (";", ",", "utf-8-sig") if hoja == "es" else (",", ".", "utf-8")
    if hoja == "en":
        codificacion = "utf-8-sig"

    def formato(valor: Any) -> Any:
        return str(valor).replace(".", decimal) if isinstance(valor, float) else celda(valor)

    with open(archivo, "w", newline="", encoding=codificacion) as f:
        escritor = csv.writer(f, delimiter=separador)
        escritor.writerow([celda(c) for c in cabecera])
        escritor.writerows([formato(v) for v in fila] for fila in datos)


def escribir(salida: Path, resultados: dict[str, Doc], hoja: str = "es") -> None:
    """Escribe los cuatro CSV en ``salida``."""
    cols, total = columnas(resultados), maximo(resultados)
    finales = ["total", "porcentaje", "estado", "mensaje"]
    datos = filas(resultados)
    escribir_tabla(salida / "calificaciones.csv", ["estudiante", *[c[0] for c in cols], *finales], datos)
    escribir_tabla(
        salida / "puntos_posibles.csv",
        ["columna", "nombre", "puntos posibles"],
        [*[list(c) for c in cols], ["total", "Total", total], ["porcentaje", "Porcentaje", 100]],
    )
    legibles = [
        f"{nombre} ({retro.numero(puntos)} {'punto' if puntos == 1 else 'puntos'})" for _, nombre, puntos in cols
    ]
    escribir_tabla(
        salida / "calificaciones_hoja.csv",
        ["Estudiante", *legibles, f"Total ({retro.numero(total)} puntos)", "Porcentaje", "Estado", "Mensaje"],
        datos,
        hoja,
    )
    escribir_tabla(
        salida / "notas_lms.csv",
        ["estudiante", "nota", "nota_maxima", "porcentaje"],
        [[fila[0], fila[-4], total, fila[-3]] for fila in datos],
    )
