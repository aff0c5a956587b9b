"""Moodle de ida y vuelta: de «Descargar todas las entregas» a la hoja de calificación y el .zip de retroalimentación.

Lo que Moodle produce y lo que importa, tal como lo hace su código (moodle/moodle, ``mod/assign``):

- La descarga: una carpeta por estudiante ``Nombre Apellido_ID_assignsubmission_file_`` (o
  ``…_onlinetext_``), con ``ID`` el identificador de participante (``locallib.php``,
  ``download_submissions``: ``fullname . '_' . get_uniqueid_for_user($userid)``, luego el plugin).
- La hoja de calificación sin conexión («Descargar hoja de calificación», ``gradingtable.php``) y su
  importación (``feedback/offline/importgradeslib.php``): busca las columnas por su nombre en el idioma
  del profesor: ``get_string('recordid', 'assign')`` («Identifier» / «Identificador»), cuyo valor es
  ``get_string('hiddenuser', 'assign')`` más el ID («Participant 123» / «Participante 123»),
  ``get_string('grade')`` («Grade» / «Calificación»), ``get_string('lastmodifiedgrade', 'assign')``
  («Last modified (grade)» / «Última modificación (calificación)») y, para el comentario,
  ``get_string('pluginname', 'assignfeedback_comments')`` («Feedback comments» / «Comentarios de
  retroalimentación»). Las tres primeras son obligatorias. El CSV se lee como UTF-8 y, por defecto,
  separado por comas. Una nota mayor que la «Maximum grade» de la tarea se descarta sin aviso.
- El .zip de archivos de retroalimentación (``feedback/file/importziplib.php``): cada archivo dentro
  de una carpeta ``Nombre_ID_assignfeedback_file_`` (se parte por «_»: el segundo trozo es el ID y
  el tercero y cuarto, el plugin).
"""

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from taller import retro

CARPETA = re.compile(r"^(?P<nombre>.*)_(?P<id>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_?$")

# Columnas de la hoja de Moodle, en inglés (por defecto) y en español (el paquete de idioma «es»).
IDENTIFICADOR = ("Identifier", "Identificador")
NOMBRE = ("Full name", "Nombre completo")
NOTA = ("Grade", "Calificación")
NOTA_MAXIMA = ("Maximum grade", "Calificación máxima")
MODIFICADA = ("Last modified (grade)", "Última modificación (calificación)")
COMENTARIOS = ("Feedback comments", "Comentarios de retroalimentación")
PARTICIPANTE = "Participant "  # get_string('hiddenuser', 'assign') en inglés (con su espacio final)
CABECERA_PROPIA = [
    "Identifier",
    "Full name",
    "Status",
    "Grade",
    "Maximum grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
]
Doc = dict[str, Any]


def participante(nombre_de_carpeta: str) -> tuple[str, str, str] | None:
    """(nombre, ID de participante, plugin) de una carpeta de la descarga de Moodle, o None."""
    encontrado = CARPETA.match(nombre_de_carpeta)
    return (encontrado["nombre"], encontrado["id"], encontrado["plugin"]) if encontrado else None


def columna(cabecera: list[str], nombres: tuple[str, ...]) -> int | None:
    for i, texto in enumerate(cabecera):
        if texto.strip() in nombres:
            return i
    if nombres is COMENTARIOS:  # otros paquetes de idioma: «Comentarios…», «Commentaires…»
        prefijos = ("comment", "coment")
        return next((i for i, texto in enumerate(cabecera) if texto.strip().lower().startswith(prefijos)), None)
    return None


def leer_hoja(archivo: Path) -> tuple[list[str], list[list[str]]]:
    """La cabecera y las filas de una hoja de calificación descargada de Moodle."""
    with open(archivo, encoding="utf-8-sig", newline="") as f:
        filas = list(csv.reader(f))
    if not filas:
        raise ValueError(f"{archivo} está vacío")
    cabecera = filas[0]
    for nombres in (IDENTIFICADOR, NOTA, MODIFICADA):
        if columna(cabecera, nombres) is None:
            raise ValueError(
                f"{archivo} no parece una hoja de calificación de Moodle: falta la columna «{nombres[0]}»"
                f" (o «{nombres[1]}»)"
            )
    return cabecera, filas[1:]


def id_de_fila(valor: str) -> str | None:
    encontrado = re.search(r"(\d+)\s*$", valor or "")
    return encontrado.group(1) if encontrado else None


