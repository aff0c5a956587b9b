"""Comprobaciones de la lección 06: roles admin, editor y usuario; claims; cambios de rol que surten efecto al instante."""

import secrets
import uuid

import jwt

from taller import anteriores
from taller.comprobaciones import Desajuste, Fallo, bearer, comprobacion, iniciar_sesion, reemitir

TAREAS = {
    1: "El rol: en el modelo, en el registro y en el token",
    2: "El primer admin, con la orden crear-admin",
    3: "rol_requerido y la administración de usuarios",
    4: "Los artículos según el rol",
    5: "Los cambios de rol surten efecto al instante (y nunca sin admin)",
    6: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}  # usuario
EVA = {"email": "eva@example.com", "password": "contraseña-de-eva", "nombre": "Eva"}  # editora
ELI = {"email": "eli@example.com", "password": "contraseña-de-eli", "nombre": "Eli"}  # otra editora
ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}  # admin (orden crear-admin)
AXEL = {"email": "axel@example.com", "password": "contraseña-de-axel", "nombre": "Axel"}  # otro admin
PARA_EMPEZAR = "El registro y el inicio de sesión vienen hechos de la lección 05."
PISTA_CLI = (
    'Escribe la orden crear-admin: con un email nuevo crea el usuario (--nombre, --password) con rol "admin"; '
    'con uno que ya existe, le da el rol "admin".'
)
PISTA_DECORADOR = (
    "rol_requerido(*roles): verify_jwt_in_request() (sin token: 401) y, si current_user.rol no está en "
    'roles, 403 con {"error": "…"}, en api/permisos.py. Ponlo debajo de @bp.get/@bp.post.'
)
PISTA_AL_INSTANTE = (
    "Decide con el rol de la base de datos (current_user, cargado en cada petición por el "
    "user_lookup_loader), no con el claim «rol» del token: el token es una foto del momento del inicio de sesión."
)


# ── Ayudantes ────────────────────────────────────────────────────────────────


def registrar(client, usuario=ANA):
    return client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR).espera_json()


def entrar(client, usuario=ANA):
    """Un inicio de sesión de ``usuario`` (que ya existe): ``(access_token, refresh_token)``."""
    return iniciar_sesion(client, usuario, PARA_EMPEZAR)


def crear_admin(app, usuario=ADA):
    """Crea un admin con la orden ``flask crear-admin`` (la de la tarea 2), como haría quien instala la app."""
    resultado = app.test_cli_runner().invoke(
        args=["crear-admin", usuario["email"], "--nombre", usuario["nombre"], "--password", usuario["password"]]
    )
    if resultado.exit_code != 0:
        salida = (resultado.output or "").strip() or repr(resultado.exception)
        raise Desajuste(
            "que «flask crear-admin EMAIL --nombre … --password …» termine bien (código 0)",
            f"el código {resultado.exit_code} con la salida {salida[:200]!r}",
            None,
            PISTA_CLI,
        )


def id_de(client, token):
    return client.get("/api/perfil", headers=bearer(token)).espera(200).espera_json()["id"]


def cambiar_rol(client, token_admin, usuario_id, rol, estado=200, ayuda=None):
    r = client.patch(f"/api/admin/usuarios/{usuario_id}", headers=bearer(token_admin), json={"rol": rol})
    return r.espera(estado, ayuda=ayuda)


def abrir(token):
    """Los claims de un token sin verificar la firma: cualquiera puede leerlos."""
    return jwt.decode(token, options={"verify_signature": False})


def escenario(client):
    """Ada (admin), Eva (editora), Eli (editora) y Ana (usuario), con sus access tokens."""
    crear_admin(client.app)
    for persona in (EVA, ELI, ANA):
        registrar(client, persona)
    ada, _ = entrar(client, ADA)
    tokens = {"admin": ada}
    for persona, rol in ((EVA, "editor"), (ELI, "editor")):
        acceso, _ = entrar(client, persona)
        cambiar_rol(
            client,
            ada,
            id_de(client, acceso),
            rol,
            ayuda='PATCH /api/admin/usuarios/<id> con {"rol": "editor"} debe responder 200.',
        )
    tokens["editor"], _ = entrar(client, EVA)
    tokens["otro_editor"], _ = entrar(client, ELI)
    tokens["usuario"], _ = entrar(client, ANA)
    return tokens


