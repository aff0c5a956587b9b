"""La ortografía de lo que se lee: hunspell es_ES sobre los textos, los cuadernos y los mensajes.

Se revisan los textos (README de cada lección, ENUNCIADO, README.es.md, docs/*.md), las
celdas de texto de los cuadernos, las frases de las comprobaciones (sus docstrings, los
textos de sus mensajes y pistas, y las descripciones de ``errores.toml``) y los textos de
``src/taller`` (la ayuda y los mensajes de la orden ``taller``).

No se revisa el código: bloques de código, ``código en línea``, comentarios HTML,
direcciones, rutas, nombres con ``_``, dígitos o mayúsculas por dentro, ni las palabras en
*cursiva*, que en estos textos marcan los extranjerismos (*payload*, *workers*). Los
términos técnicos que sí aparecen en el texto corrido (token, bcrypt, Redis…) están en
``tests/palabras_del_taller.txt``, una por línea: añade ahí una palabra solo si es
correcta.
"""

import ast
import builtins
import functools
import inspect
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
PALABRAS = RAIZ / "tests" / "palabras_del_taller.txt"
NOMBRES_DE_PYTHON = set(dir(builtins)) | set(sys.stdlib_module_names)  # dict, None, hashlib…
ESPANOL = re.compile(r"\b(?:de|del|el|la|las|los|que|en|un|una|se|con|por|para|es|sin)\b")

NO_ES_PROSA = [
    re.compile(p, re.S | re.M)
    for p in (
        r"^[ \t]*(```|~~~).*?^[ \t]*\1",  # bloques de código (también dentro de una lista)
        r"<!--.*?-->",  # comentarios HTML (las marcas de los textos)
        r"``.*?``|`[^`]*`",  # código en línea (Markdown y reStructuredText)
        r"\]\([^)]*\)",  # destino de un enlace
        r"<[^>\n]+>",  # etiquetas HTML y direcciones entre < >
        r"\bhttps?://\S+|\b[\w.+-]+@[\w-]+\.[\w.]+",  # direcciones y correos
        r"(?<![\w*])\*(?!\s)[^*]{1,200}?(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)[^_]{1,200}?(?<!\s)_(?![\w_])",  # *cursiva*
        r"\S*(?:[/\\_=$%{}|#~^@]|\w-\w)\S*",  # rutas, identificadores, nombres-con-guiones, fórmulas
        r"\b\w+\([^()]*\)?",  # llamadas: función(argumentos)
        r"\b\w*\d\w*\b",  # palabras con dígitos (RS256, base64)
        r"\b\w+[a-záéíóúñ][A-Z]\w*\b",  # camelCase y CamelCase (HttpOnly)
        r"\b\w+\.\w+\b",  # módulo.atributo, archivo.extensión
        r"\b[A-ZÁÉÍÓÚÑ]{2,}s?\b|\b\w\b",  # siglas (JWT, APIs) y letras sueltas
    )
]


def prosa(texto):
    """``texto`` sin nada que no sea prosa en español (las citas en inglés, entre «», tampoco)."""
    for patron in NO_ES_PROSA:
        texto = patron.sub(" ", texto)
    return re.sub(r"«[^»]*»", lambda m: m[0] if ESPANOL.search(m[0]) else " ", texto)


def textos_markdown():
    yield from RAIZ.glob("lessons/*/README.md")
    yield from RAIZ.glob("lessons/*/ejercicio/ENUNCIADO.md")
    yield RAIZ / "README.es.md"
    yield from RAIZ.glob("docs/*.md")


def celdas_de_texto(cuaderno):
    celdas = json.loads(cuaderno.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in celdas if c["cell_type"] == "markdown")


def cadenas_de_python(archivo):
    """Los textos en español de un archivo de Python (docstrings, mensajes, pistas, ayuda).

    Un texto está en español si tiene alguna de sus palabras más frecuentes; así quedan
    fuera el código que las comprobaciones envían (HTML, JavaScript) y los mensajes en
    inglés de las bibliotecas. Lo que va entre comillas dobles es un valor literal.
    """
    for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8"))):
        if isinstance(nodo, ast.Constant) and isinstance(nodo.value, str) and ESPANOL.search(nodo.value):
            texto = re.sub(r"(?m)^ {4}.*$", " ", inspect.cleandoc(nodo.value))  # ejemplos de código sangrados
            texto = re.sub(r"(?m)^\s*(?:- )?[\w-]+:", " ", texto)  # claves de YAML o TOML
            yield re.sub(r'"[^"\n]*"', " ", texto)


