"""Comprobaciones de la lección 01: el CRUD de la API de artículos."""

from datetime import datetime

from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, comprobacion

TAREAS = {
    1: "Crear artículos",
    2: "Listar y leer artículos",
    3: "Validar lo que llega",
    4: "Actualizar con PUT y PATCH",
    5: "Borrar artículos",
    6: "Errores siempre en JSON",
}

NUEVO = {"titulo": "Hola, mundo", "contenido": "Mi primer artículo.", "publicado": False}
PARA_EMPEZAR = "Para comprobar esto primero se crea un artículo con POST /api/articulos (tarea 1)."


def crear_articulo(client, **campos):
    """Crea un artículo y devuelve su JSON; falla con un mensaje claro si no se puede."""
    r = client.post("/api/articulos", json={**NUEVO, **campos}).espera(201, ayuda=PARA_EMPEZAR)
    cuerpo = r.espera_json(ayuda=PARA_EMPEZAR)
    if not isinstance(cuerpo, dict) or type(cuerpo.get("id")) is not int:
        raise Falta('el campo "id" (un número entero)', f"en la respuesta a {r.peticion}: {cuerpo!r}")
    return cuerpo


def leer_articulo(client, articulo_id):
    """El JSON de ``GET /api/articulos/<id>``."""
    return client.get(f"/api/articulos/{articulo_id}").espera(200).espera_json()


def espera_campos(obtenido, esperado, contexto):
    """Falla si algún campo de ``esperado`` tiene otro valor en ``obtenido``."""
    if not isinstance(obtenido, dict):
        raise Desajuste("un objeto JSON", repr(obtenido), contexto)
    for campo, valor in esperado.items():
        if campo not in obtenido:
            raise Falta(f'el campo "{campo}"', contexto)
        if obtenido[campo] != valor:
            raise Desajuste(f'"{campo}": {valor!r}', f'"{campo}": {obtenido[campo]!r}', contexto)


