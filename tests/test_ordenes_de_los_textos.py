"""Las órdenes que muestran los textos se ejecutan de verdad e imprimen lo que dice el texto.

Todo bloque ```console de un texto (README de cada lección, ENUNCIADO, README.es.md,
docs/) va precedido de una de estas dos marcas:

- ``<!-- órdenes: app.py -->`` (la app de la lección, o la ruta de otra app relativa al
  texto, como ``../../../solutions/02_login_jwt/api``): el bloque se ejecuta;
- ``<!-- órdenes sin ejecutar: motivo -->``: no se puede ejecutar (por ejemplo, muestra
  el código de la semilla, que no está en el repositorio) y sus cifras son las medidas;
  el motivo queda a la vista de quien mantiene el taller.

Cómo se ejecuta: los bloques marcados de un texto forman una sola sesión de bash, en
orden, como los haría quien lee (una variable de un bloque, ``TOKEN=…``, sirve en los
siguientes). La sesión corre en una terminal (pty) desde la raíz del repositorio, con el
``python`` y el ``flask`` del entorno, contra la app servida en 127.0.0.1 (el
``127.0.0.1:5000`` del texto se cambia por su puerto) con una base de datos vacía que
comparte con las órdenes ``flask`` de la sesión (``DATABASE_URL``) y el mismo
``JWT_SECRET_KEY``. Cada línea que empieza por ``$ `` es una orden (sigue en la línea
siguiente si acaba en ``\\``) y las siguientes, lo que debe imprimir. Con
``teclea="…"`` en la marca, la terminal escribe ese texto cada vez que una orden lo
pide sin eco (una contraseña).

Cómo se compara (la única normalización):
- una línea ``…`` vale por cualquier número de líneas (una salida resumida), y un ``…``
  dentro de una línea, por cualquier texto de esa línea (un token, un id aleatorio);
- los espacios al final de línea y las secuencias de escape (la negrita y los enlaces con
  que curl adorna las cabeceras) no cuentan: en una terminal no se ven;
- con ``curl -i``, la línea de estado debe ser la misma, las cabeceras que muestra el
  texto deben estar (el texto enseña solo las que interesan; ``Allow`` se compara como
  conjunto, y una que se repite, como ``Set-Cookie``, vale si coincide alguna) y el
  cuerpo debe coincidir.
"""

import fcntl
import os
import pty
import re
import secrets
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from taller.cargador import cargar_fabrica

RAIZ = Path(__file__).resolve().parent.parent
BLOQUE = re.compile(r"(?P<antes>[^\n]*)\n```console\n(?P<bloque>.*?)\n```", re.S)
MARCA = re.compile(r'<!-- órdenes: (?P<app>\S+)(?: teclea="(?P<teclea>[^"]*)")? -->')
SIN_EJECUTAR = re.compile(r"<!-- órdenes sin ejecutar: \S.* -->")
TEXTOS = sorted(
    [
        *RAIZ.glob("lessons/*/README.md"),
        *RAIZ.glob("lessons/*/ejercicio/ENUNCIADO.md"),
        RAIZ / "README.es.md",
        *RAIZ.glob("docs/*.md"),
    ]
)
SEPARADOR = "@@fin-de-la-orden@@"
ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)")  # negrita y enlaces de curl
AJUSTES_DE_LAS_DEMOS = (  # las variables de entorno que leen las demos (y FLASK_APP)
    *("ALMACEN_REVOCADOS", "MODO_ERRORES", "ORIGENES_PERMITIDOS", "REDIS_PREFIJO", "REDIS_URL"),
    *("REVOCAR_AL_CAMBIAR_ROL", "ROL_DESDE", "ROTAR_REFRESH_TOKENS", "VARIANTE_INSEGURA", "FLASK_APP"),
)
LIMITE = 60  # segundos por sesión


def bloques_de(texto):
    """[(línea de antes, bloque)] de cada bloque ```console de ``texto``."""
    return [(m["antes"], m["bloque"]) for m in BLOQUE.finditer(texto.read_text(encoding="utf-8"))]


