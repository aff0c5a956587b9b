"""La app de demostración de la lección 01 (``lessons/01_api_rest/app.py``): el CRUD de items.

Una prueba por comportamiento, con el código de estado y el cuerpo JSON exactos,
como en las pruebas de la documentación de FastAPI.
"""

import os
import subprocess
import sys

import pytest
from conftest import APP_LECCION_01, RAIZ, cargar_app, config_de_prueba

CUERPO_NO_ES_OBJETO = {"error": 'El cuerpo debe ser un objeto JSON, por ejemplo {"nombre": "Libro"}.'}
FALTA_NOMBRE = {"error": "Falta el campo «nombre»."}
NOMBRE_NO_ES_TEXTO = {"error": "El campo «nombre» debe ser un texto."}
NOMBRE_VACIO = {"error": "El campo «nombre» no puede estar vacío."}
NOMBRE_LARGO = {"error": "El campo «nombre» admite como máximo 100 caracteres."}
RUTA_NO_EXISTE = {"error": "La ruta no existe."}
METODO_NO_PERMITIDO = {"error": "Método no permitido en esta ruta."}


def no_existe(item_id):
    return {"error": f"No existe ningún elemento con id {item_id}."}


def crear(client, nombre):
    respuesta = client.post("/api/items", json={"nombre": nombre})
    assert respuesta.status_code == 201, f"No se pudo crear «{nombre}»: {respuesta.status_code} {respuesta.get_json()}"
    return respuesta.get_json()


# --- Lectura -----------------------------------------------------------------


def test_inicio_da_la_bienvenida(client):
    respuesta = client.get("/")
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {"mensaje": "Bienvenido a la API REST con Flask", "items": "/api/items"}


def test_la_lista_empieza_vacia(client):
    respuesta = client.get("/api/items")
    assert respuesta.status_code == 200
    assert respuesta.get_json() == []


def test_la_lista_sale_ordenada_por_id(client):
    crear(client, "Libro")
    crear(client, "Cuaderno")
    respuesta = client.get("/api/items")
    assert respuesta.status_code == 200
    assert respuesta.get_json() == [{"id": 1, "nombre": "Libro"}, {"id": 2, "nombre": "Cuaderno"}]


def test_obtener_un_item_por_id(client):
    crear(client, "Libro")
    respuesta = client.get("/api/items/1")
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {"id": 1, "nombre": "Libro"}


# --- Creación ----------------------------------------------------------------


def test_crear_responde_201_con_location_y_el_item(client):
    respuesta = client.post("/api/items", json={"nombre": "Libro"})
    assert respuesta.status_code == 201
    assert respuesta.headers["Location"] == "/api/items/1"
    assert respuesta.get_json() == {"id": 1, "nombre": "Libro"}


def test_el_item_creado_se_guarda(client):
    crear(client, "Libro")
    assert client.get("/api/items").get_json() == [{"id": 1, "nombre": "Libro"}]


def test_crear_recorta_los_espacios_del_nombre(client):
    respuesta = client.post("/api/items", json={"nombre": "  Libro \n"})
    assert respuesta.status_code == 201
    assert respuesta.get_json() == {"id": 1, "nombre": "Libro"}


def test_un_nombre_de_100_caracteres_se_admite(client):
    nombre = "ñ" * 100  # el límite cuenta caracteres, no bytes
    respuesta = client.post("/api/items", json={"nombre": f"  {nombre}  "})
    assert respuesta.status_code == 201
    assert respuesta.get_json() == {"id": 1, "nombre": nombre}


def test_los_campos_de_mas_se_ignoran(client):
    respuesta = client.post("/api/items", json={"nombre": "Libro", "id": 99, "precio": 10})
    assert respuesta.status_code == 201
    assert respuesta.get_json() == {"id": 1, "nombre": "Libro"}


# --- Actualización -----------------------------------------------------------


def test_actualizar_cambia_el_nombre_y_persiste(client):
    crear(client, "Libro")
    respuesta = client.put("/api/items/1", json={"nombre": "Libro de texto"})
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {"id": 1, "nombre": "Libro de texto"}
    assert client.get("/api/items/1").get_json() == {"id": 1, "nombre": "Libro de texto"}
    assert client.get("/api/items").get_json() == [{"id": 1, "nombre": "Libro de texto"}]


def test_actualizar_no_toca_los_demas_items(client):
    crear(client, "Libro")
    crear(client, "Cuaderno")
    client.put("/api/items/2", json={"nombre": "Lápiz"})
    assert client.get("/api/items").get_json() == [{"id": 1, "nombre": "Libro"}, {"id": 2, "nombre": "Lápiz"}]


