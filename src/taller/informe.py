"""El informe en texto de un documento de resultados: lo que lee el estudiante."""

import textwrap

from taller import retro

SIMBOLOS = {"pass": "✔", "fail": "✘", "error": "✘", "skip": "–"}
LINEAS_DE_SALIDA = 8


def sangrar(texto, prefijo="      "):
    return textwrap.indent(texto.rstrip(), prefijo)


def puntos(obtenidos, posibles):
    return f"{obtenidos}/{posibles}"


def linea_de_prueba(prueba, dependientes=0):
    simbolo = SIMBOLOS.get(prueba["status"], "?")
    lineas = [f"  {simbolo} {prueba['name']}  [{puntos(prueba['score'], prueba['max_score'])}]"]
    if prueba["status"] != "pass" and prueba["message"]:
        lineas.append(sangrar(prueba["message"]))
    if dependientes:
        lineas.append(sangrar(retro.cuantas(dependientes)))
    if prueba["status"] != "pass" and prueba.get("output"):
        salida = prueba["output"].rstrip().splitlines()
        if len(salida) > LINEAS_DE_SALIDA:  # el final es donde suele estar el error
            salida = salida[:2] + ["…"] + salida[-(LINEAS_DE_SALIDA - 2) :]
        recortada = salida
        lineas.append("      Salida de tu programa:")
        lineas.append(sangrar("\n".join(recortada), "        │ "))
    return "\n".join(lineas)


def texto(documento, titulo, objetivo):
    """El informe completo, con una sección por tarea y el total."""
    partes = [f"{titulo}", f"Objetivo: {objetivo}", ""]
    if documento["status"] == "error" and not documento["tests"]:
        partes.append(f"✘ {documento['message']}")
        return "\n".join(partes)
    pruebas = documento["tests"]
    grupos = retro.plegadas(pruebas)  # las que no se ejecutaron por otra van en la línea de esa otra
    nombres = {p["name"] for p in pruebas}
    plegadas = {id(d) for causa, ds in grupos.items() if causa in nombres for d in ds}

    def lineas_de(propias):
        return [linea_de_prueba(p, len(grupos.get(p["name"], []))) for p in propias if id(p) not in plegadas]

    sin_tarea = [p for p in pruebas if p["task_id"] is None]
    if sin_tarea:
        partes.append("Estructura")
        partes.extend(lineas_de(sin_tarea))
        partes.append("")
    for tarea in documento["tasks"]:
        partes.append(
            f"Tarea {tarea['task_id']} · {tarea['name']}  ({puntos(tarea['score'], tarea['max_score'])} puntos)"
        )
        partes.extend(lineas_de([p for p in pruebas if p["task_id"] == tarea["task_id"]]))
        partes.append("")
    pasan = sum(p["status"] == "pass" for p in pruebas)
    partes.append(
        f"Total: {puntos(documento['score'], documento['max_score'])} puntos · "
        f"pasan {pasan} de {len(pruebas)} comprobaciones."
    )
    ocultas = documento.get("hidden_not_run", 0)
    if documento["status"] == "pass" and ocultas:
        partes.append(
            f"Todas las comprobaciones públicas pasan. Al calificar se usarán además {ocultas} "
            f"{'comprobación oculta' if ocultas == 1 else 'comprobaciones ocultas'}."
        )
    elif documento["status"] == "pass":
        partes.append("¡Todo correcto!")
    elif documento["status"] == "error":
        partes.append("No se pudo cargar tu app: arregla primero la comprobación de estructura.")
    else:
        primera = next((p for p in pruebas if p["status"] in ("fail", "error")), None)
        if primera:
            partes.append(f"Sigue por la primera que falla: «{primera['name']}»")
    return "\n".join(partes)
