"""Comprobaciones de la lección 04: refresh tokens, claims que sobreviven al refresco, tokens frescos y rotación."""

import json
from datetime import timedelta

import jwt

from taller import anteriores
from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, bearer, comprobacion, reemitir

TAREAS = {
    1: "El inicio de sesión entrega dos tokens",
    2: "Refrescar el access token con el refresh token",
    3: "Claims que sobreviven al refresco",
    4: "Operaciones sensibles con un token fresco",
    5: "Extra: rotación de los refresh tokens",
    6: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}
BEA = {"email": "bea@example.com", "password": "contraseña-de-bea", "nombre": "Bea"}
PARA_EMPEZAR = "El registro viene hecho de la lección 02; el inicio de sesión debe devolver los dos tokens (tarea 1)."
PISTA_REFRESH = 'Protege POST /auth/refresh con @jwt_required(refresh=True) y responde {"access_token": …}.'
PISTA_TIPO = (
    "Las rutas de la API usan @jwt_required() (que solo admite access tokens): no pongas "
    "verify_type=False ni refresh=True en ellas."
)
FRESCO = "Protege la ruta con @jwt_required(fresh=True)."


# ── Ayudantes ────────────────────────────────────────────────────────────────


def campos_de(cuerpo):
    """«llegaron los campos access_token», sin enseñar los tokens (son largos y no ayudan)."""
    if not isinstance(cuerpo, dict):
        return f"llegó {json.dumps(cuerpo)[:80]}"
    return "llegaron los campos " + (", ".join(sorted(cuerpo)) or "ninguno")


def registrar(client, usuario=ANA):
    r = client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR)
    return r.espera_json()


def tokens_del_login(client, usuario=ANA, password=None):
    """``(access_token, refresh_token)`` del inicio de sesión de ``usuario`` (que ya existe)."""
    credenciales = {"email": usuario["email"], "password": password or usuario["password"]}
    r = client.post("/auth/login", json=credenciales).espera(200, ayuda=PARA_EMPEZAR)
    cuerpo = r.espera_json()
    for campo in ("access_token", "refresh_token"):
        if not isinstance(cuerpo, dict) or not isinstance(cuerpo.get(campo), str):
            raise Falta(
                f'el campo "{campo}" con un token',
                f"en la respuesta a {r.peticion} ({campos_de(cuerpo)})",
                "Devuelve jsonify(access_token=create_access_token(…), refresh_token=create_refresh_token(…)).",
            )
    return cuerpo["access_token"], cuerpo["refresh_token"]


def cuenta(client, usuario=ANA):
    """Registra ``usuario`` e inicia sesión: ``(usuario_json, access_token, refresh_token)``."""
    datos = registrar(client, usuario)
    return (datos, *tokens_del_login(client, usuario))


def refrescar(client, refresh_token, rotacion=False):
    """El cuerpo de ``POST /auth/refresh`` con ``refresh_token`` (que debe funcionar)."""
    r = client.post("/auth/refresh", headers=bearer(refresh_token)).espera(200, ayuda=PISTA_REFRESH)
    cuerpo = r.espera_json()
    campos = ("access_token", "refresh_token") if rotacion else ("access_token",)
    for campo in campos:
        if not isinstance(cuerpo, dict) or not isinstance(cuerpo.get(campo), str):
            raise Falta(f'el campo "{campo}" con un token', f"en la respuesta a {r.peticion} ({campos_de(cuerpo)})")
    return cuerpo


def abrir(app, token, descripcion):
    """La carga del token, verificada con la clave de la app."""
    try:
        return jwt.decode(
            token,
            app.config["JWT_SECRET_KEY"],
            algorithms=["HS256"],
            audience=app.config.get("JWT_DECODE_AUDIENCE"),
            issuer=app.config.get("JWT_DECODE_ISSUER"),
            options={"verify_exp": False, "verify_sub": False},
        )
    except jwt.InvalidTokenError as e:
        raise Fallo(
            f"El {descripcion} no se puede verificar con JWT_SECRET_KEY: {e}.",
            ayuda="Crea los tokens con create_access_token y create_refresh_token.",
        ) from None


