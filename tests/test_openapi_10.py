"""La API final contra su propio documento OpenAPI 3.1, con schemathesis.

schemathesis lee ``GET /openapi.json`` de la solución de la lección 10 y genera
peticiones para cada operación (válidas y no tanto). Se exige que ninguna dé un
5xx, que cada respuesta cumpla el esquema y el tipo de contenido documentados y
que su estado esté documentado. Las rutas con token reciben uno de verdad: el
de un admin recién iniciado en sesión (el refresh token en ``/auth/refresh``).
Se limita a ``EJEMPLOS`` casos por operación para que dure bastante menos de un
minuto; el total de casos se imprime al final del módulo (``-s``).
"""

import atexit
import re
import secrets
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from conftest import RAIZ, cargar_app
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import one_of
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

SOLUCION = RAIZ / "solutions" / "10_proyecto_final" / "api"
EJEMPLOS = 40  # casos por operación, válidos y no válidos
ADMIN = {"email": "admin@example.com", "password": "clave-del-admin-1234", "nombre": "Admin"}
COMPROBACIONES = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
CASOS: Counter = Counter()


def crear_app_10():
    """La solución en el entorno de pruebas, con su SQLite en una carpeta temporal (se borra al final)."""
    carpeta = Path(tempfile.mkdtemp(prefix="openapi_10-"))
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{carpeta / 'api.sqlite'}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": False,  # miles de logins seguidos: aquí no se mide el límite (lo mide la lección 07)
    }
    return cargar_app(SOLUCION)(config), carpeta


# schemathesis genera las pruebas al recogerlas: la app y su documento existen ya al importar el módulo
# (con pytest 9, su «from_fixture» falla: 'Function' object has no attribute '_nodeid').
APP_10, CARPETA = crear_app_10()
atexit.register(shutil.rmtree, CARPETA, True)  # también si el módulo se recoge y sus pruebas no se eligen
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP_10)


@pytest.fixture(scope="module")
def app_10():
    yield APP_10
    informe = ", ".join(f"{op}: {n}" for op, n in sorted(CASOS.items()))
    print(f"\nschemathesis: {len(CASOS)} operaciones, {sum(CASOS.values())} casos generados ({informe})")


def tokens_del_admin(app):
    """Un login del admin (se vuelve a crear, y a nombrar admin, si un caso anterior lo borró o lo cambió)."""
    corredor = app.test_cli_runner()
    orden = ["crear-admin", ADMIN["email"], "--nombre", ADMIN["nombre"], "--password", ADMIN["password"]]
    assert corredor.invoke(args=orden).exit_code == 0
    respuesta = app.test_client().post("/auth/login", json={"email": ADMIN["email"], "password": ADMIN["password"]})
    if respuesta.status_code != 200:  # un caso le cambió la contraseña: otra cuenta de admin
        ADMIN["email"] = f"admin-{secrets.token_hex(4)}@example.com"
        return tokens_del_admin(app)
    return respuesta.get_json()


# Una prueba por operación, con su nombre en el id («GET /api/perfil»): con «@schema.parametrize()», las 24
# llevaban el mismo id, y pytest-xdist (make test, en dos procesos) solo ejecutaba una.
OPERACIONES = [resultado.ok() for resultado in schema.get_all_operations()]


@pytest.mark.parametrize("operacion", OPERACIONES, ids=lambda operacion: operacion.label)
def test_ninguna_peticion_generada_da_5xx_ni_se_sale_del_esquema(operacion, app_10):
    # Peticiones válidas y no válidas (las segundas no existen en una operación sin parámetros ni cuerpo).
    @given(case=one_of(*(operacion.as_strategy(generation_mode=modo) for modo in GenerationMode)))
    @settings(max_examples=EJEMPLOS, deadline=None, suppress_health_check=list(HealthCheck))
    def caso_generado(case):
        seguridad = case.operation.definition.raw.get("security") or []
        cabeceras = {}
        if any(requisito for requisito in seguridad):  # la operación admite (o exige) el token Bearer
            tokens = tokens_del_admin(app_10)
            token = tokens["refresh_token"] if case.operation.path == "/auth/refresh" else tokens["access_token"]
            cabeceras["Authorization"] = f"Bearer {token}"
        CASOS[operacion.label] += 1
        case.call_and_validate(headers=cabeceras, checks=COMPROBACIONES)

    caso_generado()


def test_el_documento_es_openapi_31_y_describe_cada_ruta(app_10):
    documento = app_10.test_client().get("/openapi.json").get_json()
    assert documento["openapi"] == "3.1.0"
    rutas = {re.sub(r"<(\w+:)?(\w+)>", r"{\2}", r.rule) for r in app_10.url_map.iter_rules() if r.endpoint != "static"}
    assert rutas == set(documento["paths"])  # «/api/articulos/<int:articulo_id>» es «/api/articulos/{articulo_id}»
    assert documento["paths"]["/api/perfil"]["get"]["security"] == [{"bearer": []}]
    assert documento["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT"


def test_una_ruta_sin_describir_impide_crear_la_app(tmp_path, monkeypatch):
    """El documento no puede quedarse atrás: una vista nueva sin su descripción y la app no arranca."""
    from importlib import import_module

    fabrica = cargar_app(SOLUCION)
    paquete = import_module(fabrica.__module__)
    monkeypatch.delitem(paquete.openapi.OPERACIONES, "salud.salud")
    with pytest.raises(paquete.openapi.RutaSinDescribir, match="/salud"):
        fabrica({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