def espera_fecha(articulo, campo):
    """Falla si ``campo`` no es una fecha ISO 8601 con zona horaria. Devuelve la fecha."""
    valor = articulo.get(campo)
    try:
        fecha = datetime.fromisoformat(valor)
    except (TypeError, ValueError):
        raise Desajuste(f'en "{campo}" una fecha ISO 8601 como "2025-01-31T10:00:00+00:00"', repr(valor)) from None
    if fecha.tzinfo is None:
        raise Falta(
            f'la zona horaria en "{campo}" ({valor!r})', ayuda="Guarda las fechas en UTC: datetime.now(timezone.utc)."
        )
    return fecha


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """app.py se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


# ── Tarea 1: crear ───────────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_crear_responde_201_con_location(client):
    """POST /api/articulos crea el artículo y responde 201 con su JSON y la cabecera Location."""
    r = client.post("/api/articulos", json=NUEVO).espera(201, ayuda="Devuelve `jsonify(...), 201`.")
    cuerpo = r.espera_json()
    espera_campos(cuerpo, NUEVO, f"en la respuesta a {r.peticion}")
    if type(cuerpo.get("id")) is not int:
        raise Falta('el campo "id" con un número entero generado por el servidor', f"en la respuesta a {r.peticion}")
    ubicacion = r.espera_cabecera(
        "Location", ayuda="Añade la cabecera con url_for('obtener_articulo', articulo_id=...)."
    )
    if not ubicacion.endswith(f"/api/articulos/{cuerpo['id']}"):
        raise Desajuste(f"Location terminada en /api/articulos/{cuerpo['id']}", f"Location: {ubicacion}")


@comprobacion(tarea=1, puntos=1)
def test_crear_completa_los_valores_por_defecto(client):
    """Con solo el título, contenido es "" y publicado es false; las fechas van en ISO 8601 con zona."""
    r = client.post("/api/articulos", json={"titulo": "Solo título"}).espera(201)
    cuerpo = r.espera_json()
    espera_campos(
        cuerpo, {"titulo": "Solo título", "contenido": "", "publicado": False}, f"en la respuesta a {r.peticion}"
    )
    espera_fecha(cuerpo, "creado_en")
    espera_fecha(cuerpo, "actualizado_en")


@comprobacion(tarea=1, puntos=1)
def test_ids_los_genera_el_servidor(client):
    """Cada artículo nuevo recibe un id distinto y mayor que el anterior."""
    ids = [crear_articulo(client, titulo=f"Artículo {n}")["id"] for n in range(3)]
    if ids != sorted(set(ids)):
        raise Desajuste(
            "ids distintos y crecientes",
            f"{ids} tras tres POST /api/articulos",
            ayuda="Deja que la base de datos genere el id (primary_key=True); no lo inventes tú.",
        )


# ── Tarea 2: listar y leer ───────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=1)
def test_lista_vacia_al_empezar(client):
    """GET /api/articulos responde 200 con una lista vacía cuando no hay artículos."""
    r = client.get("/api/articulos").espera(200)
    cuerpo = r.espera_json()
    if cuerpo != []:
        raise Desajuste("[]", repr(cuerpo), f"en {r.peticion} con la base de datos vacía")


@comprobacion(tarea=2, puntos=1)
def test_lista_contiene_lo_creado(client):
    """GET /api/articulos devuelve los artículos creados, ordenados por id."""
    creados = [crear_articulo(client, titulo="Primero"), crear_articulo(client, titulo="Segundo")]
    r = client.get("/api/articulos").espera(200)
    lista = r.espera_json()
    if not isinstance(lista, list):
        raise Desajuste("una lista JSON", repr(lista), f"en {r.peticion}")
    if [a.get("id") for a in lista if isinstance(a, dict)] != [a["id"] for a in creados]:
        raise Desajuste(
            f"los ids {[a['id'] for a in creados]} en ese orden",
            f"{lista!r}",
            f"en {r.peticion} tras crear dos artículos",
        )
    for articulo, creado in zip(lista, creados):
        espera_campos(articulo, creado, f"en {r.peticion}")


@comprobacion(tarea=2, puntos=1)
def test_obtener_un_articulo(client):
    """GET /api/articulos/<id> devuelve el artículo creado."""
    creado = crear_articulo(client)
    r = client.get(f"/api/articulos/{creado['id']}").espera(200)
    espera_campos(r.espera_json(), creado, f"en {r.peticion}")


@comprobacion(tarea=2, puntos=1)
def test_articulo_inexistente_da_404(client):
    """GET /api/articulos/<id> de un id que no existe responde 404 con un error en JSON."""
    client.get("/api/articulos/9999").espera_error(
        404, ayuda='Si buscar(articulo_id) devuelve None, responde 404 con {"error": "…"}.'
    )
    client.get(f"/api/articulos/{2**63}").espera_error(
        404,
        ayuda="SQLite no guarda enteros de más de 64 bits: un id mayor que 2**63 - 1 no puede existir "
        "(db.session.get lanzaría OverflowError).",
    )


@comprobacion(tarea=2, puntos=2, depende_de=test_crear_responde_201_con_location)
def test_los_datos_sobreviven_a_un_reinicio(crear_app):
    """Lo creado sigue ahí al crear otra vez la app sobre la misma base de datos (un reinicio)."""
    creado = crear_articulo(Cliente(crear_app()))
    despues = Cliente(crear_app())  # otra app, la misma base de datos
    r = despues.get(f"/api/articulos/{creado['id']}")
    r.espera(
        200,
        ayuda="Guarda los artículos en la base de datos (db.session.commit()), no en una lista en memoria, "
        "y no borres las tablas al arrancar.",
    )
    espera_campos(r.espera_json(), creado, f"en {r.peticion} después del reinicio")


# ── Tarea 3: validar lo que llega ────────────────────────────────────────────

CUERPOS_QUE_NO_SON_JSON = [
    ("texto plano", {"data": '{"titulo": "x"}', "content_type": "text/plain"}),
    ("un formulario", {"data": "titulo=x", "content_type": "application/x-www-form-urlencoded"}),
    ("JSON mal formado", {"data": '{"titulo": ', "content_type": "application/json"}),
    ("un cuerpo vacío", {"data": "", "content_type": "application/json"}),
]
PISTA_GET_JSON = "Lee el cuerpo con leer_json() (usa request.get_json(silent=True)) y comprueba que es un dict."


@comprobacion(tarea=3, puntos=2)
def test_rechaza_cuerpos_que_no_son_json(client):
    """Un cuerpo que no es JSON (texto, formulario, JSON roto o anidado sin fin, vacío) recibe 400 en JSON."""
    for _, peticion in CUERPOS_QUE_NO_SON_JSON:
        client.post("/api/articulos", **peticion).espera_error(400, ayuda=PISTA_GET_JSON)
    client.post("/api/articulos", data="[" * 100_000, content_type="application/json").espera_error(
        400,
        ayuda="Un JSON anidado 100 000 niveles hace que request.get_json lance RecursionError: "
        "lee el cuerpo con leer_json(), que lo trata como un cuerpo no válido.",
    )


@comprobacion(tarea=3, puntos=1)
def test_rechaza_json_que_no_es_un_objeto(client):
    """Un JSON que no es un objeto (null, [], "texto", 42) recibe 400."""
    for cuerpo in (None, [], "texto", 42, ["titulo"]):
        client.post("/api/articulos", json=cuerpo).espera_error(400, ayuda=PISTA_GET_JSON)


@comprobacion(tarea=3, puntos=2)
def test_valida_el_titulo(client):
    """Un título ausente, vacío, de solo espacios, de más de 200 caracteres o que no es texto recibe 400."""
    malos = [
        {},
        {"titulo": ""},
        {"titulo": "   "},
        {"titulo": "x" * 201},
        {"titulo": 42},
        {"titulo": None},
        {"titulo": ["a"]},
        {"contenido": "sin título"},
    ]
    for cuerpo in malos:
        client.post("/api/articulos", json=cuerpo).espera_error(400)
    lista = client.get("/api/articulos").espera(200).espera_json()
    if lista:
        raise Fallo(
            f"Tras rechazar cuerpos inválidos no debería haber artículos, y GET /api/articulos devolvió {lista!r}."
        )


@comprobacion(tarea=3, puntos=1)
def test_valida_contenido_publicado_y_campos_desconocidos(client):
    """contenido debe ser texto, publicado true o false, y un campo desconocido recibe 400."""
    malos = [
        {"contenido": 42},
        {"publicado": "true"},
        {"publicado": 1},
        {"publicado": None},
        {"autor": "yo"},
        {"id": 7},
    ]
    for cambios in malos:
        client.post("/api/articulos", json={"titulo": "Válido", **cambios}).espera_error(
            400, ayuda="Comprueba los tipos con isinstance(valor, str) / isinstance(valor, bool)."
        )


# ── Tarea 4: actualizar ──────────────────────────────────────────────────────


@comprobacion(tarea=4, puntos=2)
def test_put_reemplaza_el_articulo(client):
    """PUT /api/articulos/<id> reemplaza el artículo, lo guarda y conserva creado_en."""
    creado = crear_articulo(client)
    cambios = {"titulo": "Título nuevo", "contenido": "Otro texto.", "publicado": True}
    r = client.put(f"/api/articulos/{creado['id']}", json=cambios).espera(200)
    espera_campos(
        r.espera_json(), {**cambios, "id": creado["id"], "creado_en": creado["creado_en"]}, f"en {r.peticion}"
    )
    guardado = leer_articulo(client, creado["id"])
    espera_campos(guardado, cambios, f"en GET /api/articulos/{creado['id']} después del PUT")
    if espera_fecha(guardado, "actualizado_en") < espera_fecha(guardado, "creado_en"):
        raise Fallo(f"actualizado_en ({guardado['actualizado_en']}) es anterior a creado_en ({guardado['creado_en']}).")


@comprobacion(tarea=4, puntos=2)
def test_patch_cambia_solo_lo_enviado(client):
    """PATCH /api/articulos/<id> cambia solo los campos enviados y deja el resto como estaba."""
    creado = crear_articulo(client, contenido="Contenido original")
    r = client.patch(f"/api/articulos/{creado['id']}", json={"publicado": True}).espera(200)
    esperado = {"titulo": creado["titulo"], "contenido": "Contenido original", "publicado": True}
    espera_campos(r.espera_json(), esperado, f"en {r.peticion}")
    espera_campos(
        leer_articulo(client, creado["id"]), esperado, f"en GET /api/articulos/{creado['id']} después del PATCH"
    )


@comprobacion(tarea=4, puntos=1)
def test_actualizar_valida_y_responde_404(client):
    """PUT y PATCH responden 404 si el artículo no existe y 400 si el cuerpo es inválido, sin cambiar nada."""
    creado = crear_articulo(client)
    client.put("/api/articulos/9999", json={"titulo": "x"}).espera_error(404)
    client.patch("/api/articulos/9999", json={"titulo": "x"}).espera_error(404)
    ruta = f"/api/articulos/{creado['id']}"
    client.put(ruta, json={"titulo": ""}).espera_error(400)
    client.put(ruta, json={"contenido": "sin título"}).espera_error(400)
    client.put(ruta, data="titulo=x", content_type="text/plain").espera_error(400)
    client.patch(ruta, json={}).espera_error(400, ayuda="Un PATCH sin ningún campo no cambia nada: es un 400.")
    client.patch(ruta, json={"publicado": "sí"}).espera_error(400)
    client.patch(ruta, json=None).espera_error(400)
    espera_campos(leer_articulo(client, creado["id"]), NUEVO, f"en GET {ruta} tras las peticiones rechazadas")


# ── Tarea 5: borrar ──────────────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=2)
def test_borrar_responde_204_y_lo_quita(client):
    """DELETE /api/articulos/<id> responde 204 sin cuerpo; después GET da 404 y un segundo DELETE también."""
    creado = crear_articulo(client)
    ruta = f"/api/articulos/{creado['id']}"
    r = client.delete(ruta).espera(204, ayuda='Devuelve ("", 204): el recurso ya no existe, no hay nada que enviar.')
    if r.texto:
        raise Desajuste("una respuesta 204 sin cuerpo", f"el cuerpo {r.texto[:100]!r}", f"en {r.peticion}")
    client.get(ruta).espera_error(404)
    client.delete(ruta).espera_error(404)
    lista = client.get("/api/articulos").espera(200).espera_json()
    if any(isinstance(a, dict) and a.get("id") == creado["id"] for a in lista):
        raise Fallo(f"El artículo {creado['id']} sigue en GET /api/articulos después de borrarlo.")


@comprobacion(tarea=5, puntos=1)
def test_ids_no_se_reutilizan(client):
    """Tras borrar el último artículo, el siguiente recibe un id nuevo, no el del borrado."""
    crear_articulo(client, titulo="Primero")
    borrado = crear_articulo(client, titulo="Segundo")
    client.delete(f"/api/articulos/{borrado['id']}").espera(204, 200)
    nuevo = crear_articulo(client, titulo="Tercero")
    if nuevo["id"] <= borrado["id"]:
        raise Desajuste(
            f"un id mayor que {borrado['id']}",
            f"el id {nuevo['id']}",
            "al crear un artículo tras borrar el último",
            ayuda="En SQLite usa __table_args__ = {'sqlite_autoincrement': True}: un id reutilizado "
            "puede hacer que un enlace antiguo muestre otro artículo.",
        )


# ── Tarea 6: errores en JSON ─────────────────────────────────────────────────

PISTA_ERRORES = "Registra un @app.errorhandler(HTTPException) que responda con jsonify(error=...)."


@comprobacion(tarea=6, puntos=1)
def test_ruta_inexistente_responde_json(client):
    """Una ruta que no existe responde 404 con un error en JSON, no con una página HTML."""
    client.get("/api/nada").espera_error(404, ayuda=PISTA_ERRORES)
    client.get("/api/articulos/abc").espera_error(404, ayuda=PISTA_ERRORES)


@comprobacion(tarea=6, puntos=1)
def test_metodo_no_permitido_responde_json(client):
    """Un método no permitido responde 405 en JSON con la cabecera Allow."""
    r = client.delete("/api/articulos")
    r.espera_error(405, ayuda=PISTA_ERRORES)
    permitidos = {m.strip() for m in r.espera_cabecera("Allow").split(",")}
    if not {"GET", "POST"} <= permitidos:
        raise Desajuste("Allow con GET y POST", f"Allow: {r.cabeceras['Allow']}", f"en {r.peticion}")