# --- Borrado -----------------------------------------------------------------


def test_borrar_responde_204_y_despues_404(client):
    crear(client, "Libro")
    respuesta = client.delete("/api/items/1")
    assert respuesta.status_code == 204
    assert respuesta.data == b""

    respuesta = client.get("/api/items/1")
    assert respuesta.status_code == 404
    assert respuesta.get_json() == no_existe(1)

    respuesta = client.delete("/api/items/1")
    assert respuesta.status_code == 404
    assert respuesta.get_json() == no_existe(1)
    assert client.get("/api/items").get_json() == []


def test_los_ids_no_se_reutilizan_al_borrar_el_ultimo(client):
    crear(client, "Libro")
    crear(client, "Cuaderno")
    assert client.delete("/api/items/2").status_code == 204
    assert crear(client, "Lápiz") == {"id": 3, "nombre": "Lápiz"}
    assert client.get("/api/items/2").status_code == 404


# --- Persistencia ------------------------------------------------------------


def test_los_datos_sobreviven_a_un_reinicio(tmp_path):
    """Dos ``create_app`` sobre el mismo archivo SQLite ven los mismos datos (la semilla los perdía)."""
    create_app = cargar_app(APP_LECCION_01)
    config = config_de_prueba(tmp_path)

    primera = create_app(config).test_client()
    crear(primera, "Libro")
    crear(primera, "Cuaderno")
    assert primera.delete("/api/items/1").status_code == 204

    segunda = create_app(config).test_client()
    assert segunda.get("/api/items").get_json() == [{"id": 2, "nombre": "Cuaderno"}]
    assert crear(segunda, "Lápiz") == {"id": 3, "nombre": "Lápiz"}


# --- Validación: todo cuerpo malo recibe un 400 en JSON ----------------------

CUERPOS_MALOS = [
    pytest.param({"data": '{"nombre": "Libro"}', "content_type": "text/plain"}, CUERPO_NO_ES_OBJETO, id="texto-plano"),
    pytest.param({"data": {"nombre": "Libro"}}, CUERPO_NO_ES_OBJETO, id="formulario"),
    pytest.param(
        {"data": '{"nombre": "Libro"', "content_type": "application/json"}, CUERPO_NO_ES_OBJETO, id="json-mal-formado"
    ),
    pytest.param(
        {"data": b'{"nombre": "\xff"}', "content_type": "application/json"}, CUERPO_NO_ES_OBJETO, id="utf8-invalido"
    ),
    pytest.param({}, CUERPO_NO_ES_OBJETO, id="sin-cuerpo"),
    pytest.param({"data": "", "content_type": "application/json"}, CUERPO_NO_ES_OBJETO, id="json-sin-cuerpo"),
    pytest.param({"data": "null", "content_type": "application/json"}, CUERPO_NO_ES_OBJETO, id="json-null"),
    pytest.param({"json": []}, CUERPO_NO_ES_OBJETO, id="json-lista"),
    pytest.param({"json": [{"nombre": "Libro"}]}, CUERPO_NO_ES_OBJETO, id="json-lista-de-objetos"),
    pytest.param({"json": "texto"}, CUERPO_NO_ES_OBJETO, id="json-texto"),
    pytest.param({"json": 42}, CUERPO_NO_ES_OBJETO, id="json-entero"),
    pytest.param({"json": {}}, FALTA_NOMBRE, id="objeto-vacio"),
    pytest.param({"json": {"titulo": "Libro"}}, FALTA_NOMBRE, id="sin-nombre"),
    pytest.param({"json": {"nombre": None}}, FALTA_NOMBRE, id="nombre-null"),
    pytest.param({"json": {"nombre": ""}}, NOMBRE_VACIO, id="nombre-en-blanco"),
    pytest.param({"json": {"nombre": " \t\n "}}, NOMBRE_VACIO, id="nombre-solo-espacios"),
    pytest.param({"json": {"nombre": "x" * 101}}, NOMBRE_LARGO, id="nombre-de-101-caracteres"),
    pytest.param({"json": {"nombre": 42}}, NOMBRE_NO_ES_TEXTO, id="nombre-entero"),
    pytest.param({"json": {"nombre": 4.5}}, NOMBRE_NO_ES_TEXTO, id="nombre-decimal"),
    pytest.param({"json": {"nombre": True}}, NOMBRE_NO_ES_TEXTO, id="nombre-booleano"),
    pytest.param({"json": {"nombre": ["Libro"]}}, NOMBRE_NO_ES_TEXTO, id="nombre-lista"),
    pytest.param({"json": {"nombre": {"es": "Libro"}}}, NOMBRE_NO_ES_TEXTO, id="nombre-objeto"),
]


