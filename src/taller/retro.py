"""La retroalimentación que lee el estudiante: Markdown (GitHub, Moodle, un navegador) y una página HTML.

Se lee de una vez: la nota con su máximo real, las tareas, lo primero que falla con su pista y
cada comprobación en una línea; las que no se ejecutaron porque falló otra se pliegan en la
línea de esa otra («y 3 comprobaciones que dependen de ella»). Lo que viene del estudiante
(su nombre, lo que respondió su código) va en código; nuestras frases, escapadas, para que
``<id>`` o ``__table_args__`` se vean tal cual y no como HTML o negrita.
"""

import html
import re
from typing import Any

from markdown_it import MarkdownIt

from taller import motor

SIMBOLOS = {"pass": "✔", "fail": "✘", "error": "✘", "skip": "–"}
SALTO = re.compile(r"No se ejecutó porque no pasó «(.*)»\.$")
PISTA = "\nPista: "
ACTIVOS = re.compile(r"([\\`*_\[\]|~])")  # el texto nunca empieza una línea: «#», «1.» o «-» no hacen nada

Doc = dict[str, Any]


def codigo_md(texto: str | None) -> str:
    """``texto`` (que viene del estudiante) como código en línea de Markdown: nunca se interpreta."""
    texto = motor.limpiar(texto or "").replace("\n", " ")
    comillas = "`" * (max((len(m) for m in re.findall(r"`+", texto)), default=0) + 1)
    relleno = " " if texto.startswith("`") or texto.endswith("`") or not texto.strip() else ""
    return f"{comillas}{relleno}{texto}{relleno}{comillas}"


def bloque_md(texto: str | None, sangria: str = "") -> list[str]:
    """``texto`` como bloque de código cercado: ni Markdown ni HTML de la entrega llegan vivos al lector."""
    texto = motor.limpiar(texto or "")
    cerca = "`" * max(3, max((len(m) for m in re.findall(r"`+", texto)), default=0) + 1)
    return [f"{sangria}{cerca}text", *[f"{sangria}{linea}" for linea in texto.splitlines()], f"{sangria}{cerca}"]


def texto_md(texto: str | None) -> str:
    """Una frase nuestra (una descripción, una pista) escapada: se lee igual en cualquier Markdown.

    Sus trozos entre comillas invertidas (``jsonify(...)`` en una pista) siguen siendo código.
    """
    partes = re.split(r"(`[^`\n]+`)", motor.limpiar(texto or "").replace("\n", " "))
    return "".join(codigo_md(p[1:-1]) if i % 2 else escapar(p) for i, p in enumerate(partes))


def escapar(texto: str) -> str:
    texto = texto.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ACTIVOS.sub(r"\\\1", texto)


def numero(valor: float) -> str:
    """Un número a la española: ``92,3``, ``26``."""
    return f"{valor:g}".replace(".", ",")


def porcentaje(doc: Doc) -> float:
    return round(100 * doc["score"] / doc["max_score"], 1) if doc.get("max_score") else 0.0


def nota(doc: Doc) -> str:
    return f"{numero(doc.get('score', 0))}/{numero(doc.get('max_score', 0))} puntos ({numero(porcentaje(doc))} %)"


def mensaje_y_pista(mensaje: str | None) -> tuple[str, str | None]:
    """El mensaje de una comprobación separado de su pista (la pista va siempre al final)."""
    mensaje = mensaje or ""
    if PISTA in mensaje:
        antes, pista = mensaje.rsplit(PISTA, 1)
        return antes, pista
    return mensaje, None


def plegadas(pruebas: list[Doc]) -> dict[str, list[Doc]]:
    """Las comprobaciones no ejecutadas, agrupadas por el nombre de aquella de la que dependían."""
    grupos: dict[str, list[Doc]] = {}
    for prueba in pruebas:
        encontrado = SALTO.search(prueba.get("message") or "") if prueba.get("status") == "skip" else None
        if encontrado:
            grupos.setdefault(encontrado.group(1), []).append(prueba)
    return grupos


def cuantas(n: int) -> str:
    """«y 3 comprobaciones que dependen de ella no se ejecutaron» (con la concordancia de una sola)."""
    if n == 1:
        return "y 1 comprobación que depende de ella no se ejecutó"
    return f"y {n} comprobaciones que dependen de ella no se ejecutaron"


def primera_que_falla(doc: Doc) -> Doc | None:
    pruebas = [p for p in doc.get("tests", []) if p.get("status") in ("fail", "error")]
    return pruebas[0] if pruebas else None


def detalle(prueba: Doc, sangria: str = "") -> list[str]:
    """El mensaje (en un bloque de código) y la pista de una comprobación que no pasa."""
    if prueba.get("hidden") or not prueba.get("message"):
        return []
    mensaje, pista = mensaje_y_pista(prueba["message"])
    lineas = ["", *bloque_md(mensaje, sangria)] if mensaje.strip() else []
    if pista:
        lineas += ["", f"{sangria}**Pista:** {texto_md(pista)}"]
    return lineas + [""]