def espera_claim(datos, claim, valor, descripcion, ayuda=None):
    if datos.get(claim) != valor:
        raise Desajuste(
            f'"{claim}": {json.dumps(valor, ensure_ascii=False)}',
            f'"{claim}": {json.dumps(datos.get(claim), ensure_ascii=False)}',
            f"en el {descripcion}",
            ayuda,
        )


def espera_rechazo(r, descripcion, ayuda):
    """Un token del tipo equivocado se rechaza con 401 o 422."""
    if r.estado not in (401, 422):
        raise Desajuste(f"401 o 422 con {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", ayuda)


def login_funciona(client, usuario, password):
    r = client.post("/auth/login", json={"email": usuario["email"], "password": password})
    return r.estado == 200


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=None, puntos=0)
def test_para_empezar_registro_y_login(client):
    """Para empezar: el registro da 201 y el inicio de sesión, un access token y un refresh token (tarea 1)."""
    cuenta(client)


# ── Tarea 1: el inicio de sesión entrega dos tokens ──────────────────────────


@comprobacion(tarea=1, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_login_devuelve_access_y_refresh(client):
    """POST /auth/login devuelve un access_token fresco y un refresh_token, los dos con el id del usuario como sub."""
    ana, acceso, refresh = cuenta(client)
    datos_acceso = abrir(client.app, acceso, "access_token del inicio de sesión")
    datos_refresh = abrir(client.app, refresh, "refresh_token del inicio de sesión")
    espera_claim(datos_acceso, "type", "access", "access_token del inicio de sesión")
    espera_claim(
        datos_refresh,
        "type",
        "refresh",
        "refresh_token del inicio de sesión",
        "Crea el refresh token con create_refresh_token(identity=str(usuario.id)).",
    )
    for datos, descripcion in (
        (datos_acceso, "access_token del inicio de sesión"),
        (datos_refresh, "refresh_token del inicio de sesión"),
    ):
        espera_claim(datos, "sub", str(ana["id"]), descripcion, "El sub es siempre el id como texto: str(usuario.id).")
    espera_claim(
        datos_acceso,
        "fresh",
        True,
        "access_token del inicio de sesión",
        "Quien acaba de dar su contraseña tiene un token fresco: create_access_token(…, fresh=True).",
    )


@comprobacion(tarea=1, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_las_caducidades_salen_de_la_configuracion(crear_app):
    """exp − iat de cada token es JWT_ACCESS_TOKEN_EXPIRES o JWT_REFRESH_TOKEN_EXPIRES (aquí 5 minutos y 2 horas)."""
    client = Cliente(
        crear_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=5), JWT_REFRESH_TOKEN_EXPIRES=timedelta(hours=2))
    )
    _, acceso, refresh = cuenta(client)
    nuevo = refrescar(client, refresh)["access_token"]
    pista = "No pases expires_delta a create_access_token ni a create_refresh_token: la caducidad es configuración."
    for token, descripcion, segundos in (
        (acceso, "access_token del inicio de sesión", 300),
        (refresh, "refresh_token del inicio de sesión", 7200),
        (nuevo, "access_token de /auth/refresh", 300),
    ):
        datos = abrir(client.app, token, descripcion)
        vida = datos.get("exp", 0) - datos.get("iat", 0)
        if vida != segundos:
            raise Desajuste(f"exp − iat = {segundos} segundos", f"{vida}", f"en el {descripcion}", pista)