@pytest.mark.parametrize("peticion, esperado", CUERPOS_MALOS)
def test_crear_con_un_cuerpo_malo_responde_400(client, peticion, esperado):
    respuesta = client.post("/api/items", **peticion)
    assert respuesta.status_code == 400, f"Se esperaba 400, se obtuvo {respuesta.status_code}: {respuesta.data!r}"
    assert respuesta.is_json, f"El error debe ser JSON, llegó {respuesta.content_type}"
    assert respuesta.get_json() == esperado
    assert client.get("/api/items").get_json() == [], "Un cuerpo rechazado no debe crear nada"


@pytest.mark.parametrize("peticion, esperado", CUERPOS_MALOS)
def test_actualizar_con_un_cuerpo_malo_responde_400_y_no_cambia_nada(client, peticion, esperado):
    crear(client, "Libro")
    respuesta = client.put("/api/items/1", **peticion)
    assert respuesta.status_code == 400, f"Se esperaba 400, se obtuvo {respuesta.status_code}: {respuesta.data!r}"
    assert respuesta.is_json, f"El error debe ser JSON, llegó {respuesta.content_type}"
    assert respuesta.get_json() == esperado
    assert client.get("/api/items/1").get_json() == {"id": 1, "nombre": "Libro"}


# --- 404 y 405, siempre en JSON ----------------------------------------------


@pytest.mark.parametrize(
    "metodo, kwargs",
    [
        pytest.param("get", {}, id="GET"),
        pytest.param("put", {"json": {"nombre": "Libro"}}, id="PUT"),
        pytest.param("put", {"data": "null", "content_type": "application/json"}, id="PUT-con-cuerpo-malo"),
        pytest.param("delete", {}, id="DELETE"),
    ],
)
def test_un_id_desconocido_responde_404_en_json(client, metodo, kwargs):
    crear(client, "Libro")
    respuesta = getattr(client, metodo)("/api/items/7", **kwargs)
    assert respuesta.status_code == 404
    assert respuesta.is_json
    assert respuesta.get_json() == no_existe(7)


@pytest.mark.parametrize(
    "ruta",
    [
        pytest.param("/nada", id="ruta-inexistente"),
        pytest.param("/api/item", id="ruta-en-singular"),
        pytest.param("/api/items/abc", id="id-no-numerico"),
        pytest.param("/api/items/-1", id="id-negativo"),
        pytest.param("/api/items/1/extra", id="segmento-de-mas"),
    ],
)
def test_una_ruta_desconocida_responde_404_en_json(client, ruta):
    respuesta = client.get(ruta)
    assert respuesta.status_code == 404
    assert respuesta.is_json, f"Se esperaba JSON, llegó {respuesta.content_type}: {respuesta.data[:80]!r}"
    assert respuesta.get_json() == RUTA_NO_EXISTE


@pytest.mark.parametrize(
    "metodo, ruta, permitidos",
    [
        pytest.param("PATCH", "/api/items", {"GET", "HEAD", "OPTIONS", "POST"}, id="PATCH-lista"),
        pytest.param("DELETE", "/api/items", {"GET", "HEAD", "OPTIONS", "POST"}, id="DELETE-lista"),
        pytest.param("POST", "/api/items/1", {"DELETE", "GET", "HEAD", "OPTIONS", "PUT"}, id="POST-item"),
        pytest.param("PATCH", "/api/items/1", {"DELETE", "GET", "HEAD", "OPTIONS", "PUT"}, id="PATCH-item"),
        pytest.param("POST", "/", {"GET", "HEAD", "OPTIONS"}, id="POST-inicio"),
    ],
)
def test_un_metodo_equivocado_responde_405_en_json_con_allow(client, metodo, ruta, permitidos):
    respuesta = client.open(ruta, method=metodo, json={"nombre": "Libro"})
    assert respuesta.status_code == 405
    assert respuesta.is_json, f"Se esperaba JSON, llegó {respuesta.content_type}: {respuesta.data[:80]!r}"
    assert respuesta.get_json() == METODO_NO_PERMITIDO
    assert "Allow" in respuesta.headers, "Un 405 debe decir en «Allow» qué métodos admite la ruta"
    assert {m.strip() for m in respuesta.headers["Allow"].split(",")} == permitidos


# --- Nunca un 500 ------------------------------------------------------------