def descripciones_de_errores(archivo):
    for error in tomllib.loads(archivo.read_text(encoding="utf-8")).get("error", []):
        yield re.sub(r'"[^"\n]*"', " ", error.get("descripcion", ""))


@functools.cache
def fuentes():
    """{nombre: prosa a revisar} de todo lo que se lee."""
    textos = {str(t.relative_to(RAIZ)): t.read_text(encoding="utf-8") for t in textos_markdown()}
    textos |= {str(c.relative_to(RAIZ)): celdas_de_texto(c) for c in RAIZ.glob("notebooks/*.ipynb")}
    for archivo in [*RAIZ.glob("checks/*/*.py"), *RAIZ.glob("src/taller/**/*.py")]:
        textos[str(archivo.relative_to(RAIZ))] = "\n".join(cadenas_de_python(archivo))
    for archivo in RAIZ.glob("checks/*/errores.toml"):
        textos[str(archivo.relative_to(RAIZ))] = "\n".join(descripciones_de_errores(archivo))
    return {nombre: prosa(texto) for nombre, texto in sorted(textos.items())}


def desconocidas(prosas):
    """{nombre: [palabras que hunspell es_ES no conoce]} (con la lista del taller); una sola llamada."""
    r = subprocess.run(
        ["hunspell", "-d", "es_ES", "-p", str(PALABRAS), "-l"],
        input="\n".join(prosas.values()),
        capture_output=True,
        text=True,
        check=True,
    )
    malas = set(r.stdout.split()) - NOMBRES_DE_PYTHON
    por_fuente = {}
    for nombre, texto in prosas.items():
        aqui = sorted(malas & set(re.findall(r"[^\W\d_]+", texto)))
        if aqui:
            por_fuente[nombre] = aqui
    return por_fuente


def test_hunspell_esta_instalado():
    assert shutil.which("hunspell"), "falta hunspell: «apt-get install hunspell hunspell-es» (lo hace .ci/preparar)"
    r = subprocess.run(["hunspell", "-D"], capture_output=True, text=True, input="")
    assert "es_ES" in r.stderr, "falta el diccionario es_ES de hunspell: «apt-get install hunspell-es»"


def test_sin_faltas_de_ortografia():
    faltas = desconocidas(fuentes())
    assert not faltas, (
        f"hunspell es_ES no conoce estas palabras (si una es correcta, va en {PALABRAS.name}):\n"
        + "\n".join(f"{nombre}: {' '.join(palabras)}" for nombre, palabras in faltas.items())
    )


# Un término por idea: la variante de la izquierda no aparece en la prosa de nada de lo que se lee
# (textos, cuadernos, frases, mensajes y pistas de las comprobaciones, errores.toml y la orden taller);
# el código, los nombres en `código` y las palabras en *cursiva* sí pueden usarla.
# «Login con JWT», con mayúscula, es el nombre de la lección 02.
TERMINOS = {
    r"\blogins?\b": "inicio de sesión",
    r"\b[Rr]en(?:ov|uev)\w*": "refrescar, refresco",
    r"\b[Ll]ibrer[ií]as?\b": "biblioteca",
    r"\b[Pp]ayloads?\b": "carga útil (*payload*, en cursiva, para nombrar el término inglés)",
    r"\b[Ww]orkers?\b": "procesos (*workers*, en cursiva)",
}


def test_un_termino_por_idea():
    otros = [
        f"{nombre}: «{m[0]}» → {termino}"
        for nombre, prosa_de_la_fuente in fuentes().items()
        for patron, termino in TERMINOS.items()
        for m in re.finditer(patron, prosa_de_la_fuente)
    ]
    assert not otros, "Un término por idea:\n" + "\n".join(otros)