# ── Tarea 2: refrescar el access token ───────────────────────────────────────


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_refresh_devuelve_un_access_token_nuevo_no_fresco(client):
    """POST /auth/refresh con el refresh token responde un access_token nuevo, no fresco, que abre GET /api/perfil."""
    ana, acceso, refresh = cuenta(client)
    nuevo = refrescar(client, refresh)["access_token"]
    datos = abrir(client.app, nuevo, "access_token de /auth/refresh")
    espera_claim(datos, "type", "access", "access_token de /auth/refresh")
    espera_claim(datos, "sub", str(ana["id"]), "access_token de /auth/refresh")
    if datos.get("jti") == abrir(client.app, acceso, "access_token del inicio de sesión").get("jti"):
        raise Fallo("/auth/refresh devolvió el mismo access token del inicio de sesión: debe crear uno nuevo.")
    espera_claim(
        datos,
        "fresh",
        False,
        "access_token de /auth/refresh",
        "Un token refrescado no es fresco: nadie ha vuelto a dar la contraseña. "
        "Usa create_access_token(identity=…, fresh=False).",
    )
    r = client.get("/api/perfil", headers=bearer(nuevo)).espera(200)
    if r.espera_json() != ana:
        raise Desajuste(json.dumps(ana, ensure_ascii=False), json.dumps(r.json, ensure_ascii=False), f"en {r.peticion}")


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_un_access_token_no_sirve_para_refrescar(client):
    """POST /auth/refresh rechaza (401 o 422) un access token y la falta de token."""
    _, acceso, refresh = cuenta(client)
    espera_rechazo(
        client.post("/auth/refresh", headers=bearer(acceso)),
        "un access token",
        "Con @jwt_required() la ruta acepta access tokens: usa @jwt_required(refresh=True).",
    )
    espera_rechazo(client.post("/auth/refresh"), "una petición sin token", PISTA_REFRESH)
    refrescar(client, refresh)  # el refresh token sí sirve


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_un_refresh_token_no_abre_la_api(client):
    """Un refresh token se rechaza (401 o 422) en el perfil, en las rutas de escritura y en las operaciones sensibles."""
    _, acceso, refresh = cuenta(client)
    articulo = client.post("/api/articulos", json={"titulo": "Hola"}, headers=bearer(acceso)).espera(201).espera_json()
    ruta = f"/api/articulos/{articulo['id']}"
    peticiones = [
        ("GET", "/api/perfil", None),
        ("POST", "/api/articulos", {"titulo": "Intruso"}),
        ("PATCH", ruta, {"titulo": "Intruso"}),
        ("DELETE", ruta, None),
        ("POST", "/api/perfil/password", {"password_actual": ANA["password"], "password_nueva": "x" * 10}),
        ("DELETE", "/api/perfil", None),
    ]
    for metodo, destino, cuerpo in peticiones:
        kw = {"json": cuerpo} if cuerpo is not None else {}
        espera_rechazo(client.peticion(metodo, destino, headers=bearer(refresh), **kw), "un refresh token", PISTA_TIPO)
    if not login_funciona(client, ANA, ANA["password"]):
        raise Fallo("Con un refresh token se cambió la contraseña o se borró la cuenta.", ayuda=PISTA_TIPO)


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_tras_caducar_se_refresca_y_se_sigue(crear_app):
    """Con el access token caducado GET /api/perfil da 401; se refresca y el access token nuevo sí entra."""
    caduca_ya = Cliente(crear_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)))
    ana, acceso, refresh = cuenta(caduca_ya)
    caduca_ya.get("/api/perfil", headers=bearer(acceso)).espera(
        401, ayuda="La caducidad del access token sale de JWT_ACCESS_TOKEN_EXPIRES (aquí, −1 segundo)."
    )
    client = Cliente(crear_app())  # la misma app y la misma base de datos, con la caducidad normal
    nuevo = refrescar(client, refresh)["access_token"]
    r = client.get("/api/perfil", headers=bearer(nuevo)).espera(200)
    if r.espera_json() != ana:
        raise Desajuste(json.dumps(ana, ensure_ascii=False), json.dumps(r.json, ensure_ascii=False), f"en {r.peticion}")


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_un_refresh_token_caducado_da_401(crear_app):
    """Con JWT_REFRESH_TOKEN_EXPIRES negativo el refresh token del inicio de sesión ya ha caducado: /auth/refresh responde 401."""
    client = Cliente(crear_app(JWT_REFRESH_TOKEN_EXPIRES=timedelta(seconds=-1)))
    _, _, refresh = cuenta(client)
    client.post("/auth/refresh", headers=bearer(refresh)).espera(
        401, ayuda="No fijes la caducidad en create_refresh_token: usa JWT_REFRESH_TOKEN_EXPIRES."
    )