RUTAS = ["/", "/api/items", "/api/items/1", "/api/items/2", "/api/items/abc", "/nada"]
METODOS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
CUERPOS = [
    {},
    {"json": {"nombre": "Libro"}},
    {"data": "null", "content_type": "application/json"},
    {"data": "{", "content_type": "application/json"},
    {"data": "nombre=Libro", "content_type": "text/plain"},
    {"json": {"nombre": 42}},
]


def test_ninguna_combinacion_de_metodo_ruta_y_cuerpo_da_500(client):
    crear(client, "Libro")
    fallos = []
    for ruta in RUTAS:
        for metodo in METODOS:
            for cuerpo in CUERPOS:
                respuesta = client.open(ruta, method=metodo, **cuerpo)
                if respuesta.status_code >= 500:
                    fallos.append(f"{metodo} {ruta} {cuerpo} → {respuesta.status_code}")
                elif respuesta.data and not respuesta.is_json:
                    fallos.append(f"{metodo} {ruta} {cuerpo} → {respuesta.content_type}, no JSON")
    assert not fallos, "Respuestas indebidas:\n" + "\n".join(fallos)


@pytest.mark.parametrize("metodo", ["get", "put", "delete"])
def test_un_id_enorme_responde_404_y_no_500(client, metodo):
    respuesta = getattr(client, metodo)(f"/api/items/{2**63}", json={"nombre": "Libro"})
    assert respuesta.status_code == 404, f"Se esperaba 404, se obtuvo {respuesta.status_code}"
    assert respuesta.is_json


def test_un_json_anidado_a_gran_profundidad_responde_400(client):
    respuesta = client.post("/api/items", data="[" * 100_000, content_type="application/json")
    assert respuesta.status_code == 400, f"Se esperaba 400, se obtuvo {respuesta.status_code}"
    assert respuesta.get_json()["error"].startswith("El cuerpo debe ser un objeto JSON")


# --- La línea de órdenes y la convivencia con otras apps ---------------------


def test_flask_routes_lista_las_rutas_de_items(tmp_path):
    db = tmp_path / "rutas.sqlite"
    db_del_repo = APP_LECCION_01.parent / "instance" / "items.sqlite"
    existia = db_del_repo.exists()
    entorno = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    entorno.pop("FLASK_APP", None)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")

    resultado = subprocess.run(
        [flask, "--app", "lessons/01_api_rest/app.py", "routes"],
        cwd=RAIZ,
        env=entorno,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert resultado.returncode == 0, f"«flask routes» terminó con {resultado.returncode}:\n{resultado.stderr}"
    assert "/api/items/<int:item_id>" in resultado.stdout
    rutas = {linea.split()[-1] for linea in resultado.stdout.splitlines() if linea.strip()}
    assert {"/", "/api/items", "/api/items/<int:item_id>"} <= rutas, resultado.stdout
    assert db.exists(), "La app debería haber creado su base en DATABASE_URL"
    if not existia:
        assert not db_del_repo.exists(), "Con DATABASE_URL la app no debe escribir su base en el repositorio"


def test_la_demo_y_la_solucion_conviven_en_un_proceso(tmp_path):
    demo = cargar_app(APP_LECCION_01)(config_de_prueba(tmp_path, "demo.sqlite"))
    solucion = cargar_app("solutions/01_api_rest/app.py")(config_de_prueba(tmp_path, "solucion.sqlite"))

    assert demo.import_name != solucion.import_name, "Cada app.py debe cargarse con su propio nombre de módulo"
    rutas_demo = {regla.rule for regla in demo.url_map.iter_rules()}
    rutas_solucion = {regla.rule for regla in solucion.url_map.iter_rules()}
    assert "/api/items" in rutas_demo and "/api/items" not in rutas_solucion
    assert "/api/articulos" in rutas_solucion and "/api/articulos" not in rutas_demo

    cliente_demo, cliente_solucion = demo.test_client(), solucion.test_client()
    assert crear(cliente_demo, "Libro") == {"id": 1, "nombre": "Libro"}
    respuesta = cliente_solucion.post("/api/articulos", json={"titulo": "Hola", "contenido": "Mundo"})
    assert respuesta.status_code == 201, respuesta.get_json()
    assert respuesta.get_json()["titulo"] == "Hola"

    assert cliente_demo.get("/api/items").get_json() == [{"id": 1, "nombre": "Libro"}]
    assert [a["titulo"] for a in cliente_solucion.get("/api/articulos").get_json()] == ["Hola"]
    assert cliente_demo.get("/api/articulos").status_code == 404
    assert cliente_solucion.get("/api/items").status_code == 404
    assert (tmp_path / "demo.sqlite").exists() and (tmp_path / "solucion.sqlite").exists()