def nota_moodle(doc: Doc, maxima: float) -> str:
    """La nota en la escala de la tarea de Moodle (su «Maximum grade»), con dos decimales como mucho."""
    valor = round(retro.porcentaje(doc) * maxima / 100, 2)
    return f"{valor:g}"


def comentario(doc: Doc) -> str:
    """El comentario de retroalimentación (HTML, como lo guarda el editor de Moodle): el resumen."""
    return retro.a_html("\n".join(retro.resumen_md(doc))).strip()


def numero(texto: str) -> float | None:
    try:
        return float(texto.replace(",", "."))
    except ValueError:
        return None


def hoja(
    resultados: dict[str, Doc], ids: dict[str, tuple[str, str]], plantilla: Path | None = None, maxima: float = 100
) -> tuple[str, list[str]]:
    """El CSV que importa Moodle y los avisos (estudiantes que no están en la hoja, por ejemplo).

    ``ids``: estudiante → (nombre completo, ID de participante). Con ``plantilla`` (la hoja que
    descargó el profesor) se conservan sus columnas, su idioma y sus fechas, y se rellenan la nota
    y el comentario; sin ella se escribe una hoja con las columnas de Moodle en inglés.
    """
    por_id = {
        pid: (estudiante, resultados[estudiante]) for estudiante, (_, pid) in ids.items() if estudiante in resultados
    }
    avisos = [
        f"«{e}» no viene de una carpeta de Moodle (Nombre_ID_assignsubmission_file_): no va en la hoja."
        for e in sorted(resultados)
        if e not in ids
    ]
    salida = io.StringIO()
    escritor = csv.writer(salida)
    if plantilla is None:
        escritor.writerow(CABECERA_PROPIA)
        for pid, (estudiante, doc) in sorted(por_id.items(), key=lambda x: int(x[0])):
            escritor.writerow(
                [
                    f"{PARTICIPANTE}{pid}",
                    ids[estudiante][0],
                    "",
                    nota_moodle(doc, maxima),
                    f"{maxima:g}",
                    "Yes",
                    "",
                    "",
                    comentario(doc),
                ]
            )
        return salida.getvalue(), avisos
    cabecera, filas = leer_hoja(plantilla)
    i_id, i_nota = columna(cabecera, IDENTIFICADOR), columna(cabecera, NOTA)
    i_max, i_com = columna(cabecera, NOTA_MAXIMA), columna(cabecera, COMENTARIOS)
    if i_com is None:
        avisos.append(
            "La hoja no tiene columna «Feedback comments»: activa «Comentarios de retroalimentación» en la "
            "tarea si quieres el resumen como comentario (los archivos van en el .zip igualmente)."
        )
    escritor.writerow(cabecera)
    vistos = set()
    for original in filas:
        fila = original + [""] * (len(cabecera) - len(original))
        fila_id = id_de_fila(fila[i_id]) if i_id is not None else None
        if fila_id in por_id:
            vistos.add(fila_id)
            estudiante, doc = por_id[fila_id]
            tope = numero(fila[i_max]) if i_max is not None else None
            if i_nota is not None:
                fila[i_nota] = nota_moodle(doc, tope or maxima)
            if i_com is not None:
                fila[i_com] = comentario(doc)
        escritor.writerow(fila)
    avisos += [
        f"«{por_id[pid][0]}» (participante {pid}) no está en la hoja de Moodle: no se importará su nota."
        for pid in sorted(set(por_id) - vistos)
    ]
    return salida.getvalue(), avisos


def zip_de_retroalimentacion(destino: Path, paginas: dict[str, str], ids: dict[str, tuple[str, str]]) -> int:
    """El .zip para «Subir varios archivos de retroalimentación en un zip». Devuelve cuántos archivos lleva."""
    cuantos = 0
    with zipfile.ZipFile(destino, "w", zipfile.ZIP_DEFLATED) as paquete:
        for estudiante, pagina in sorted(paginas.items()):
            if estudiante not in ids:
                continue
            nombre, pid = ids[estudiante]
            nombre = re.sub(r"[_/\\\x00-\x1f]", " ", nombre).strip() or "Participante"
            paquete.writestr(f"{nombre}_{pid}_assignfeedback_file_/retroalimentacion.html", pagina)
            cuantos += 1
    return cuantos
