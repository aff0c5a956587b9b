"""El cargador: un objetivo es un app.py o el paquete api/, y cada uno se carga con su propio nombre."""

import shutil
import sqlite3

import pytest
from conftest import RAIZ, config_de_prueba

from taller.cargador import ErrorDeCarga, cargar_fabrica, entrada_del_objetivo

SOLUCION_02 = RAIZ / "solutions" / "02_login_jwt"


def copiar_paquete(destino):
    shutil.copytree(SOLUCION_02 / "api", destino / "api", ignore=shutil.ignore_patterns("__pycache__"))
    return destino


def test_la_entrada_es_el_paquete_si_existe_y_si_no_app_py(tmp_path):
    assert entrada_del_objetivo(SOLUCION_02) == SOLUCION_02 / "api"
    assert entrada_del_objetivo(RAIZ / "solutions" / "01_api_rest") == RAIZ / "solutions" / "01_api_rest" / "app.py"
    (tmp_path / "api").mkdir()  # una carpeta api/ sin __init__.py no es un paquete
    assert entrada_del_objetivo(tmp_path) == tmp_path / "app.py"


def test_dos_copias_del_paquete_conviven_en_un_proceso(tmp_path):
    """Cada paquete con su nombre de módulo único: sus modelos, su db y sus rutas no se mezclan."""
    primera = copiar_paquete(tmp_path / "una")
    segunda = copiar_paquete(tmp_path / "otra")
    app_1 = cargar_fabrica(entrada_del_objetivo(primera))(config_de_prueba(tmp_path, "una.sqlite"))
    app_2 = cargar_fabrica(entrada_del_objetivo(segunda))(config_de_prueba(tmp_path, "otra.sqlite"))
    assert app_1.import_name != app_2.import_name
    assert app_1.extensions["sqlalchemy"] is not app_2.extensions["sqlalchemy"]
    usuario = {"email": "ana@example.com", "password": "contraseña-larga", "nombre": "Ana"}
    assert app_1.test_client().post("/auth/registro", json=usuario).status_code == 201
    assert app_2.test_client().post("/auth/registro", json=usuario).status_code == 201  # otra base de datos
    assert app_1.instance_path == str(primera / "instance")


def test_un_error_de_sintaxis_en_un_modulo_dice_el_archivo_y_la_linea(tmp_path):
    objetivo = copiar_paquete(tmp_path)
    auth = objetivo / "api" / "auth.py"
    lineas = auth.read_text(encoding="utf-8").splitlines()
    lineas[19] = "def roto(:"
    auth.write_text("\n".join(lineas), encoding="utf-8")
    with pytest.raises(ErrorDeCarga, match=r"api/auth\.py tiene un error de sintaxis en la línea 20"):
        cargar_fabrica(entrada_del_objetivo(objetivo))


def test_una_excepcion_al_importar_un_modulo_dice_el_archivo_y_la_linea(tmp_path):
    objetivo = copiar_paquete(tmp_path)
    modelos = objetivo / "api" / "modelos.py"
    modelos.write_text(modelos.read_text(encoding="utf-8") + "\nraise RuntimeError('¡zas!')\n", encoding="utf-8")
    with pytest.raises(
        ErrorDeCarga, match=r"El paquete api/ lanzó RuntimeError al importarse \(api/modelos\.py, línea \d+\)"
    ):
        cargar_fabrica(entrada_del_objetivo(objetivo))


def test_un_paquete_sin_create_app_lo_dice(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ErrorDeCarga, match=r"api/__init__\.py no define la función create_app"):
        cargar_fabrica(entrada_del_objetivo(tmp_path))


