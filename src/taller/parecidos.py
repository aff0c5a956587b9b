"""Señales de copia: entregas idénticas o casi idénticas entre sí o a la solución de referencia.

Es un informe para el docente y nunca cambia una nota. Cada entrega se reduce a sus fichas de
Python sin formato, comentarios ni docstrings, con los nombres propios, textos y números
sustituidos por marcadores (renombrar variables no la esconde); se toman secuencias de
``K`` fichas seguidas, se quitan las que ya trae el punto de partida del ejercicio (lo que
todos comparten de entrada) y se compara cada par con el índice de Jaccard.
"""

import builtins
import io
import itertools
import keyword
import tokenize
from pathlib import Path

K = 8
UMBRAL = 0.8  # a partir de aquí, «casi idénticas»
IGNORADAS = {"__MACOSX", ".git", "__pycache__", ".venv", "venv", "node_modules", "instance", ".pytest_cache"}
CONOCIDOS = set(keyword.kwlist) | set(dir(builtins))
MAX_BYTES = 2 * 2**20


def fichas(codigo: str) -> list[str]:
    """Las fichas normalizadas de un código Python (las que no se pueden leer se omiten)."""
    salida: list[str] = []
    anterior = None
    try:
        for ficha in tokenize.generate_tokens(io.StringIO(codigo).readline):
            tipo, texto = ficha.type, ficha.string
            if tipo in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENCODING,
                tokenize.ENDMARKER,
            ):
                anterior = tipo if tipo in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) else anterior
                continue
            if tipo == tokenize.STRING and anterior in (None, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                anterior = tipo  # un docstring o un texto suelto: es como un comentario
                continue
            anterior = tipo
            if tipo == tokenize.NAME:
                salida.append(texto if texto in CONOCIDOS else "N")
            elif tipo == tokenize.STRING or tipo == getattr(tokenize, "FSTRING_START", -1):
                salida.append("S")
            elif tipo == tokenize.NUMBER:
                salida.append("0")
            elif tipo == tokenize.OP:
                salida.append(texto)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return salida


def codigo_de(carpeta: Path) -> str:
    """Todo el Python de una carpeta (ordenado por ruta), sin lo que no es del estudiante."""
    partes = []
    total = 0
    for ruta in sorted(carpeta.rglob("*.py")):
        relativa = ruta.relative_to(carpeta).parts
        if IGNORADAS.intersection(relativa) or ruta.is_symlink() or not ruta.is_file():
            continue
        total += ruta.stat().st_size
        if total > MAX_BYTES:
            break
        partes.append(ruta.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(partes)


def huella(codigo: str, base: frozenset[tuple[str, ...]] = frozenset()) -> frozenset[tuple[str, ...]]:
    seq = fichas(codigo)
    return frozenset(tuple(seq[i : i + K]) for i in range(max(0, len(seq) - K + 1))) - base


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def comparar(
    entregas: dict[str, Path], referencia: Path | None, partida: Path | None, umbral: float = UMBRAL
) -> list[tuple[str, str, float, bool]]:
    """Pares (a, b, parecido, idénticas) con parecido ≥ ``umbral``; b puede ser «(solución de referencia)»."""
    base = huella(codigo_de(partida)) if partida else frozenset()
    codigos = {nombre: codigo_de(carpeta) for nombre, carpeta in entregas.items()}
    huellas = {nombre: huella(codigo, base) for nombre, codigo in codigos.items()}
    normal = {nombre: fichas(codigo) for nombre, codigo in codigos.items()}
    if referencia:
        codigo = codigo_de(referencia)
        huellas[REFERENCIA], normal[REFERENCIA] = huella(codigo, base), fichas(codigo)
    pares = []
    for a, b in itertools.combinations(sorted(huellas), 2):
        if a == REFERENCIA or b == REFERENCIA:
            a, b = (b, a) if a == REFERENCIA else (a, b)
        parecido = jaccard(huellas[a], huellas[b])
        if parecido >= umbral:
            pares.append((a, b, round(parecido, 3), bool(normal[a]) and normal[a] == normal[b]))
    return sorted(pares, key=lambda p: (-p[2], p[0], p[1]))


REFERENCIA = "(solución de referencia)"


def informe(pares: list[tuple[str, str, float, bool]], total: int, umbral: float = UMBRAL) -> str:
    """El informe en Markdown para el docente."""
    lineas = [
        "# Entregas parecidas (solo para el docente)",
        "",
        f"Se compararon {total} entregas entre sí y con la solución de referencia, sin formato, comentarios ni "
        f"nombres, y sin el código del punto de partida. Se listan los pares con un parecido de al menos "
        f"{round(umbral * 100):d} %. **Es una señal para mirar, no una prueba: no cambia ninguna nota.**",
        "",
    ]
    if not pares:
        return "\n".join([*lineas, "No hay pares por encima del umbral.", ""])
    for a, b, parecido, identicas in pares:
        como = "idénticas salvo formato, comentarios y nombres" if identicas else "casi idénticas"
        lineas.append(f"- `{a}` y `{b}`: {round(parecido * 100):d} % ({como})")
    return "\n".join([*lineas, ""])