def publicar(client, token, titulo):
    r = client.post("/api/articulos", headers=bearer(token), json={"titulo": titulo, "publicado": True})
    return r.espera(201, ayuda="Un editor o un admin crea artículos: 201.").espera_json()["id"]


def espera_estado(r, estado, quien, ayuda=None):
    if r.estado != estado:
        raise Desajuste(f"{estado} para {quien}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", ayuda)


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


@comprobacion(tarea=None, puntos=0)
def test_para_empezar_registro_y_login(client):
    """Para empezar (viene de lecciones anteriores): el registro da 201 y el inicio de sesión, los dos tokens."""
    anteriores.entrar(client, ("access_token", "refresh_token"))


# ── Tarea 1: el rol ──────────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_registro_da_el_rol_usuario(client):
    """El registro responde con "rol": "usuario", y un "rol" en el cuerpo nunca se respeta (400 o se ignora)."""
    cuerpo = registrar(client)
    if not isinstance(cuerpo, dict) or cuerpo.get("rol") != "usuario":
        raise Desajuste(
            '"rol": "usuario" en la respuesta del registro',
            str(cuerpo),
            None,
            'Añade la columna rol (por defecto "usuario") al modelo Usuario y el rol a a_dict().',
        )
    r = client.post("/auth/registro", json={**EVA, "rol": "admin"})
    if r.estado == 201 and (r.json or {}).get("rol") == "usuario":
        return
    if r.estado == 400:
        r.espera_error(400)
        return
    raise Desajuste(
        '400, o 201 con "rol": "usuario"',
        f"{r.estado} ({r.contenido()})",
        f"en {r.peticion}",
        "Nadie elige su propio rol: si el cuerpo trae «rol», recházalo o ignóralo.",
    )


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_el_token_y_el_perfil_llevan_el_rol(client):
    """El access token del inicio de sesión lleva el claim "rol" y GET /api/perfil devuelve el rol."""
    registrar(client)
    acceso, _ = entrar(client)
    pista = 'Añade "rol" en claims_con_rol (api/permisos.py): es el additional_claims_loader de todos los tokens.'
    if abrir(acceso).get("rol") != "usuario":
        raise Desajuste('el claim "rol": "usuario" en el access token', f"los claims {abrir(acceso)}", None, pista)
    perfil = client.get("/api/perfil", headers=bearer(acceso)).espera(200).espera_json()
    if perfil.get("rol") != "usuario":
        raise Desajuste('"rol": "usuario" en GET /api/perfil', str(perfil), None, "Añade el rol a a_dict().")


