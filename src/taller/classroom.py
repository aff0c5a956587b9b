"""El flujo de GitHub Classroom que califica una lección en cada push.

``classroom-resources/autograding-grading-reporter@v1`` hace dos cuentas distintas: el aviso que
guarda Classroom suma ``tests[].score`` contra ``max_score``, pero su registro da a cada corredor
``aprobadas / comprobaciones × max_score`` y escribe «- line N» con ``line_no``. Para que las dos
cuentas coincidan, cada comprobación con puntos es un corredor propio (una sola prueba, su
``max_score`` son sus puntos); las de 0 puntos no se envían. El reporter no muestra ningún mensaje:
un paso anterior imprime el informe en español, con los mensajes y las pistas.

``python -m taller.classroom informe resultados.json NN`` imprime ese informe;
``python -m taller.classroom salidas resultados.json ID=PUNTOS…`` escribe las líneas de
``$GITHUB_OUTPUT`` (``c01=<base64>``…) para el reporter.
"""

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

PLANTILLA = """\
# Generado con «taller classroom {numero}». GitHub Classroom califica la lección {numero}
# ({titulo}) en cada push: suma los puntos de cada comprobación superada.
name: Calificación automática
'on':
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  calificar:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 15
    steps:
      - name: Descargar el código
        uses: actions/checkout@v4
      - name: Preparar Python
        uses: actions/setup-python@v5
        with:
          python-version: '3.11'
      - name: Instalar el taller
        run: python -m pip install -e .
      - name: Comprobar la lección {numero}
        run: taller comprobar {numero} --formato json > resultados.json || true
      - name: Informe en español (mensajes y pistas)
        run: python -m taller.classroom informe resultados.json {numero}
      - name: Preparar los resultados para el reporter
        id: resultados
        run: python -m taller.classroom salidas resultados.json {argumentos} >> "$GITHUB_OUTPUT"
      - name: Informar de la nota
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{variables}
        with:
          runners: {corredores}
"""


def corredor(posicion: int) -> str:
    return f"c{posicion:02d}"


def puntuables(doc: Doc) -> list[tuple[str, Any]]:
    """(id, puntos) de las comprobaciones con puntos, en su orden."""
    return [(p["id"], p["max_score"]) for p in doc.get("tests", []) if p.get("max_score")]


def flujo(leccion: Any, doc: Doc) -> str:
    """El YAML del flujo para ``leccion``; ``doc`` es un documento con todas sus comprobaciones."""
    ids = puntuables(doc)
    nombres = [corredor(i) for i in range(1, len(ids) + 1)]
    variables = "\n".join(f"          {n.upper()}_RESULTS: ${{{{ steps.resultados.outputs.{n} }}}}" for n in nombres)
    return PLANTILLA.format(
        numero=leccion.numero,
        titulo=leccion.titulo,
        argumentos=" ".join(f"{i}={p}" for i, p in ids),
        variables=variables,
        corredores=",".join(nombres),
    )


def linea(prueba: Doc) -> int:
    """La línea del código del estudiante que cita el mensaje («en la línea 15»), o 0 si no cita ninguna."""
    encontrado = re.search(r"\blínea (\d+)\b", prueba.get("message") or "")
    return int(encontrado.group(1)) if encontrado else 0


def resultados_por_corredor(doc: Doc, esperadas: list[tuple[str, Any]]) -> dict[str, Doc]:
    """Un documento por corredor, con una sola prueba que vale sus puntos (o 0 si no pasó)."""
    por_id = {p["id"]: p for p in doc.get("tests", [])}
    salida = {}
    for posicion, (id_, puntos) in enumerate(esperadas, start=1):
        prueba = por_id.get(id_, {"name": id_, "status": "skip", "message": doc.get("message") or ""})
        paso = prueba.get("status") == "pass"
        salida[corredor(posicion)] = {
            "version": 1,
            "status": "pass" if paso else "fail",
            "max_score": puntos,
            "tests": [
                {
                    "name": prueba["name"],
                    "status": "pass" if paso else "fail",
                    "score": puntos if paso else 0,
                    "message": "" if prueba.get("hidden") else (prueba.get("message") or ""),
                    "line_no": linea(prueba) or (0 if paso else linea(doc)),
                }
            ],
        }
    return salida


def leer(archivo: str) -> Doc:
    try:
        return dict(json.loads(Path(archivo).read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        return {"status": "error", "message": f"No se pudo leer {archivo}: {e}", "tests": []}


def main(argumentos: list[str]) -> int:
    if len(argumentos) >= 3 and argumentos[0] == "informe":
        from taller import informe, lecciones

        leccion = lecciones.buscar(argumentos[2])
        doc = leer(argumentos[1])
        doc.setdefault("tasks", [])
        doc.setdefault("max_score", 0)
        doc.setdefault("score", 0)
        print(informe.texto(doc, f"Lección {leccion.numero} · {leccion.titulo}", leccion.ejercicio))
        return 0
    if len(argumentos) >= 2 and argumentos[0] == "salidas":
        esperadas = []
        for argumento in argumentos[2:]:
            id_, _, puntos = argumento.partition("=")
            esperadas.append((id_, float(puntos) if "." in puntos else int(puntos)))
        for nombre, resultado in resultados_por_corredor(leer(argumentos[1]), esperadas).items():
            codificado = base64.b64encode(json.dumps(resultado, ensure_ascii=False).encode()).decode()
            print(f"{nombre}={codificado}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
