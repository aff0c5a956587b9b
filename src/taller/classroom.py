"""El flujo de GitHub Classroom que califica una lección en cada push.

Ejecuta ``taller comprobar NN --formato json``, cuyo documento ya tiene la forma que lee
``classroom-resources/autograding-grading-reporter`` (``max_score`` y un ``score`` por
comprobación), y se lo pasa en base64, como hacen los calificadores oficiales.
"""

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
        id: {corredor}
        run: |
          taller comprobar {numero} --formato json > resultados.json || true
          echo "result=$(base64 -w0 resultados.json)" >> "$GITHUB_OUTPUT"
      - name: Informar de la nota
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {variable}: ${{{{ steps.{corredor}.outputs.result }}}}
        with:
          runners: {corredor}
"""


def flujo(leccion):
    """El YAML del flujo para ``leccion``."""
    corredor = f"leccion{leccion.numero}"
    return PLANTILLA.format(numero=leccion.numero, titulo=leccion.titulo, corredor=corredor,
                            variable=f"{corredor.upper()}_RESULTS")
