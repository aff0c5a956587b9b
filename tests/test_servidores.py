"""Un servidor de las comprobaciones al que llega la app del estudiante (``taller.servidores``).

En la jaula la app vive en su propia red: el recinto abre un socket que escucha en su
127.0.0.1, lo pasa por el puente y las comprobaciones sirven en él (y en el mismo puerto
de su propia red). Se prueba con la jaula y sin ella, y con un recinto que miente.
"""

import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import Flask

from taller import jaula, protocolo
from taller.puente import FabricaRemota, FalloDelRecinto, Puente
from taller.servidores import INTENTOS, escucha_local, escucha_validada, servir_al_recinto, servir_en

# Una app del «estudiante» que pide una URL desde dentro del recinto (como el cliente de Authlib).
OBJETIVO = """
import urllib.request
from flask import Flask, request


def create_app(config=None):
    app = Flask(__name__)

    @app.get("/pedir")
    def pedir():
        try:
            with urllib.request.urlopen(request.args["url"], timeout=3) as r:
                return r.read()
        except OSError as e:
            return f"sin conexión: {e}", 502

    return app
"""


def eco() -> Flask:
    app = Flask("eco")

    @app.get("/")
    def inicio():
        return "hola desde las comprobaciones"

    return app


def puente_de(fabrica: jaula.Fabrica, carpeta: Path) -> Puente:
    (carpeta / "app.py").write_text(OBJETIVO, encoding="utf-8")
    sesion = fabrica.sesion(carpeta, servicios=[])
    return Puente(sesion.conexion, sesion.info, "app", Path(sesion.info["objetivo"]) / "app.py")


@pytest.fixture(scope="module", params=["jaula", "sin_jaula"])
def fabrica(request):
    """Una fábrica de recintos con jaula (root en Linux; si no la hay, falla) y otra sin ella."""
    if request.param == "jaula":
        if not jaula.jaula_disponible():
            pytest.fail("Esta prueba necesita la jaula (root en Linux); en CI corre como root y no se salta.")
        creada = jaula.Fabrica()
    else:
        antes, jaula._jaula_disponible = jaula.jaula_disponible(), False
        try:
            creada = jaula.Fabrica()
        finally:
            jaula._jaula_disponible = antes
    assert creada.jaula == (request.param == "jaula")
    yield creada
    creada.cerrar()


def test_la_app_del_recinto_y_las_comprobaciones_alcanzan_el_mismo_servidor(fabrica, tmp_path):
    puente = puente_de(fabrica, tmp_path)
    try:
        app = FabricaRemota(puente)({"TESTING": True})
        with servir_al_recinto(puente, eco()) as url:
            assert url.startswith("http://127.0.0.1:")
            assert requests.get(url, timeout=3).text == "hola desde las comprobaciones"
            cliente = app.test_client()
            r, _ = cliente.open(f"/pedir?url={url}/")
            assert (r.status_code, r.get_data(as_text=True)) == (200, "hola desde las comprobaciones")
        r, _ = cliente.open(f"/pedir?url={url}/")  # al salir se deja de servir
        assert r.status_code == 502
    finally:
        puente.matar()


def test_en_la_jaula_la_app_no_alcanza_otro_servidor_de_este_lado(fabrica, tmp_path):
    """Solo el puerto que abrió el recinto: otro servidor de las comprobaciones no es alcanzable en la jaula.

    Sin jaula (el portátil del estudiante) hay una sola red y sí lo alcanza: ahí no se promete aislamiento.
    """
    puente = puente_de(fabrica, tmp_path)
    try:
        app = FabricaRemota(puente)({"TESTING": True})
        with escucha_local() as escucha, servir_en(escucha, eco()):
            r, _ = app.test_client().open(f"/pedir?url=http://127.0.0.1:{escucha.getsockname()[1]}/")
            assert r.status_code == (502 if fabrica.jaula else 200), r.get_data(as_text=True)
    finally:
        puente.matar()


# ── Un recinto que miente ────────────────────────────────────────────────────


def recinto_falso(responder):
    """Un Puente cuyo «recinto» es un hilo que contesta a «escuchar» con ``responder(conexion)``."""
    fuera, dentro = socket.socketpair()
    puente = Puente(None, {"jaula": True}, "app", Path("app.py"))
    puente.conexion = fuera
    puente.limite = 1.0

    def atender():
        try:
            while True:
                protocolo.recibir(dentro, time.monotonic() + 5)
                responder(dentro)
        except (OSError, protocolo.ErrorDelRecinto):
            pass

    threading.Thread(target=atender, daemon=True).start()
    return puente, dentro


def enviar_socket(crear):
    def responder(conexion):
        with crear() as s:
            protocolo.enviar(conexion, {"puerto": 1}, (s.fileno(),))

    return responder


def tcp_en(host, escuchar=True):
    def crear():
        s = socket.socket()
        s.bind((host, 0))
        if escuchar:
            s.listen(1)
        return s

    return crear


MENTIRAS = {
    "udp": enviar_socket(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
    "unix": enviar_socket(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)),
    "sin_escuchar": enviar_socket(tcp_en("127.0.0.1", escuchar=False)),
    "otra_direccion": enviar_socket(tcp_en("0.0.0.0")),
    "un_archivo": enviar_socket(lambda: open(__file__, "rb")),
    "sin_socket": lambda c: protocolo.enviar(c, {"puerto": 1}),
    "no_contesta": lambda c: time.sleep(3),
}


@pytest.mark.parametrize("mentira", MENTIRAS)
def test_un_recinto_que_no_envia_un_socket_que_escucha_en_127_0_0_1_es_un_fallo_claro(mentira):
    puente, dentro = recinto_falso(MENTIRAS[mentira])
    inicio = time.monotonic()
    with dentro, pytest.raises(FalloDelRecinto) as fallo:
        with servir_al_recinto(puente, eco()):
            pass
    assert time.monotonic() - inicio < 2.5
    mensaje = str(fallo.value)
    assert "no terminó en 1 s" in mensaje if mentira == "no_contesta" else "socket" in mensaje, mensaje
    assert puente.conexion is None  # el recinto mentiroso se descarta


def test_si_el_puerto_del_recinto_nunca_esta_libre_a_este_lado_es_un_fallo_claro():
    """Un «recinto» que dice estar en la jaula pero comparte la red: su puerto siempre está ocupado aquí."""
    abiertos = []

    def responder(conexion):
        abiertos.append(tcp_en("127.0.0.1")())
        protocolo.enviar(conexion, {"puerto": 1}, (abiertos[-1].fileno(),))

    puente, dentro = recinto_falso(responder)
    with dentro, pytest.raises(FalloDelRecinto, match="Ningún puerto"):
        with servir_al_recinto(puente, eco()):
            pass
    assert len(abiertos) == INTENTOS
    for s in abiertos:
        s.close()


def test_escucha_validada_acepta_un_socket_que_escucha_en_127_0_0_1():
    s = tcp_en("127.0.0.1")()
    validado = escucha_validada(s.detach())
    with validado:
        assert validado.getsockname()[0] == "127.0.0.1"
