"""Las órdenes que muestran los textos se ejecutan de verdad e imprimen lo que dice el texto.

Un bloque ```console precedido de ``<!-- órdenes: app.py -->`` (la app de la lección, o
la ruta de otro archivo de la lección) se ejecuta entero, orden a orden y en una sola
sesión de bash, contra esa app servida en 127.0.0.1 con una base de datos vacía: cada
línea que empieza por ``$ `` es una orden y las siguientes, lo que debe imprimir.

Cómo se compara:
- una línea ``…`` vale por cualquier número de líneas (una salida resumida);
- con ``curl -i``, la línea de estado debe ser la misma, las cabeceras que muestra el
  texto deben estar (el texto enseña solo las que interesan; ``Allow`` se compara como
  conjunto) y el cuerpo debe coincidir.
"""

import re
import secrets
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from taller.cargador import cargar_fabrica

RAIZ = Path(__file__).resolve().parent.parent
MARCA = re.compile(r"<!-- órdenes: (?P<app>\S+) -->\s*\n```console\n(?P<bloque>.*?)\n```", re.S)
TEXTOS = sorted([*RAIZ.glob("lessons/*/README.md"), RAIZ / "README.es.md"])
SEPARADOR = "@@fin-de-la-orden@@"


def bloques():
    for texto in TEXTOS:
        for i, m in enumerate(MARCA.finditer(texto.read_text(encoding="utf-8"))):
            carpeta = texto.parent if texto.parent.name != RAIZ.name else RAIZ / "lessons" / "01_api_rest"
            yield pytest.param(carpeta / m["app"], m["bloque"], id=f"{texto.parent.name}-{i + 1}")


def ordenes_y_salidas(bloque):
    """[(orden, [líneas esperadas])] de un bloque de consola."""
    pares = []
    for linea in bloque.splitlines():
        if linea.startswith("$ "):
            pares.append((linea[2:], []))
        elif pares:
            pares[-1][1].append(linea)
    return [(orden, "\n".join(salida).strip("\n")) for orden, salida in pares]


def coincide_con_huecos(esperado, obtenido):
    """``esperado`` con líneas «…» que valen por cualquier número de líneas."""
    partes = [re.escape(p) for p in re.split(r"(?m)^…$", esperado)]
    return re.fullmatch("(?:.*\n)*?".join(partes) if len(partes) > 1 else partes[0], obtenido, re.S) is not None


def compara_http(esperado, obtenido):
    """La salida de ``curl -i``: estado igual, las cabeceras mostradas presentes, cuerpo igual."""
    cab_esp, _, cuerpo_esp = esperado.partition("\n\n")
    cab_obt, _, cuerpo_obt = obtenido.replace("\r\n", "\n").partition("\n\n")
    estado_esp, *lineas_esp = cab_esp.splitlines()
    estado_obt, *lineas_obt = cab_obt.splitlines()
    assert estado_obt == estado_esp
    obtenidas = {n.lower(): v for n, _, v in (linea.partition(": ") for linea in lineas_obt)}
    for linea in lineas_esp:
        nombre, _, valor = linea.partition(": ")
        actual = obtenidas.get(nombre.lower())
        if nombre.lower() == "allow":
            assert set((actual or "").split(", ")) == set(valor.split(", ")), linea
        else:
            assert actual == valor, f"{linea!r}: se obtuvo {actual!r}"
    assert coincide_con_huecos(cuerpo_esp.strip("\n"), cuerpo_obt.strip("\n"))


@pytest.fixture
def servidor(tmp_path, request):
    """Sirve en 127.0.0.1 la app de ``request.param`` con una base vacía; devuelve su puerto."""
    app = cargar_fabrica(request.param)(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'textos.sqlite'}",
            "SECRET_KEY": secrets.token_hex(32),
            "JWT_SECRET_KEY": secrets.token_hex(32),
            "BCRYPT_LOG_ROUNDS": 4,
        }
    )
    servidor = make_server("127.0.0.1", 0, app, threaded=True)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    yield servidor.server_port
    servidor.shutdown()


@pytest.mark.parametrize(("servidor", "bloque"), list(bloques()), indirect=["servidor"])
def test_cada_orden_imprime_lo_que_dice_el_texto(servidor, bloque):
    pares = ordenes_y_salidas(bloque)
    guion = "\n".join(
        f"{orden.replace('127.0.0.1:5000', f'127.0.0.1:{servidor}')}\necho\necho {SEPARADOR}" for orden, _ in pares
    )
    r = subprocess.run(["bash", "-c", guion], capture_output=True, text=True, timeout=60)
    salidas = [s.strip("\n") for s in r.stdout.split(SEPARADOR)[:-1]]
    assert len(salidas) == len(pares), r.stderr
    for (orden, esperado), obtenido in zip(pares, salidas):
        try:
            if " -i " in f" {orden} ":
                compara_http(esperado, obtenido)
            else:
                assert coincide_con_huecos(esperado, obtenido)
        except AssertionError as e:
            raise AssertionError(f"$ {orden}\nel texto dice:\n{esperado}\nse obtuvo:\n{obtenido}\n{e}") from None


def test_hay_bloques_que_comprobar():
    assert len(list(bloques())) >= 2, "los textos deben marcar sus bloques de órdenes con <!-- órdenes: … -->"


def test_la_guia_nombra_las_lecciones_como_taller_lecciones():
    """La tabla de README.es.md usa los mismos títulos que «taller lecciones» (los de cada README)."""
    from taller import lecciones

    tabla = dict(re.findall(r"^\| (\d\d) \| ([^|]+?) \|", (RAIZ / "README.es.md").read_text(encoding="utf-8"), re.M))
    for leccion in lecciones.todas(RAIZ):
        assert tabla.get(leccion.numero) == leccion.titulo, leccion.nombre