def linea(prueba: Doc, dependientes: int) -> str:
    oculta = " (comprobación oculta)" if prueba.get("hidden") else ""
    extra = f", {cuantas(dependientes)}" if dependientes else ""
    puntos = f"{numero(prueba['score'])}/{numero(prueba['max_score'])}"
    return f"- {SIMBOLOS.get(str(prueba.get('status')), '?')} {texto_md(prueba['name'])}{oculta} ({puntos}){extra}"


def seccion_de_tarea(tarea: Doc, pruebas: list[Doc], grupos: dict[str, list[Doc]]) -> list[str]:
    lineas = [f"## Tarea {tarea['task_id']} · {texto_md(tarea['name'])} ({tarea['score']}/{tarea['max_score']})", ""]
    propias = [p for p in pruebas if p.get("task_id") == tarea["task_id"]]
    nombres = {p["name"] for p in propias}
    ya_contadas = {id(d) for p in propias for d in grupos.get(p["name"], []) if d in propias}
    por_causa: dict[str, int] = {}
    for prueba in propias:
        if id(prueba) in ya_contadas:
            continue
        causa = SALTO.search(prueba.get("message") or "") if prueba.get("status") == "skip" else None
        if causa and causa.group(1) not in nombres:
            por_causa[causa.group(1)] = por_causa.get(causa.group(1), 0) + 1
            continue
        dependientes = sum(1 for d in grupos.get(prueba["name"], []) if d in propias)
        lineas.append(linea(prueba, dependientes))
        if prueba.get("status") in ("fail", "error"):
            lineas += detalle(prueba, "  ")
    for frase, n in por_causa.items():
        que = "1 comprobación no se ejecutó" if n == 1 else f"{n} comprobaciones no se ejecutaron"
        lineas.append(f"- – {que} porque no pasó «{texto_md(frase)}»")
    return lineas + [""]


def resumen_md(doc: Doc) -> list[str]:
    """La nota, las tareas y lo primero que falla: lo que cabe en un comentario de Moodle."""
    pruebas = doc.get("tests", [])
    pasan = sum(p.get("status") == "pass" for p in pruebas if p.get("max_score"))
    contadas = sum(1 for p in pruebas if p.get("max_score"))
    lineas = [f"**Nota: {nota(doc)}**" + (f" · pasan {pasan} de {contadas} comprobaciones" if contadas else ""), ""]
    for tarea in doc.get("tasks", []):
        simbolo = "✔" if tarea["score"] == tarea["max_score"] else "✘"
        lineas.append(
            f"- {simbolo} Tarea {tarea['task_id']} · {texto_md(tarea['name'])}: {tarea['score']}/{tarea['max_score']}"
        )
    if doc.get("tasks"):
        lineas.append("")
    if doc.get("status") == "error":
        sin_ejecutar = sum(1 for p in pruebas if p.get("status") == "skip" and p.get("max_score"))
        lineas += ["**No se pudo cargar tu entrega:**", "", *bloque_md(mensaje_y_pista(doc.get("message"))[0])]
        pista = mensaje_y_pista(doc.get("message"))[1]
        lineas += ["", f"**Pista:** {texto_md(pista)}"] if pista else []
        if sin_ejecutar:
            lineas += ["", f"Por eso no se ejecutaron las {sin_ejecutar} comprobaciones que dependen de cargarla."]
        lineas.append("")
    elif doc.get("status") == "pass":
        lineas += ["¡Todo correcto!", ""]
    else:
        primera = primera_que_falla(doc)
        if primera:
            lineas += [
                f"**Sigue por aquí:** la primera comprobación que no pasa es «{texto_md(primera['name'])}»"
                + (f" (tarea {primera['task_id']})." if primera.get("task_id") else "."),
                *detalle(primera),
            ]
    return lineas


def retroalimentacion(leccion: Any, estudiante: str, doc: Doc) -> str:
    """La retroalimentación completa en Markdown."""
    lineas = [
        f"# Lección {leccion.numero} · {texto_md(leccion.titulo)}",
        "",
        f"Estudiante: {codigo_md(estudiante)}",
        "",
        *resumen_md(doc),
    ]
    if doc.get("status") != "error":
        pruebas = [p for p in doc.get("tests", []) if p.get("task_id") is not None]
        grupos = plegadas(doc.get("tests", []))
        for tarea in doc.get("tasks", []):
            lineas += seccion_de_tarea(tarea, pruebas, grupos)
    return "\n".join(lineas).rstrip("\n") + "\n"


ESTILO = """body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto;white-space:pre-wrap}code{font-size:.95em}
li{margin:.2rem 0}h2{border-bottom:1px solid #ddd;font-size:1.2rem}"""


def a_html(markdown: str) -> str:
    """Markdown (CommonMark, sin HTML en crudo) a HTML."""
    return str(MarkdownIt("commonmark", {"html": False}).render(markdown))


def pagina_html(leccion: Any, estudiante: str, doc: Doc) -> str:
    """La retroalimentación como página HTML completa, para abrir en un navegador o subir a Moodle."""
    titulo = html.escape(f"Lección {leccion.numero} · {leccion.titulo} · {motor.limpiar(estudiante)}")
    cuerpo = a_html(retroalimentacion(leccion, estudiante, doc))
    return (
        f'<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n<title>{titulo}</title>\n'
        f"<style>{ESTILO}</style>\n</head>\n<body>\n{cuerpo}</body>\n</html>\n"
    )
