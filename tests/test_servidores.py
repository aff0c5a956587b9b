"""Un servidor de las comprobaciones al que llega la app del estudiante (``taller.servidores``).

En la jaula la app vive en su propia red: las comprobaciones abren un socket que escucha en
127.0.0.1 de esa red (el recinto no recibe copia) y sirven en él y en el mismo puerto de su
propia red. Se prueba con la jaula y sin ella, y con una app que ataca al servidor.
"""

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import Flask

from taller import jaula, protocolo
from taller.puente import FabricaRemota, FalloDelRecinto, Puente
from taller.servidores import (
    INTENTOS,
    MAX_BYTES_DE_LA_APP,
    MAX_CONEXIONES,
    escucha_local,
    servir_al_recinto,
    servir_en,
)

# Una app del «estudiante» que pide una URL desde dentro del recinto (como el cliente de Authlib).
OBJETIVO = """
import os
import socket
import urllib.request
from flask import Flask, request
from taller import protocolo

ABIERTAS = []
COPIAS = []  # una copia de cada descriptor que este recinto envía a las comprobaciones
_enviar = protocolo.enviar


def enviar_y_copiar(conexion, mensaje, fds=()):
    COPIAS.extend(socket.socket(fileno=os.dup(fd)) for fd in fds)
    return _enviar(conexion, mensaje, fds)


protocolo.enviar = enviar_y_copiar


def create_app(config=None):
    app = Flask(__name__)

    @app.get("/pedir")
    def pedir():
        try:
            with urllib.request.urlopen(request.args["url"], timeout=3) as r:
                return r.read()
        except OSError as e:
            return f"sin conexión: {e}", 502

    @app.get("/a-medias")
    def a_medias():  # slowloris: conexiones con la petición a medio enviar, que no se cierran
        for _ in range(int(request.args["n"])):
            try:
                conexion = socket.create_connection(("127.0.0.1", int(request.args["puerto"])), timeout=2)
                conexion.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n")
                ABIERTAS.append(conexion)
            except OSError:
                pass
        return str(len(ABIERTAS))

    @app.get("/cortar")
    def cortar():  # shutdown de los sockets que escuchan y que se quedó: el hilo que acepta daba vueltas sin fin
        cortados = 0
        for copia in COPIAS:
            try:
                if copia.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                    copia.shutdown(socket.SHUT_RD)
                    cortados += 1
            except OSError:
                pass
        return str(cortados)

    @app.get("/ajenos")
    def ajenos():  # los sockets TCP del recinto que no son de su red: no están en su /proc/net/tcp
        propios = {l.split()[9] for n in ("tcp", "tcp6") for l in open(f"/proc/net/{n}").readlines()[1:]}
        encontrados = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                destino = os.readlink(f"/proc/self/fd/{fd}")
                copia = socket.socket(fileno=os.dup(int(fd)))
            except (OSError, ValueError):
                continue
            with copia:
                if copia.family in (socket.AF_INET, socket.AF_INET6) and destino[8:-1] not in propios:
                    encontrados.append(copia.getsockname()[1])
        return str(encontrados)

    @app.get("/sin-fin")
    def sin_fin():  # una respuesta que no acaba nunca (1 GB/s): quien la lea entera se queda sin memoria
        bloque = b"x" * 2**20
        return app.response_class(iter(lambda: bloque, None), mimetype="application/json")

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


def test_conexiones_a_medias_desde_el_recinto_no_agotan_los_hilos_ni_sobreviven(fabrica, tmp_path):
    """Cientos de conexiones con la petición a medio enviar: como mucho MAX_CONEXIONES hilos, y al parar, ninguno.

    Antes, cada una era un hilo de este proceso que seguía vivo de una comprobación a otra.
    """
    puente = puente_de(fabrica, tmp_path)
    try:
        cliente = FabricaRemota(puente)({"TESTING": True}).test_client()
        antes = threading.active_count()
        with servir_al_recinto(puente, eco()) as url:
            r, _ = cliente.open(f"/a-medias?puerto={url.rsplit(':', 1)[1]}&n={MAX_CONEXIONES + 40}")
            assert r.status_code == 200 and int(r.get_data(as_text=True)) > MAX_CONEXIONES
            assert threading.active_count() - antes <= MAX_CONEXIONES + 2  # + los hilos que aceptan
            if fabrica.jaula:  # las comprobaciones tienen su propia escucha: la app no la agota
                assert requests.get(url, timeout=3).text == "hola desde las comprobaciones"
        assert threading.active_count() == antes
    finally:
        puente.matar()


def test_el_recinto_no_tiene_el_socket_en_que_sirven_las_comprobaciones(fabrica, tmp_path):
    """El socket que escucha en la red del recinto lo crean las comprobaciones: el recinto no tiene copia.

    Antes lo abría el recinto y lo enviaba: guardando una copia, lo cortaba (el hilo que acepta giraba
    sin fin en este proceso), le robaba conexiones o lo dejaba bloqueado en accept().
    """
    puente = puente_de(fabrica, tmp_path)
    try:
        cliente = FabricaRemota(puente)({"TESTING": True}).test_client()
        with servir_al_recinto(puente, eco()) as url:
            r, _ = cliente.open("/cortar")
            cortados = int(r.get_data(as_text=True))
            cpu = time.process_time()
            time.sleep(0.5)
            gastado = time.process_time() - cpu
            r, _ = cliente.open(f"/pedir?url={url}/")
        assert cortados == 0, "el recinto tenía una copia del socket que escucha"
        assert gastado < 0.1, f"{gastado:.2f} s de CPU en medio segundo sin peticiones"
        assert r.status_code == 200, r.get_data(as_text=True)
    finally:
        puente.matar()


def test_el_recinto_no_tiene_ningun_socket_de_la_red_de_las_comprobaciones(fabrica, tmp_path):
    """``app.servir()``: el recinto sirve en una escucha de su red y las comprobaciones llegan por un reenvío.

    Antes recibía la escucha de la red de las comprobaciones: con ella, en un núcleo que deje conectar un
    socket que ya escuchó (shutdown y connect), la app saldría de su red hacia PostgreSQL o Redis.
    """
    puente = puente_de(fabrica, tmp_path)
    try:
        app = FabricaRemota(puente)({"TESTING": True})
        url = app.servir()
        r = requests.get(f"{url}/pedir?url=http://127.0.0.1:9/", timeout=5)  # la app contesta por la URL
        assert r.status_code == 502 and "sin conexión" in r.text, r.text
        r, _ = app.test_client().open("/ajenos")
        assert r.get_data(as_text=True) == "[]", "sockets de la red de las comprobaciones en el recinto"
        puente.parar_servidos()
        if fabrica.jaula:  # al acabar la comprobación el reenvío se cierra
            with pytest.raises(requests.ConnectionError):
                requests.get(url, timeout=2)
    finally:
        puente.matar()


@pytest.mark.parametrize("fabrica", ["jaula"], indirect=True)
def test_una_respuesta_sin_fin_de_la_app_se_corta_en_el_reenvio(fabrica, tmp_path):
    """La app responde sin fin a las comprobaciones: el reenvío corta tras MAX_BYTES_DE_LA_APP.

    Antes, el Navegador (requests) la leía entera: GB de memoria en el proceso de las comprobaciones.
    """
    puente = puente_de(fabrica, tmp_path)
    try:
        url = FabricaRemota(puente)({"TESTING": True}).servir()
        leidos = 0
        with pytest.raises(requests.RequestException):
            with requests.get(f"{url}/sin-fin", stream=True, timeout=5) as r:
                for trozo in r.iter_content(2**20):
                    leidos += len(trozo)
                    assert leidos <= MAX_BYTES_DE_LA_APP, "el reenvío no cortó la respuesta"
        assert leidos > 0
    finally:
        puente.matar()


# ── Lo que no depende del recinto ────────────────────────────────────────────


class PuenteSinJaula:
    """Un «puente» que dice estar en la jaula pero abre sus escuchas en esta red: su puerto siempre está ocupado."""

    info = {"jaula": True}

    def __init__(self):
        self.intentos = 0

    def escuchar_en_el_recinto(self, puerto=0):
        self.intentos += 1
        return escucha_local(puerto)


def test_si_el_puerto_nunca_esta_libre_en_la_red_del_recinto_es_un_fallo_claro():
    puente = PuenteSinJaula()
    antes = len(os.listdir("/proc/self/fd"))
    with pytest.raises(FalloDelRecinto, match="Ningún puerto"):
        with servir_al_recinto(puente, eco()):
            pass
    assert puente.intentos == INTENTOS
    assert len(os.listdir("/proc/self/fd")) == antes  # y las escuchas se cerraron


def test_sin_recinto_vivo_la_escucha_en_su_red_es_un_fallo_claro(tmp_path):
    """Con jaula, un puente sin la red del recinto (no llegó de la sesión) no abre nada en esta red."""
    puente = Puente(None, {"jaula": True}, "app", tmp_path / "app.py")
    puente.conexion = socket.socket()  # «vivo», pero sin red
    with puente.conexion, pytest.raises(FalloDelRecinto, match="red del recinto"):
        puente.escuchar_en_el_recinto()


def test_los_descriptores_que_el_recinto_envia_con_una_respuesta_no_se_quedan_aqui():
    """Una respuesta del recinto con descriptores (SCM_RIGHTS, hasta 4 sockets que escuchan): el puente solo lee el
    mensaje, y ningún descriptor del recinto queda abierto en este proceso."""
    fuera, dentro = socket.socketpair()
    with fuera, dentro:
        antes = len(os.listdir("/proc/self/fd"))
        sobrantes = [escucha_local() for _ in range(4)]
        protocolo.enviar(dentro, {"estado": 200}, tuple(s.fileno() for s in sobrantes))
        for s in sobrantes:
            s.close()
        assert protocolo.recibir(fuera, time.monotonic() + 2) == {"estado": 200}
        assert len(os.listdir("/proc/self/fd")) == antes