@comprobacion(tarea=1, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_el_rol_sobrevive_al_refresco(client):
    """El access token que da POST /auth/refresh también lleva el claim "rol" (la semilla lo perdía)."""
    registrar(client)
    _, refresh = entrar(client)
    cuerpo = client.post("/auth/refresh", headers=bearer(refresh)).espera(200).espera_json()
    claims = abrir(cuerpo["access_token"])
    if claims.get("rol") != "usuario":
        raise Desajuste(
            'el claim "rol": "usuario" en el access token del refresco',
            f"los claims {claims}",
            None,
            "Pon el rol en el additional_claims_loader (claims_con_rol), no solo en el inicio de sesión: así lo lleva todo token.",
        )


# ── Tarea 2: crear-admin ─────────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=2, depende_de=test_para_empezar_registro_y_login)
def test_crear_admin_crea_un_administrador(client):
    """«flask crear-admin EMAIL --nombre … --password …» crea un usuario con rol admin que puede iniciar sesión."""
    crear_admin(client.app)
    acceso, _ = entrar(client, ADA)
    perfil = client.get("/api/perfil", headers=bearer(acceso)).espera(200).espera_json()
    if perfil.get("rol") != "admin" or perfil.get("email") != ADA["email"]:
        raise Desajuste(f'el perfil de {ADA["email"]} con "rol": "admin"', str(perfil), "tras crear-admin", PISTA_CLI)


@comprobacion(tarea=2, puntos=1, depende_de=test_para_empezar_registro_y_login)
def test_crear_admin_asciende_a_un_usuario_registrado(client):
    """Con el email de un usuario ya registrado, crear-admin le da el rol admin (y su contraseña sigue valiendo)."""
    registrar(client, ADA)
    resultado = client.app.test_cli_runner().invoke(args=["crear-admin", ADA["email"]])
    if resultado.exit_code != 0:
        raise Desajuste(
            "el código 0",
            f"{resultado.exit_code} con {(resultado.output or '').strip()[:200]!r}",
            f"en «flask crear-admin {ADA['email']}» con un usuario que ya existe",
            PISTA_CLI,
        )
    acceso, _ = entrar(client, ADA)
    perfil = client.get("/api/perfil", headers=bearer(acceso)).espera(200).espera_json()
    if perfil.get("rol") != "admin":
        raise Desajuste('"rol": "admin"', str(perfil), "en el perfil del usuario ascendido", PISTA_CLI)


# ── Tarea 3: rol_requerido y la administración de usuarios ───────────────────


@comprobacion(tarea=3, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_admin_lista_los_usuarios_con_su_rol(client):
    """GET /api/admin/usuarios (admin) responde 200 con todos los usuarios, su rol y nunca el hash."""
    crear_admin(client.app)
    registrar(client, ANA)
    acceso, _ = entrar(client, ADA)
    lista = client.get("/api/admin/usuarios", headers=bearer(acceso)).espera(200, ayuda=PISTA_DECORADOR).espera_json()
    if not isinstance(lista, list) or len(lista) != 2:
        raise Desajuste("una lista JSON con los 2 usuarios", str(lista)[:300], "en GET /api/admin/usuarios")
    roles = {u.get("email"): u.get("rol") for u in lista if isinstance(u, dict)}
    if roles != {ADA["email"]: "admin", ANA["email"]: "usuario"}:
        raise Desajuste(
            f'{{"{ADA["email"]}": "admin", "{ANA["email"]}": "usuario"}}', str(roles), "como email → rol en la lista"
        )
    for usuario in lista:
        sobra = [c for c in usuario if "password" in c or "hash" in c]
        texto = str(usuario)
        if sobra or "$2b$" in texto:
            raise Fallo(
                f"La lista de usuarios enseña el hash de la contraseña ({sobra or '$2b$…'}).",
                "Devuelve usuario.a_dict(), que nunca lleva el hash.",
            )


@comprobacion(tarea=3, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_las_rutas_de_admin_piden_token_y_rol(client):
    """Sin token, /api/admin/usuarios da 401; con el token de un usuario o de un editor, 403 (en GET y en PATCH)."""
    tokens = escenario(client)
    otro = id_de(client, tokens["usuario"])
    for metodo, cuerpo in (("GET", None), ("PATCH", {"rol": "admin"})):
        ruta = "/api/admin/usuarios" if metodo == "GET" else f"/api/admin/usuarios/{otro}"
        extra = {"json": cuerpo} if cuerpo else {}
        espera_estado(
            client.peticion(metodo, ruta, **extra),
            401,
            "una petición sin token",
            "Sin token la pregunta es «¿quién eres?»: 401 (verify_jwt_in_request lo hace), no 403.",
        )
        for rol in ("usuario", "editor"):
            r = client.peticion(metodo, ruta, headers=bearer(tokens[rol]), **extra)
            espera_estado(r, 403, f"el token de un {rol}", "Con token pero sin el rol, «no puedes»: 403.")
            r.espera_error(403)
    perfil = client.get("/api/perfil", headers=bearer(tokens["usuario"])).espera(200).espera_json()
    if perfil.get("rol") != "usuario":
        raise Fallo(f"Un PATCH rechazado con 403 ha cambiado el rol: ahora es {perfil.get('rol')!r}.")


@comprobacion(tarea=3, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_admin_cambia_un_rol(client):
    """PATCH /api/admin/usuarios/<id> {"rol": "editor"} (admin) responde 200 con el usuario y su rol nuevo."""
    crear_admin(client.app)
    registrar(client, EVA)
    ada, _ = entrar(client, ADA)
    eva, _ = entrar(client, EVA)
    eva_id = id_de(client, eva)
    cuerpo = cambiar_rol(client, ada, eva_id, "editor", ayuda=PISTA_DECORADOR).espera_json()
    if not isinstance(cuerpo, dict) or cuerpo.get("rol") != "editor" or cuerpo.get("id") != eva_id:
        raise Desajuste(f'el usuario {eva_id} con "rol": "editor"', str(cuerpo), "en la respuesta del PATCH")
    if any("password" in c for c in cuerpo):
        raise Fallo("La respuesta del PATCH enseña la contraseña o su hash.", "Devuelve usuario.a_dict().")
    perfil = client.get("/api/perfil", headers=bearer(eva)).espera(200).espera_json()
    if perfil.get("rol") != "editor":
        raise Desajuste(
            '"rol": "editor"', str(perfil), "en el perfil de Eva tras el cambio", "Guarda el cambio (commit)."
        )


@comprobacion(tarea=3, puntos=1, depende_de=test_crear_admin_crea_un_administrador)
def test_cambiar_rol_valida_el_cuerpo(client):
    """Un rol que no existe, un cuerpo que no es {"rol": …} o un id desconocido dan 400 o 404, no 500."""
    crear_admin(client.app)
    registrar(client, ANA)
    ada, _ = entrar(client, ADA)
    ana_id = id_de(client, entrar(client, ANA)[0])
    ruta = f"/api/admin/usuarios/{ana_id}"
    pista = 'Acepta solo {"rol": "admin" | "editor" | "usuario"}; cualquier otra cosa, 400.'
    for peticion in (
        {"json": {"rol": "superadmin"}},
        {"json": {"rol": "Admin"}},
        {"json": {"rol": 1}},
        {"json": {}},
        {"json": ["admin"]},
        {"json": {"rol": "editor", "email": "x@example.com"}},
        {"data": "rol=admin", "content_type": "application/x-www-form-urlencoded"},
    ):
        client.patch(ruta, headers=bearer(ada), **peticion).espera_error(400, pista)
    client.patch("/api/admin/usuarios/999999", headers=bearer(ada), json={"rol": "editor"}).espera_error(
        404, "Si no existe el usuario, 404 con un mensaje."
    )
    perfil = client.get("/api/perfil", headers=bearer(entrar(client, ANA)[0])).espera(200).espera_json()
    if perfil.get("rol") != "usuario":
        raise Fallo(f"Un PATCH rechazado ha cambiado el rol de Ana a {perfil.get('rol')!r}.")


# ── Tarea 4: los artículos según el rol ──────────────────────────────────────


@comprobacion(tarea=4, puntos=3, depende_de=test_admin_cambia_un_rol)
def test_tabla_de_permisos(client):
    """Cada rol (sin token, usuario, editor, admin) contra cada ruta: el código de la tabla del enunciado."""
    tokens = escenario(client)
    propio = publicar(client, tokens["editor"], "De Eva")
    usuario_id = id_de(client, tokens["usuario"])
    # quien → (POST, PUT propio, PUT ajeno, DELETE ajeno, GET admin, PATCH admin); «propio» = de Eva, la editora.
    tabla = {
        "sin token": (401, 401, 401, 401, 401, 401),
        "usuario": (403, 403, 403, 403, 403, 403),
        "editor": (201, 200, 403, 403, 403, 403),
        "admin": (201, 200, 200, 204, 200, 200),
    }
    for quien, esperados in tabla.items():
        cabeceras = bearer(tokens[quien]) if quien in tokens else {}
        ajeno = publicar(client, tokens["otro_editor"], f"De Eli para {quien}")
        peticiones = (
            ("POST", "/api/articulos", {"titulo": f"De {quien}"}),
            ("PUT", f"/api/articulos/{propio}", {"titulo": "Editado", "publicado": True}),
            ("PUT", f"/api/articulos/{ajeno}", {"titulo": "Editado", "publicado": True}),
            ("DELETE", f"/api/articulos/{ajeno}", None),
            ("GET", "/api/admin/usuarios", None),
            ("PATCH", f"/api/admin/usuarios/{usuario_id}", {"rol": "usuario"}),
        )
        for (metodo, ruta, cuerpo), esperado in zip(peticiones, esperados):
            extra = {"json": cuerpo} if cuerpo is not None else {}
            r = client.peticion(metodo, ruta, headers=cabeceras, **extra)
            espera_estado(
                r,
                esperado,
                quien if quien == "sin token" else f"el token de un {quien}",
                "Mira la tabla de permisos del enunciado: 401 sin token, 403 sin el rol.",
            )


@comprobacion(tarea=4, puntos=2, depende_de=test_admin_cambia_un_rol)
def test_editor_modifica_solo_lo_suyo(client):
    """Un editor edita (PUT) y borra (DELETE) sus artículos, y recibe 403 con los de otro editor."""
    tokens = escenario(client)
    suyo = publicar(client, tokens["editor"], "De Eva")
    ajeno = publicar(client, tokens["otro_editor"], "De Eli")
    pista = "Un editor solo modifica lo suyo: mantén la regla de autoría de la lección 02 (403 si no es el autor)."
    client.put(f"/api/articulos/{ajeno}", headers=bearer(tokens["editor"]), json={"titulo": "Mío"}).espera_error(
        403, pista
    )
    client.delete(f"/api/articulos/{ajeno}", headers=bearer(tokens["editor"])).espera_error(403, pista)
    client.put(
        f"/api/articulos/{suyo}", headers=bearer(tokens["editor"]), json={"titulo": "Editado", "publicado": True}
    ).espera(200)
    client.delete(f"/api/articulos/{suyo}", headers=bearer(tokens["editor"])).espera(204)
    client.get(f"/api/articulos/{ajeno}").espera(200, ayuda="El artículo ajeno no debe haberse borrado.")


@comprobacion(tarea=4, puntos=2, depende_de=test_admin_cambia_un_rol)
def test_admin_modifica_cualquier_articulo(client):
    """Un admin edita y borra el artículo publicado de un editor: 200 y 204."""
    tokens = escenario(client)
    ajeno = publicar(client, tokens["editor"], "De Eva")
    pista = 'En exigir_autor, un usuario con rol "admin" puede con cualquier artículo.'
    r = client.put(
        f"/api/articulos/{ajeno}", headers=bearer(tokens["admin"]), json={"titulo": "Moderado", "publicado": True}
    )
    cuerpo = r.espera(200, ayuda=pista).espera_json()
    if cuerpo.get("titulo") != "Moderado":
        raise Desajuste('"titulo": "Moderado"', str(cuerpo), f"en la respuesta a {r.peticion}")
    client.delete(f"/api/articulos/{ajeno}", headers=bearer(tokens["admin"])).espera(204, ayuda=pista)
    client.get(f"/api/articulos/{ajeno}").espera(404, ayuda="Tras el DELETE del admin, el artículo ya no existe.")


# ── Tarea 5: los cambios de rol, al instante ─────────────────────────────────


@comprobacion(tarea=5, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_degradar_a_un_admin_surte_efecto_al_instante(client):
    """Un admin degradado a usuario pierde sus permisos en la siguiente petición, con el mismo token de antes."""
    crear_admin(client.app)
    crear_admin(client.app, AXEL)
    ada, _ = entrar(client, ADA)
    axel, _ = entrar(client, AXEL)  # su token dice «rol: admin» y vale 15 minutos
    client.get("/api/admin/usuarios", headers=bearer(axel)).espera(200, ayuda=PISTA_DECORADOR)
    cambiar_rol(client, ada, id_de(client, axel), "usuario")
    r = client.get("/api/admin/usuarios", headers=bearer(axel))
    if r.estado == 200:
        raise Desajuste(
            "403 (o 401)", "200", f"en {r.peticion} con el token de un admin ya degradado", PISTA_AL_INSTANTE
        )
    r.espera(403, 401)
    r = client.post("/api/articulos", headers=bearer(axel), json={"titulo": "Aún puedo"})
    if r.estado == 201:
        raise Desajuste(
            "403 (o 401)", "201", f"en {r.peticion} con el token de un admin ya degradado", PISTA_AL_INSTANTE
        )


@comprobacion(tarea=5, puntos=1, depende_de=test_admin_cambia_un_rol)
def test_degradar_a_un_editor_surte_efecto_al_instante(client):
    """Un editor degradado a usuario ya no crea ni edita artículos (ni los suyos) con el token de antes."""
    tokens = escenario(client)
    suyo = publicar(client, tokens["editor"], "De Eva")
    cambiar_rol(client, tokens["admin"], id_de(client, tokens["editor"]), "usuario")
    for metodo, ruta, cuerpo in (
        ("POST", "/api/articulos", {"titulo": "Otro"}),
        ("PUT", f"/api/articulos/{suyo}", {"titulo": "Cambiado", "publicado": True}),
    ):
        r = client.peticion(metodo, ruta, headers=bearer(tokens["editor"]), json=cuerpo)
        if r.estado not in (401, 403):
            raise Desajuste(
                "403 (o 401)",
                f"{r.estado} ({r.contenido()})",
                f"en {r.peticion} con el token de una editora ya degradada",
                PISTA_AL_INSTANTE,
            )


@comprobacion(tarea=5, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_no_se_confia_en_el_claim_rol(client):
    """Un token bien firmado cuyo claim dice "rol": "admin" no da permisos a quien en la base de datos es usuario."""
    crear_admin(client.app)
    registrar(client, ANA)
    ada, _ = entrar(client, ADA)
    client.get("/api/admin/usuarios", headers=bearer(ada)).espera(200, ayuda=PISTA_DECORADOR)
    de_ana, _ = entrar(client, ANA)
    # Firmado con la clave de la app: por ejemplo, emitido antes de un cambio de rol, o por otro servicio que la comparte.
    token = reemitir(client.app, de_ana, rol="admin", jti=str(uuid.uuid4()))  # solo cambia el rol
    for metodo, ruta, cuerpo in (("GET", "/api/admin/usuarios", None), ("POST", "/api/articulos", {"titulo": "Hola"})):
        r = client.peticion(metodo, ruta, headers=bearer(token), **({"json": cuerpo} if cuerpo else {}))
        if r.estado != 403:
            raise Desajuste(
                "403",
                f"{r.estado} ({r.contenido()})",
                f'en {r.peticion} con un token de Ana (rol «usuario» en la base de datos) que dice "rol": "admin"',
                PISTA_AL_INSTANTE,
            )


@comprobacion(tarea=5, puntos=1, depende_de=test_crear_admin_crea_un_administrador)
def test_un_rol_falsificado_con_otra_clave_se_rechaza(client):
    """Un token con "rol": "admin" firmado con otra clave (de 32 bytes) se rechaza con 401 o 422; el del admin entra."""
    crear_admin(client.app)
    ada, _ = entrar(client, ADA)
    client.get("/api/admin/usuarios", headers=bearer(ada)).espera(200, ayuda=PISTA_DECORADOR)
    claims = abrir(ada)  # los claims de un admin de verdad, leídos sin la clave…
    falso = jwt.encode({**claims, "jti": str(uuid.uuid4())}, secrets.token_hex(32), algorithm="HS256")  # …y otra firma
    r = client.get("/api/admin/usuarios", headers=bearer(falso))
    if r.estado not in (401, 422):
        raise Desajuste(
            "401 o 422",
            f"{r.estado} ({r.contenido()})",
            f"en {r.peticion} con un token firmado con otra clave",
            "No decodifiques el token a mano: deja que verify_jwt_in_request compruebe la firma.",
        )


@comprobacion(tarea=5, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_token_de_usuario_borrado_da_401(client):
    """El token de un usuario que borró su cuenta recibe 401 (no 403 ni 500) en el perfil, los artículos y la administración."""
    crear_admin(client.app)
    crear_admin(client.app, AXEL)
    axel, _ = entrar(client, AXEL)  # un token fresco: sirve para borrar la cuenta
    client.get("/api/admin/usuarios", headers=bearer(axel)).espera(200, ayuda=PISTA_DECORADOR)
    client.delete("/api/perfil", headers=bearer(axel)).espera(204, ayuda=PARA_EMPEZAR)
    pista = (
        "Registra un user_lookup_loader que devuelva None si el usuario no existe (y un user_lookup_error_loader "
        "que responda 401 en JSON): nunca un 500 ni un 403."
    )
    for metodo, ruta, cuerpo in (
        ("GET", "/api/perfil", None),
        ("POST", "/api/articulos", {"titulo": "Hola"}),
        ("GET", "/api/admin/usuarios", None),
    ):
        r = client.peticion(metodo, ruta, headers=bearer(axel), **({"json": cuerpo} if cuerpo else {}))
        espera_estado(r, 401, "el token de un usuario borrado", pista)
        r.espera_json(pista)


@comprobacion(tarea=5, puntos=2, depende_de=test_crear_admin_crea_un_administrador)
def test_no_se_puede_degradar_al_ultimo_admin(client):
    """El último administrador no puede perder el rol ni borrar su cuenta (409); con otro admin, sí se puede."""
    crear_admin(client.app)
    ada, _ = entrar(client, ADA)
    ada_id = id_de(client, ada)
    pista = (
        'Antes de quitar el rol "admin", cuenta los admins: si es el último, 409 '
        '{"error": "…"} y no cambies nada (si no, nadie podría volver a administrar sin la consola).'
    )
    cambiar_rol(client, ada, ada_id, "editor", estado=409, ayuda=pista).espera_error(409, pista)
    client.get("/api/admin/usuarios", headers=bearer(ada)).espera(200, ayuda="Ada sigue siendo admin tras el 409.")
    client.delete("/api/perfil", headers=bearer(ada)).espera_error(
        409, "Borrar su cuenta también dejaría la API sin admin: en DELETE /api/perfil, si es el último admin, 409."
    )
    client.get("/api/admin/usuarios", headers=bearer(ada)).espera(200, ayuda="Ada sigue existiendo tras el 409.")
    crear_admin(client.app, AXEL)
    cuerpo = cambiar_rol(
        client, ada, ada_id, "editor", ayuda="Con otro admin, degradarse sí está permitido: 200."
    ).espera_json()
    if cuerpo.get("rol") != "editor":
        raise Desajuste('"rol": "editor"', str(cuerpo), "al degradar a un admin que no es el último")


# ── Tarea 6: lo de lecciones anteriores sigue funcionando ─────────────────────


@comprobacion(tarea=6, puntos=1)
def test_anteriores_escribir_sin_token_da_401(client):
    """Lo de antes: sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista) y la lista da 200."""
    anteriores.escribir_sin_token_da_401(client)


@comprobacion(tarea=6, puntos=1)
def test_anteriores_registro_login_perfil_y_refresco(client):
    """Lo de antes: registro, inicio de sesión, perfil y refresco funcionan; un access token no sirve en /auth/refresh y ningún token lleva el email."""
    anteriores.registro_login_perfil_y_refresco(client)


# ── Tarea 3: el token de un admin de otra app no es admin aquí ───────────────

OTRA_APP = {"iss": "taller-flask-jwt/leccion-02", "aud": "taller-flask-jwt/leccion-02/api"}  # la del login


@comprobacion(tarea=3, puntos=1, depende_de=test_crear_admin_crea_un_administrador)
def test_un_token_de_otra_app_se_rechaza(client):
    """El token de un admin con el iss y el aud de otra app (o sin ellos) recibe 401 o 422 en /api/admin/usuarios."""
    crear_admin(client.app)
    ada, _ = entrar(client, ADA)
    client.get("/api/admin/usuarios", headers=bearer(ada)).espera(200, ayuda=PISTA_DECORADOR)
    pista = (
        "JWT_DECODE_ISSUER y JWT_DECODE_AUDIENCE (emisor_y_audiencia en api/config.py): sin ellos, el usuario 1 "
        "de otra app que comparte la clave es el admin 1 de esta (RFC 8725, 3.8 y 3.9)."
    )
    for descripcion, cambios in (
        ("de otra app (iss y aud de la lección 02)", OTRA_APP),
        ("sin iss ni aud", {"iss": None, "aud": None}),
    ):
        falso = reemitir(client.app, ada, **cambios, jti=str(uuid.uuid4()))
        r = client.get("/api/admin/usuarios", headers=bearer(falso))
        if r.estado not in (401, 422):
            raise Desajuste(
                f"401 o 422 con un token {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", pista
            )
