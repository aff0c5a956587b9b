"""El código vive una sola vez: los README incluyen fragmentos de sus archivos.

Un bloque generado en un README tiene esta forma::

    <!-- código: app.py función=crear_item -->
    ```python
    ...copia generada a partir de app.py...
    ```
    <!-- fin del código -->

Opciones del marcador (la ruta es relativa a la carpeta del README):

- sin opciones: el archivo entero;
- ``función=NOMBRE`` o ``clase=NOMBRE``: esa función o clase, con sus
  decoradores y sin la sangría que tenga; vale un nombre anidado
  (``crear_item``) o una ruta con puntos (``create_app.crear_item``);
- ``desde="texto" hasta="texto"``: de la primera línea que contiene ``desde``
  a la primera, a partir de ella, que contiene ``hasta`` (ambas incluidas).

``sincronizar`` reescribe los bloques; ``desactualizados`` dice cuáles no
coinciden con los archivos.
"""

import ast
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

INICIO = re.compile(r"^<!--\s*código:\s*(?P<marcador>.+?)\s*-->[ \t]*$", re.MULTILINE)
FIN = re.compile(r"^<!--\s*fin del código\s*-->[ \t]*$", re.MULTILINE)

LENGUAJES = {".py": "python", ".sh": "bash", ".json": "json", ".toml": "toml", ".html": "html", ".ini": "ini"}


class ErrorDeFragmento(Exception):
    """Un marcador que no se puede resolver: archivo, nombre o texto que no existe, o un bloque sin cerrar."""


@dataclass(frozen=True)
class Marcador:
    """Lo que pide un marcador ``<!-- código: … -->``."""

    texto: str
    archivo: str
    funcion: str | None = None
    clase: str | None = None
    desde: str | None = None
    hasta: str | None = None


def leer_marcador(texto):
    """Interpreta el texto de un marcador: ``app.py función=crear_item``."""
    try:
        partes = shlex.split(texto)
    except ValueError as e:
        raise ErrorDeFragmento(f"Marcador mal escrito «{texto}»: {e}.") from None
    if not partes:
        raise ErrorDeFragmento("Marcador «<!-- código: -->» sin archivo.")
    archivo, opciones = partes[0], {}
    for parte in partes[1:]:
        clave, igual, valor = parte.partition("=")
        clave = {"funcion": "función"}.get(clave, clave)
        if not igual or clave not in ("función", "clase", "desde", "hasta"):
            raise ErrorDeFragmento(
                f"Opción desconocida «{parte}» en el marcador «{texto}». "
                'Se admiten: función=NOMBRE, clase=NOMBRE, desde="texto" hasta="texto".'
            )
        opciones[clave] = valor
    if ("desde" in opciones) != ("hasta" in opciones):
        raise ErrorDeFragmento(f"El marcador «{texto}» necesita «desde» y «hasta» a la vez.")
    if sum(k in opciones for k in ("función", "clase", "desde")) > 1:
        raise ErrorDeFragmento(f"El marcador «{texto}» mezcla opciones: usa solo una de función, clase o desde/hasta.")
    return Marcador(
        texto, archivo, opciones.get("función"), opciones.get("clase"), opciones.get("desde"), opciones.get("hasta")
    )


def _buscar_definicion(arbol, nombre, tipos, descripcion, ruta):
    """El nodo de la función o clase ``nombre`` (con puntos para anidar)."""
    if "." in nombre:
        nodos = [arbol]
        for parte in nombre.split("."):
            hijos = [
                n
                for padre in nodos
                for n in ast.iter_child_nodes(padre)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == parte
            ]
            if not hijos:
                raise ErrorDeFragmento(f"No encuentro {descripcion} «{nombre}» en {ruta} (falla en «{parte}»).")
            nodos = hijos
        candidatos = [n for n in nodos if isinstance(n, tipos)]
    else:
        candidatos = [n for n in ast.walk(arbol) if isinstance(n, tipos) and n.name == nombre]
    if not candidatos:
        raise ErrorDeFragmento(f"No encuentro {descripcion} «{nombre}» en {ruta}.")
    if len(candidatos) > 1:
        raise ErrorDeFragmento(
            f"Hay {len(candidatos)} definiciones de «{nombre}» en {ruta}: "
            "indica cuál con puntos, por ejemplo create_app.{nombre}."
        )
    return candidatos[0]