# ── Tarea 3: claims que sobreviven al refresco ───────────────────────────────


@comprobacion(tarea=3, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_los_claims_sobreviven_al_refresh(client):
    """El access token del inicio de sesión y el de /auth/refresh llevan el claim "nombre" del usuario, y no su email."""
    _, acceso, refresh = cuenta(client)
    nuevo = refrescar(client, refresh)["access_token"]
    pista = (
        "Si pones additional_claims solo en el inicio de sesión, el token refrescado los pierde (el fallo de la semilla). "
        "Regístralos en un solo sitio: JWTManager(app).additional_claims_loader(claims_del_usuario)."
    )
    for token, descripcion in ((acceso, "access_token del inicio de sesión"), (nuevo, "access_token de /auth/refresh")):
        datos = abrir(client.app, token, descripcion)
        espera_claim(datos, "nombre", ANA["nombre"], descripcion, pista)
        if ANA["email"] in json.dumps(datos):
            raise Fallo(
                f"El {descripcion} lleva el email del usuario: la carga la lee cualquiera que vea el token.",
                ayuda='Devuelve solo {"nombre": …} en claims_del_usuario: el email es un dato personal y '
                "la API lo encuentra con el sub (lección 03).",
            )


@comprobacion(tarea=3, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_los_claims_salen_del_usuario(client, base_de_datos):
    """Si el nombre del usuario cambia en la base de datos, el access token del siguiente refresco lleva el nombre nuevo."""
    ana, _, refresh = cuenta(client)
    base_de_datos.escribir(client.app, "UPDATE usuario SET nombre = ? WHERE id = ?", "Ana María", ana["id"])
    nuevo = refrescar(client, refresh)["access_token"]
    espera_claim(
        abrir(client.app, nuevo, "access_token de /auth/refresh"),
        "nombre",
        "Ana María",
        "access_token de /auth/refresh tras cambiar el nombre en la base de datos",
        "No copies los claims del refresh token: léelos del usuario en claims_del_usuario(identidad).",
    )


# ── Tarea 4: operaciones sensibles con un token fresco ───────────────────────


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_cambiar_la_contrasena_con_un_token_fresco(client):
    """Con el token del inicio de sesión, POST /api/perfil/password responde 204: la contraseña nueva entra y la vieja no."""
    _, acceso, _ = cuenta(client)
    nueva = "contraseña-nueva-de-ana"
    client.post(
        "/api/perfil/password",
        json={"password_actual": ANA["password"], "password_nueva": nueva},
        headers=bearer(acceso),
    ).espera(204, ayuda='Comprueba la actual con bcrypt.checkpw, guarda hash_de_password(nueva) y responde "", 204.')
    if not login_funciona(client, ANA, nueva):
        raise Fallo("Tras cambiar la contraseña, iniciar sesión con la nueva no funciona.")
    if login_funciona(client, ANA, ANA["password"]):
        raise Fallo("Tras cambiar la contraseña, la vieja sigue sirviendo para iniciar sesión.")


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_las_operaciones_sensibles_exigen_un_token_fresco(client):
    """Con un token refrescado (no fresco), cambiar la contraseña y borrar la cuenta responden 401 sin cambiar nada."""
    _, _, refresh = cuenta(client)
    refrescado = refrescar(client, refresh)["access_token"]
    cuerpo = {"password_actual": ANA["password"], "password_nueva": "contraseña-del-ladron"}
    for metodo, ruta, kw in (("POST", "/api/perfil/password", {"json": cuerpo}), ("DELETE", "/api/perfil", {})):
        client.peticion(metodo, ruta, headers=bearer(refrescado), **kw).espera(
            401, ayuda=FRESCO + ' La biblioteca responde 401 {"msg": "Fresh token required"}.'
        )
    if not login_funciona(client, ANA, ANA["password"]):
        raise Fallo("Con un token no fresco se cambió la contraseña o se borró la cuenta.", ayuda=FRESCO)


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_cambiar_la_contrasena_valida_los_datos(client):
    """Cuerpos malos y contraseñas nuevas no válidas reciben 400; una contraseña actual equivocada, 401; nada cambia."""
    _, acceso, _ = cuenta(client)
    cabeceras = bearer(acceso)
    buena = {"password_actual": ANA["password"], "password_nueva": "contraseña-nueva"}
    malos = [
        None,
        [],
        "texto",
        {},
        {"password_nueva": "contraseña-nueva"},
        {"password_actual": ANA["password"]},
        {**buena, "password_actual": 12345678},
        {**buena, "password_nueva": 12345678},
        {**buena, "password_nueva": "corta"},
        {**buena, "password_nueva": "ñ" * 37},
        {**buena, "password_actual": "x" * 73},
    ]
    for cuerpo in malos:
        client.post("/api/perfil/password", json=cuerpo, headers=cabeceras).espera_error(
            400, ayuda="Valida el cuerpo como en el registro (texto, 8 caracteres, 72 bytes) antes de llamar a bcrypt."
        )
    client.post("/api/perfil/password", data="x", content_type="text/plain", headers=cabeceras).espera_error(400)
    client.post(
        "/api/perfil/password", json={**buena, "password_actual": "no-es-la-actual"}, headers=cabeceras
    ).espera_error(
        401, ayuda="Comprueba password_actual con bcrypt.checkpw; si no coincide, responde 401 y no cambies nada."
    )
    if not login_funciona(client, ANA, ANA["password"]):
        raise Fallo("Una petición rechazada cambió la contraseña.")


@comprobacion(tarea=4, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_borrar_la_cuenta(client, base_de_datos):
    """DELETE /api/perfil con un token fresco responde 204 y borra al usuario y sus artículos; su refresh token ya no vale."""
    _, de_ana, refresh = cuenta(client)
    _, de_bea, _ = cuenta(client, BEA)
    publicado = (
        client.post("/api/articulos", json={"titulo": "De Ana", "publicado": True}, headers=bearer(de_ana))
        .espera(201)
        .espera_json()
    )
    borrador = (
        client.post("/api/articulos", json={"titulo": "Borrador de Ana"}, headers=bearer(de_ana))
        .espera(201)
        .espera_json()
    )
    de_bea_art = (
        client.post("/api/articulos", json={"titulo": "De Bea", "publicado": True}, headers=bearer(de_bea))
        .espera(201)
        .espera_json()
    )
    client.delete("/api/perfil", headers=bearer(de_ana)).espera(204)
    if login_funciona(client, ANA, ANA["password"]):
        raise Fallo("Tras DELETE /api/perfil, Ana todavía puede iniciar sesión.")
    ids = {a["id"] for a in [publicado, borrador]}
    quedan = {fila[0] for fila in base_de_datos.leer(client.app, "SELECT id FROM articulo")}
    if ids & quedan:
        raise Fallo(
            f"Tras borrar la cuenta siguen en la base de datos los artículos {sorted(ids & quedan)} de Ana.",
            ayuda="Borra también sus artículos: db.delete(Articulo).where(Articulo.autor_id == usuario.id).",
        )
    if de_bea_art["id"] not in quedan:
        raise Fallo("Al borrar la cuenta de Ana se borró también un artículo de Bea.")
    client.post("/auth/refresh", headers=bearer(refresh)).espera_error(
        401, ayuda="En /auth/refresh, si el usuario del token ya no existe, responde 401 (no crees un token)."
    )


# ── Tarea 5 (extra): rotación ────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_con_rotacion_el_refresh_devuelve_otro_refresh_token(crear_app):
    """Con ROTAR_REFRESH_TOKENS=True, /auth/refresh devuelve también un refresh_token nuevo, y ese sirve para refrescar."""
    client = Cliente(crear_app(ROTAR_REFRESH_TOKENS=True))
    ana, _, refresh = cuenta(client)
    cuerpo = refrescar(client, refresh, rotacion=True)
    datos = abrir(client.app, cuerpo["refresh_token"], "refresh_token de /auth/refresh")
    espera_claim(datos, "type", "refresh", "refresh_token de /auth/refresh")
    espera_claim(datos, "sub", str(ana["id"]), "refresh_token de /auth/refresh")
    if datos.get("jti") == abrir(client.app, refresh, "refresh_token del inicio de sesión").get("jti"):
        raise Fallo("/auth/refresh devolvió el mismo refresh token: con rotación debe ser uno nuevo.")
    segundo = refrescar(client, cuerpo["refresh_token"], rotacion=True)
    client.get("/api/perfil", headers=bearer(segundo["access_token"])).espera(200)


@comprobacion(tarea=5, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_con_rotacion_un_refresh_token_usado_se_rechaza(crear_app):
    """Con ROTAR_REFRESH_TOKENS=True, volver a usar un refresh token ya canjeado responde 401."""
    client = Cliente(crear_app(ROTAR_REFRESH_TOKENS=True))
    _, _, refresh = cuenta(client)
    refrescar(client, refresh, rotacion=True)
    client.post("/auth/refresh", headers=bearer(refresh)).espera_error(
        401, ayuda="Guarda el jti de cada refresh token canjeado (tabla RefreshUsado) y rechaza el que ya esté."
    )
    client2 = Cliente(crear_app(ROTAR_REFRESH_TOKENS=True))  # tras reiniciar, el jti usado sigue anotado
    client2.post("/auth/refresh", headers=bearer(refresh)).espera_error(
        401, ayuda="Los jti usados se guardan en la base de datos, no en memoria: sobreviven a un reinicio."
    )


# ── Tarea 2: un refresh token de otra app ────────────────────────────────────

OTRA_APP = {"iss": "taller-flask-jwt/leccion-02", "aud": "taller-flask-jwt/leccion-02/api"}  # la del login
PISTA_EMISOR = (
    "No quites JWT_DECODE_ISSUER ni JWT_DECODE_AUDIENCE de la configuración (emisor_y_audiencia en "
    "api/config.py): sin ellos, cualquier app que comparta la clave abre la tuya (RFC 8725, 3.8 y 3.9)."
)


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_un_refresh_token_de_otra_app_se_rechaza(client):
    """POST /auth/refresh rechaza (401 o 422) un refresh token bien firmado con el iss y el aud de otra app."""
    _, _, refresh = cuenta(client)
    casos = {
        "de otra app (iss y aud de la lección 02)": (OTRA_APP, PISTA_EMISOR),
        "sin iss ni aud": ({"iss": None, "aud": None}, PISTA_EMISOR),
        "con el iss de la app pero el aud de otra": (
            {"aud": OTRA_APP["aud"]},
            "Comprueba también el aud: JWT_DECODE_AUDIENCE.",
        ),
    }
    for descripcion, (cambios, pista) in casos.items():
        r = client.post("/auth/refresh", headers=bearer(reemitir(client.app, refresh, **cambios)))
        if r.estado not in (401, 422):
            raise Desajuste(
                f"401 o 422 con un refresh token {descripcion}",
                f"{r.estado} ({r.contenido()})",
                f"en {r.peticion}",
                pista,
            )
    refrescar(client, refresh)  # el suyo sí vale


# ── Tarea 6: lo de lecciones anteriores sigue funcionando ────────────────────


@comprobacion(tarea=6, puntos=1)
def test_anteriores_escribir_sin_token_da_401(client):
    """Lo de antes: sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista) y la lista da 200."""
    anteriores.escribir_sin_token_da_401(client)


@comprobacion(tarea=6, puntos=1)
def test_anteriores_registro_login_y_perfil(client):
    """Lo de antes: registro, inicio de sesión, perfil y, con el token, el CRUD de artículos (201 con Location… 204)."""
    anteriores.registro_login_y_perfil(client)