def test_una_base_de_datos_de_otra_version_no_da_500_sino_que_dice_que_hacer(tmp_path):
    """Una tabla sin una columna nueva: 503 en JSON con la orden que lo arregla; init-db la rehace."""
    ruta = tmp_path / "vieja.sqlite"
    conexion = sqlite3.connect(ruta)
    conexion.execute("CREATE TABLE articulo (id INTEGER PRIMARY KEY, titulo VARCHAR(200))")  # sin autor_id…
    conexion.close()
    app = cargar_fabrica(SOLUCION_02 / "api")(config_de_prueba(tmp_path, "vieja.sqlite"))
    respuesta = app.test_client().get("/api/articulos")
    assert respuesta.status_code == 503
    mensaje = respuesta.get_json()["error"]
    assert "articulo.autor_id" in mensaje and "flask --app api init-db" in mensaje
    resultado = app.test_cli_runner().invoke(args=["init-db"])
    assert resultado.exit_code == 0 and "Base de datos creada de nuevo" in resultado.output
    assert app.test_client().get("/api/articulos").status_code == 200


def test_tras_anadir_el_rol_la_base_del_punto_de_partida_no_da_500(tmp_path):
    """Lección 06: la base creada por el punto de partida (sin usuario.rol) y luego la tarea 1 hecha: 503 claro."""
    config = config_de_prueba(tmp_path, "compartida.sqlite")
    cargar_fabrica(RAIZ / "lessons" / "06_roles" / "ejercicio" / "api")(config)  # crea las tablas sin «rol»
    app = cargar_fabrica(RAIZ / "solutions" / "06_roles" / "api")(config)
    respuesta = app.test_client().post("/auth/registro", json={"email": "a@example.com", "password": "x" * 8})
    assert respuesta.status_code == 503
    assert "usuario.rol" in respuesta.get_json()["error"] and "init-db" in respuesta.get_json()["error"]


def puerto_libre():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def espera_respuesta(proceso, url):
    import time
    import urllib.request

    for _ in range(150):
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status, r.read()
        except OSError:
            if proceso.poll() is not None:
                break
            time.sleep(0.1)
    proceso.terminate()
    pytest.fail(f"nadie respondió en {url}: {proceso.communicate(timeout=10)[0]}")


@pytest.mark.parametrize("leccion", ["02_login_jwt", "07_errores"])
@pytest.mark.parametrize("como", ["taller ejecutar", "flask --app api run"])
def test_el_paquete_se_sirve_como_dicen_los_textos(tmp_path, leccion, como):
    """«taller ejecutar NN --ejercicio» y, desde la carpeta del ejercicio, «flask --app api run»."""
    import os
    import secrets
    import subprocess
    import sys

    ejercicio = tmp_path / leccion / "ejercicio"
    shutil.copytree(RAIZ / "lessons" / leccion / "ejercicio", ejercicio, ignore=shutil.ignore_patterns("instance"))
    puerto = puerto_libre()
    entorno = {**os.environ, "JWT_SECRET_KEY": secrets.token_hex(32)}
    if como == "taller ejecutar":
        (tmp_path / "lessons").mkdir()
        (tmp_path / leccion).rename(tmp_path / "lessons" / leccion)
        for carpeta in ("checks", "solutions"):
            (tmp_path / carpeta).mkdir()
        orden = [sys.executable, "-m", "taller.cli", "ejecutar", leccion[:2], "--ejercicio", "--puerto", str(puerto)]
        cwd, entorno["TALLER_RAIZ"] = tmp_path, str(tmp_path)
        ejercicio = tmp_path / "lessons" / leccion / "ejercicio"
    else:
        orden = [sys.executable, "-m", "flask", "--app", "api", "run", "--port", str(puerto)]
        cwd = ejercicio
    proceso = subprocess.Popen(orden, cwd=cwd, env=entorno, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        estado, cuerpo = espera_respuesta(proceso, f"http://127.0.0.1:{puerto}/api/articulos")
        assert estado == 200 and cuerpo.strip() == b"[]"
    finally:
        proceso.terminate()
        proceso.communicate(timeout=10)
    assert (ejercicio / "instance" / "articulos.sqlite").is_file()