def sesiones():
    """Una sesión por texto con bloques marcados: (app, lo que teclea, [bloques])."""
    for texto in TEXTOS:
        marcados = [(MARCA.fullmatch(antes.strip()), bloque) for antes, bloque in bloques_de(texto)]
        marcados = [(m, bloque) for m, bloque in marcados if m]
        if not marcados:
            continue
        carpeta = texto.parent if texto.parent != RAIZ else RAIZ / "lessons" / "01_api_rest"
        apps = {m["app"] for m, _ in marcados}
        assert len(apps) == 1, f"{texto}: los bloques de un texto se ejecutan contra una sola app, no {apps}"
        teclea = next((m["teclea"] for m, _ in marcados if m["teclea"]), None)
        nombre = texto.relative_to(RAIZ).with_suffix("").as_posix().replace("lessons/", "")
        yield pytest.param(carpeta / apps.pop(), teclea, [b for _, b in marcados], id=nombre)


def ordenes_y_salidas(bloque):
    """[(orden, salida esperada)] de un bloque de consola; una orden acabada en ``\\`` sigue abajo."""
    pares, sigue = [], False
    for linea in bloque.splitlines():
        if sigue:
            pares[-1] = (f"{pares[-1][0]}\n{linea}", [])
        elif linea.startswith("$ "):
            pares.append((linea[2:], []))
        elif pares:
            pares[-1][1].append(linea)
        sigue = bool(pares) and not pares[-1][1] and linea.endswith("\\")
    return [(orden, "\n".join(salida).strip("\n")) for orden, salida in pares]


def coincide_con_huecos(esperado, obtenido):
    """``esperado`` con «…»: en una línea sola, cualquier número de líneas; dentro de una línea, cualquier texto."""
    obtenido = re.sub(r"[ \t]+$", "", obtenido, flags=re.M)
    partes = [re.escape(p).replace("…", "[^\n]*?") for p in re.split(r"(?m)^…$", esperado)]
    return re.fullmatch("(?:.*\n)*?".join(partes), obtenido, re.S) is not None


def compara_http(esperado, obtenido):
    """La salida de ``curl -i``: estado igual, las cabeceras mostradas presentes, cuerpo igual.

    Una cabecera que se repite (``Set-Cookie``) vale si alguna de las obtenidas coincide.
    """
    cab_esp, _, cuerpo_esp = esperado.partition("\n\n")
    cab_obt, _, cuerpo_obt = obtenido.replace("\r\n", "\n").partition("\n\n")
    estado_esp, *lineas_esp = cab_esp.splitlines()
    estado_obt, *lineas_obt = cab_obt.splitlines()
    assert estado_obt.rstrip() == estado_esp
    obtenidas = [(n.lower(), v.rstrip()) for n, _, v in (linea.partition(": ") for linea in lineas_obt)]
    for linea in lineas_esp:
        nombre, _, valor = linea.partition(": ")
        valores = [v for n, v in obtenidas if n == nombre.lower()]
        if nombre.lower() == "allow":
            assert [set(v.split(", ")) for v in valores] == [set(valor.split(", "))], linea
        else:
            assert any(coincide_con_huecos(valor, v) for v in valores), f"{linea!r}: se obtuvo {valores!r}"
    assert coincide_con_huecos(cuerpo_esp.strip("\n"), cuerpo_obt.strip("\n"))