def extraer(marcador, carpeta):
    """El texto que pide ``marcador`` (un ``Marcador`` o su texto), leído relativo a ``carpeta``."""
    if isinstance(marcador, str):
        marcador = leer_marcador(marcador)
    ruta = Path(carpeta) / marcador.archivo
    if not ruta.is_file():
        raise ErrorDeFragmento(f"El marcador «{marcador.texto}» apunta a un archivo que no existe: {ruta}.")
    fuente = ruta.read_text(encoding="utf-8")
    lineas = fuente.splitlines()

    if marcador.funcion or marcador.clase:
        try:
            arbol = ast.parse(fuente, filename=str(ruta))
        except SyntaxError as e:
            raise ErrorDeFragmento(f"No puedo analizar {ruta}: error de sintaxis en la línea {e.lineno}.") from None
        if marcador.funcion:
            nodo = _buscar_definicion(
                arbol, marcador.funcion, (ast.FunctionDef, ast.AsyncFunctionDef), "la función", ruta
            )
        else:
            nodo = _buscar_definicion(arbol, marcador.clase, ast.ClassDef, "la clase", ruta)
        primera = min([nodo.lineno, *(d.lineno for d in nodo.decorator_list)])
        trozo = lineas[primera - 1 : nodo.end_lineno]
    elif marcador.desde is not None:
        inicio = next((i for i, linea in enumerate(lineas) if marcador.desde in linea), None)
        if inicio is None:
            raise ErrorDeFragmento(f"No encuentro el texto desde=«{marcador.desde}» en {ruta}.")
        fin = next((i for i in range(inicio, len(lineas)) if marcador.hasta in lineas[i]), None)
        if fin is None:
            raise ErrorDeFragmento(
                f"No encuentro el texto hasta=«{marcador.hasta}» en {ruta} después de «{marcador.desde}»."
            )
        trozo = lineas[inicio : fin + 1]
    else:
        trozo = lineas
    return textwrap.dedent("\n".join(trozo)).strip("\n") + "\n"


def bloque(marcador, carpeta):
    """El bloque de código Markdown (con su cerca) que corresponde a ``marcador``."""
    if isinstance(marcador, str):
        marcador = leer_marcador(marcador)
    codigo = extraer(marcador, carpeta)
    lenguaje = LENGUAJES.get(Path(marcador.archivo).suffix, "text")
    cerca = "```"
    while cerca in codigo:
        cerca += "`"
    return f"{cerca}{lenguaje}\n{codigo}{cerca}\n"


def _bloques(texto):
    """Cada bloque marcado: ``(marcador, inicio_del_contenido, fin_del_contenido)``."""
    posicion = 0
    while (inicio := INICIO.search(texto, posicion)) is not None:
        fin = FIN.search(texto, inicio.end())
        otro = INICIO.search(texto, inicio.end())
        if fin is None or (otro is not None and otro.start() < fin.start()):
            linea = texto.count("\n", 0, inicio.start()) + 1
            raise ErrorDeFragmento(
                f"El marcador «{inicio.group(0)}» (línea {linea}) no tiene su «<!-- fin del código -->»."
            )
        yield inicio.group("marcador"), inicio.end() + 1, fin.start()
        posicion = fin.end()


def regenerar(texto, carpeta):
    """``texto`` con cada bloque marcado regenerado a partir de los archivos de ``carpeta``."""
    partes, anterior = [], 0
    for marcador, desde, hasta in _bloques(texto):
        partes += [texto[anterior:desde], bloque(marcador, carpeta)]
        anterior = hasta
    partes.append(texto[anterior:])
    return "".join(partes)


def desactualizados(ruta_readme):
    """Los marcadores de ``ruta_readme`` cuyo bloque no coincide con el archivo (lista vacía si todo está al día)."""
    ruta = Path(ruta_readme)
    texto = ruta.read_text(encoding="utf-8")
    return [
        marcador for marcador, desde, hasta in _bloques(texto) if texto[desde:hasta] != bloque(marcador, ruta.parent)
    ]


def sincronizar(ruta_readme):
    """Reescribe los bloques generados de ``ruta_readme``. Devuelve si ha cambiado algo."""
    ruta = Path(ruta_readme)
    texto = ruta.read_text(encoding="utf-8")
    nuevo = regenerar(texto, ruta.parent)
    if nuevo == texto:
        return False
    ruta.write_text(nuevo, encoding="utf-8")
    return True


def main(argv=None):
    """``python -m taller.fragmentos [--comprobar] README...``: sincroniza (o solo comprueba) los README."""
    import sys

    argumentos = list(sys.argv[1:] if argv is None else argv)
    comprobar = "--comprobar" in argumentos
    rutas = [a for a in argumentos if a != "--comprobar"]
    codigo = 0
    for ruta in rutas:
        try:
            if comprobar:
                for marcador in desactualizados(ruta):
                    print(f"{ruta}: bloque desactualizado «{marcador}»")
                    codigo = 1
            elif sincronizar(ruta):
                print(f"{ruta}: bloques actualizados")
        except ErrorDeFragmento as e:
            print(f"{ruta}: {e}", file=sys.stderr)
            codigo = 2
    return codigo


if __name__ == "__main__":
    raise SystemExit(main())