def pendiente(terminal):
    """Bytes tecleados en la terminal que ninguna orden ha leído todavía."""
    fd = os.open(terminal, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    finally:
        os.close(fd)


def en_una_terminal(guion, entorno, teclea=None):
    """Lo que se ve en una terminal nueva (pty) al ejecutar ``guion`` con bash.

    Se lee hasta que nadie tiene ya la terminal abierta (EIO), así no se pierde el final.
    Si ``teclea`` no es None, lo escribe (con Intro) cuando una orden pide algo sin eco
    (``getpass`` apaga el eco y vacía lo tecleado antes): solo entonces, y una vez por
    cada petición (entre una y otra la orden escribe algo, su siguiente pregunta).
    """
    maestro, esclavo = pty.openpty()
    terminal = os.ttyname(esclavo)
    proceso = subprocess.Popen(
        ["bash", "-c", guion],
        stdin=esclavo,
        stdout=esclavo,
        stderr=esclavo,
        env=entorno,
        cwd=RAIZ,
        start_new_session=True,
    )
    os.close(esclavo)
    salida, escrito = bytearray(), False
    final = time.monotonic() + LIMITE
    try:
        while time.monotonic() < final:
            if select.select([maestro], [], [], 0.05)[0]:
                try:
                    datos = os.read(maestro, 65536)
                except OSError:  # EIO: la sesión terminó y ya se leyó todo
                    break
                salida += datos
                escrito = False
            elif teclea is not None and not escrito and not termios.tcgetattr(maestro)[3] & termios.ECHO:
                if not pendiente(terminal):
                    os.write(maestro, f"{teclea}\n".encode())
                    escrito = True
        else:
            pytest.fail(f"la sesión no acabó en {LIMITE} s; se vio:\n{salida.decode(errors='replace')}")
    finally:
        if proceso.poll() is None:
            os.killpg(proceso.pid, signal.SIGKILL)  # la sesión y lo que arrancó (su propio grupo)
        proceso.wait()
        os.close(maestro)
    return ESCAPES.sub("", salida.decode()).replace("\r\n", "\n")


@pytest.fixture
def servidor(tmp_path, request, monkeypatch):
    """Sirve en 127.0.0.1 la app de ``request.param`` con una base vacía; devuelve (puerto, entorno).

    Como quien sigue el texto en una terminal nueva: sin las variables que cambian las demos.
    """
    for variable in AJUSTES_DE_LAS_DEMOS:
        monkeypatch.delenv(variable, raising=False)
    base = f"sqlite:///{tmp_path / 'textos.sqlite'}"
    clave = secrets.token_hex(32)
    app = cargar_fabrica(request.param)(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": base,
            "SECRET_KEY": secrets.token_hex(32),
            "JWT_SECRET_KEY": clave,
            "BCRYPT_LOG_ROUNDS": 4,
        }
    )
    servidor = make_server("127.0.0.1", 0, app, threaded=True)
    hilo = threading.Thread(target=servidor.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    hilo.start()
    entorno = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": base,
        "JWT_SECRET_KEY": clave,
        "TERM": "dumb",
    }
    yield servidor.server_port, entorno
    servidor.shutdown()


@pytest.mark.parametrize(("servidor", "teclea", "bloques"), list(sesiones()), indirect=["servidor"])
def test_cada_orden_imprime_lo_que_dice_el_texto(servidor, teclea, bloques):
    puerto, entorno = servidor
    pares = [par for bloque in bloques for par in ordenes_y_salidas(bloque)]
    guion = "\n".join(
        f"{orden.replace('127.0.0.1:5000', f'127.0.0.1:{puerto}')}\necho\necho {SEPARADOR}" for orden, _ in pares
    )
    visto = en_una_terminal(guion, entorno, teclea)
    salidas = [s.strip("\n") for s in visto.split(SEPARADOR)[:-1]]
    assert len(salidas) == len(pares), visto
    for (orden, esperado), obtenido in zip(pares, salidas):
        try:
            if " -i " in f" {orden} ":
                compara_http(esperado, obtenido)
            else:
                assert coincide_con_huecos(esperado, obtenido)
        except AssertionError as e:
            raise AssertionError(f"$ {orden}\nel texto dice:\n{esperado}\nse obtuvo:\n{obtenido}\n{e}") from None


def test_cada_bloque_de_consola_se_ejecuta_o_dice_por_que_no():
    sin_marca = [
        f"{texto.relative_to(RAIZ)}: {bloque.splitlines()[0]}"
        for texto in TEXTOS
        for antes, bloque in bloques_de(texto)
        if not (MARCA.fullmatch(antes.strip()) or SIN_EJECUTAR.fullmatch(antes.strip()))
    ]
    assert not sin_marca, (
        "Bloques ```console sin <!-- órdenes: app --> ni <!-- órdenes sin ejecutar: motivo -->:\n"
        + "\n".join(sin_marca)
    )


def test_hay_bloques_que_ejecutar():
    assert len(list(sesiones())) >= 3, "los textos deben marcar sus bloques de órdenes con <!-- órdenes: … -->"


def test_la_guia_nombra_las_lecciones_como_taller_lecciones():
    """La tabla de README.es.md usa los mismos títulos que «taller lecciones» (los de cada README)."""
    from taller import lecciones

    tabla = dict(re.findall(r"^\| (\d\d) \| ([^|]+?) \|", (RAIZ / "README.es.md").read_text(encoding="utf-8"), re.M))
    for leccion in lecciones.todas(RAIZ):
        assert tabla.get(leccion.numero) == leccion.titulo, leccion.nombre
