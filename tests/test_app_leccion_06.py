"""La app de demostración de la lección 06 (``lessons/06_roles/app.py``): roles, claims y los dos remedios.

Cada caso comprueba el estado y el JSON exactos: el decorador de varios roles, 401 frente
a 403, el claim ``rol`` que sobrevive al refresco, el admin degradado que conserva sus
permisos con ``ROL_DESDE=token`` y los dos remedios (leer el rol en cada petición, o
cerrar sus sesiones al cambiarle el rol), el último admin, el usuario borrado (401, no
500) y la orden ``crear-admin``.
"""

import secrets
import time
import uuid

import jwt
import pytest
from conftest import cargar_app, config_de_prueba, modulo_de

from taller.comprobaciones import bearer

APP_LECCION_06 = "lessons/06_roles/app.py"
ADA = {"email": "ada@example.com", "password": "contraseña-de-ada", "nombre": "Ada"}
EVA = {"email": "eva@example.com", "password": "contraseña-de-eva", "nombre": "Eva"}
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}
AXEL = {"email": "axel@example.com", "password": "contraseña-de-axel", "nombre": "Axel"}
SIN_PERMISO_ADMIN = {"error": "No tienes permiso: hace falta el rol admin."}
SIN_PERMISO_EDITOR = {"error": "No tienes permiso: hace falta el rol editor o admin."}
ULTIMO_ADMIN = {"error": "No se puede quitar el rol de admin al último administrador: nombra antes a otro."}
SIN_TOKEN = {"msg": "Missing Authorization Header"}
REVOCADO = {"msg": "Token has been revoked"}


def emisor_y_audiencia(app):
    """El ``iss`` y el ``aud`` de los tokens de ``app``: un token firmado a mano que la app debe tomar por suyo."""
    return {"iss": app.config["JWT_ENCODE_ISSUER"], "aud": app.config["JWT_ENCODE_AUDIENCE"]}


def crear(tmp_path, **cambios):
    config = config_de_prueba(tmp_path, "roles.sqlite", **cambios)
    return cargar_app(APP_LECCION_06)(config)


@pytest.fixture
def app_06(tmp_path):
    return crear(tmp_path)


@pytest.fixture
def client_06(app_06):
    return app_06.test_client()


def crear_admin(app, persona=ADA):
    resultado = app.test_cli_runner().invoke(
        args=["crear-admin", persona["email"], "--nombre", persona["nombre"], "--password", persona["password"]]
    )
    assert resultado.exit_code == 0, resultado.output
    return resultado.output


def entrar(client, persona):
    r = client.post("/auth/login", json={"email": persona["email"], "password": persona["password"]})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"], r.get_json()["refresh_token"]


def registrar(client, persona):
    r = client.post("/auth/registro", json=persona)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def tres_usuarios(app, client):
    """Ada (admin, por la orden), Eva (editora, por Ada) y Ana (usuario): sus tokens."""
    crear_admin(app)
    eva_id = registrar(client, EVA)
    registrar(client, ANA)
    ada, _ = entrar(client, ADA)
    assert client.patch(f"/api/admin/usuarios/{eva_id}", headers=bearer(ada), json={"rol": "editor"}).status_code == 200
    return {"admin": ada, "editor": entrar(client, EVA)[0], "usuario": entrar(client, ANA)[0]}


# --- El decorador: varios roles, 401 frente a 403 ------------------------------------


@pytest.mark.parametrize(
    ("quien", "ruta", "estado", "cuerpo"),
    [
        ("nadie", "/editor/articulos", 401, SIN_TOKEN),
        ("nadie", "/admin/panel", 401, SIN_TOKEN),
        ("usuario", "/editor/articulos", 403, SIN_PERMISO_EDITOR),
        ("usuario", "/admin/panel", 403, SIN_PERMISO_ADMIN),
        (
            "editor",
            "/editor/articulos",
            200,
            {"articulos": "Aquí, los artículos que puedes editar.", "tu_rol": "editor"},
        ),
        ("editor", "/admin/panel", 403, SIN_PERMISO_ADMIN),
        ("editor", "/api/admin/usuarios", 403, SIN_PERMISO_ADMIN),
        ("admin", "/editor/articulos", 200, {"articulos": "Aquí, los artículos que puedes editar.", "tu_rol": "admin"}),
        ("admin", "/admin/panel", 200, {"panel": "Datos de administración.", "usuarios": 3}),
    ],
    ids=[
        "sin_token_editor",
        "sin_token_admin",
        "usuario_editor",
        "usuario_admin",
        "editor_editor",
        "editor_admin",
        "editor_lista",
        "admin_en_ruta_de_editor",
        "admin_admin",
    ],
)
def test_cada_rol_en_cada_ruta(app_06, client_06, quien, ruta, estado, cuerpo):
    tokens = tres_usuarios(app_06, client_06)
    cabeceras = bearer(tokens[quien]) if quien in tokens else {}
    r = client_06.get(ruta, headers=cabeceras)
    assert (r.status_code, r.get_json()) == (estado, cuerpo)


def test_el_decorador_conserva_el_nombre_de_la_vista(app_06):
    assert app_06.view_functions["panel_editor"].__name__ == "panel_editor"
    assert app_06.view_functions["panel_admin"].__name__ == "panel_admin"


def test_un_rol_con_errata_se_detecta_al_decorar():
    modulo = modulo_de(cargar_app(APP_LECCION_06))
    with pytest.raises(ValueError, match="rol_requerido necesita roles"):
        modulo.rol_requerido("amdin")


# --- Los claims ---------------------------------------------------------------------


def test_el_token_lleva_rol_y_nombre_y_los_conserva_al_refrescar(app_06, client_06):
    crear_admin(app_06)
    acceso, refresh = entrar(client_06, ADA)
    esperado = {"rol": "admin", "nombre": "Ada", "sub": "1"}
    assert {c: claims(acceso)[c] for c in esperado} == esperado
    nuevo = client_06.post("/auth/refresh", headers=bearer(refresh)).get_json()["access_token"]
    assert {c: claims(nuevo)[c] for c in esperado} == esperado  # la semilla aquí perdía el rol
    assert client_06.get("/admin/panel", headers=bearer(nuevo)).status_code == 200


def test_ningun_token_lleva_el_email(client_06):
    """La carga útil la lee cualquiera que vea el token (lección 03): el email, un dato personal, no va en ella."""
    registrar(client_06, ANA)
    acceso, refresh = entrar(client_06, ANA)
    nuevo = client_06.post("/auth/refresh", headers=bearer(refresh)).get_json()["access_token"]
    for token in (acceso, refresh, nuevo):
        assert ANA["email"] not in str(claims(token)), claims(token)


def test_el_registro_da_el_rol_usuario_y_rechaza_un_rol_en_el_cuerpo(client_06):
    r = client_06.post("/auth/registro", json=ANA)
    assert (r.status_code, r.get_json()) == (
        201,
        {"id": 1, "email": "ana@example.com", "nombre": "Ana", "rol": "usuario"},
    )
    r = client_06.post("/auth/registro", json={**EVA, "rol": "admin"})
    assert (r.status_code, r.get_json()) == (
        400,
        {"error": "Campos no permitidos: rol. Se admiten: email, password, nombre."},
    )


def test_el_perfil_ensena_el_rol_del_token_y_el_de_la_base_de_datos(client_06):
    registrar(client_06, ANA)
    acceso, _ = entrar(client_06, ANA)
    r = client_06.get("/api/perfil", headers=bearer(acceso))
    assert (r.status_code, r.get_json()) == (
        200,
        {
            "usuario": {"id": 1, "email": "ana@example.com", "nombre": "Ana", "rol": "usuario"},
            "rol_en_el_token": "usuario",
            "rol_en_la_base_de_datos": "usuario",
            "rol_que_decide": "base_de_datos",
        },
    )


# --- El admin degradado: el problema y los dos remedios --------------------------------


def degradar_a_axel(app, client):
    """Ada y Axel son admins; Axel tiene un token; Ada le quita el rol. Devuelve (token de Axel, respuesta del PATCH)."""
    crear_admin(app)
    crear_admin(app, AXEL)
    ada, _ = entrar(client, ADA)
    axel, _ = entrar(client, AXEL)
    assert client.get("/admin/panel", headers=bearer(axel)).status_code == 200
    r = client.patch("/api/admin/usuarios/2", headers=bearer(ada), json={"rol": "usuario"})
    return axel, r


def test_con_rol_desde_token_el_degradado_sigue_siendo_admin(tmp_path):
    app = crear(tmp_path, ROL_DESDE="token")
    client = app.test_client()
    axel, r = degradar_a_axel(app, client)
    assert r.get_json() == {
        "usuario": {"id": 2, "email": "axel@example.com", "nombre": "Axel", "rol": "usuario"},
        "sesiones_cerradas": False,
    }
    r = client.get("/admin/panel", headers=bearer(axel))
    assert (r.status_code, r.get_json()) == (200, {"panel": "Datos de administración.", "usuarios": 2})  # ¡el problema!
    perfil = client.get("/api/perfil", headers=bearer(axel)).get_json()
    assert (perfil["rol_en_el_token"], perfil["rol_en_la_base_de_datos"]) == ("admin", "usuario")


def test_remedio_1_el_rol_de_la_base_de_datos_vale_en_la_siguiente_peticion(app_06, client_06):
    axel, r = degradar_a_axel(app_06, client_06)
    assert r.status_code == 200
    r = client_06.get("/admin/panel", headers=bearer(axel))
    assert (r.status_code, r.get_json()) == (403, SIN_PERMISO_ADMIN)
    r = client_06.get("/editor/articulos", headers=bearer(axel))  # su token sigue valiendo para lo demás
    assert (r.status_code, r.get_json()) == (403, SIN_PERMISO_EDITOR)
    assert client_06.get("/api/perfil", headers=bearer(axel)).status_code == 200


def test_remedio_2_cambiar_el_rol_cierra_sus_sesiones(tmp_path):
    app = crear(tmp_path, ROL_DESDE="token", REVOCAR_AL_CAMBIAR_ROL="1")
    client = app.test_client()
    axel, r = degradar_a_axel(app, client)
    assert r.get_json()["sesiones_cerradas"] is True
    r = client.get("/admin/panel", headers=bearer(axel))
    assert (r.status_code, r.get_json()) == (401, REVOCADO)
    nuevo, _ = entrar(client, AXEL)  # vuelve a entrar: su token nuevo dice la verdad
    assert claims(nuevo)["rol"] == "usuario"
    r = client.get("/admin/panel", headers=bearer(nuevo))
    assert (r.status_code, r.get_json()) == (403, SIN_PERMISO_ADMIN)


def test_un_claim_rol_firmado_con_la_clave_no_basta_si_el_rol_sale_de_la_base_de_datos(app_06, client_06):
    registrar(client_06, ANA)
    ahora = time.time()
    token = jwt.encode(
        {
            "sub": "1",
            "type": "access",
            "fresh": False,
            "jti": str(uuid.uuid4()),
            "iat": ahora,
            "nbf": int(ahora),
            "exp": int(ahora) + 600,
            "rol": "admin",
            **emisor_y_audiencia(app_06),
        },
        app_06.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )
    r = client_06.get("/admin/panel", headers=bearer(token))
    assert (r.status_code, r.get_json()) == (403, SIN_PERMISO_ADMIN)


def test_un_rol_falsificado_con_otra_clave_da_422(app_06, client_06):
    crear_admin(app_06)
    ada, _ = entrar(client_06, ADA)
    falso = jwt.encode(claims(ada), secrets.token_hex(32), algorithm="HS256")
    r = client_06.get("/admin/panel", headers=bearer(falso))
    assert (r.status_code, r.get_json()) == (422, {"msg": "Signature verification failed"})


# --- El último admin, el usuario borrado, la orden crear-admin ------------------------


def test_no_se_puede_degradar_al_ultimo_admin(app_06, client_06):
    crear_admin(app_06)
    ada, _ = entrar(client_06, ADA)
    r = client_06.patch("/api/admin/usuarios/1", headers=bearer(ada), json={"rol": "editor"})
    assert (r.status_code, r.get_json()) == (409, ULTIMO_ADMIN)
    assert client_06.get("/admin/panel", headers=bearer(ada)).status_code == 200


@pytest.mark.parametrize(
    ("cuerpo", "estado", "respuesta"),
    [
        ({"rol": "superadmin"}, 400, {"error": "Rol no válido: usa uno de admin, editor, usuario."}),
        (
            {"rol": "editor", "x": 1},
            400,
            {"error": 'El cuerpo debe ser un objeto JSON con solo el campo «rol»: {"rol": "editor"}.'},
        ),
        (["admin"], 400, {"error": 'El cuerpo debe ser un objeto JSON con solo el campo «rol»: {"rol": "editor"}.'}),
    ],
    ids=["rol_inexistente", "campo_de_mas", "lista"],
)
def test_cambiar_rol_valida_el_cuerpo(app_06, client_06, cuerpo, estado, respuesta):
    crear_admin(app_06)
    ada, _ = entrar(client_06, ADA)
    r = client_06.patch("/api/admin/usuarios/1", headers=bearer(ada), json=cuerpo)
    assert (r.status_code, r.get_json()) == (estado, respuesta)


def test_cambiar_rol_de_un_usuario_que_no_existe_da_404(app_06, client_06):
    crear_admin(app_06)
    ada, _ = entrar(client_06, ADA)
    r = client_06.patch("/api/admin/usuarios/99", headers=bearer(ada), json={"rol": "editor"})
    assert (r.status_code, r.get_json()) == (404, {"error": "No existe ningún usuario con id 99."})


def test_el_token_de_un_usuario_borrado_da_401(app_06, client_06):
    registrar(client_06, ANA)
    acceso, _ = entrar(client_06, ANA)
    modulo = modulo_de(cargar_app(APP_LECCION_06))
    with app_06.app_context():
        modulo.db.session.delete(modulo.db.session.get(modulo.Usuario, 1))
        modulo.db.session.commit()
    r = client_06.get("/api/perfil", headers=bearer(acceso))
    assert (r.status_code, r.get_json()) == (
        401,
        {"error": "El usuario del token ya no existe: inicia sesión de nuevo."},
    )


def test_la_lista_de_usuarios_nunca_lleva_el_hash(app_06, client_06):
    tokens = tres_usuarios(app_06, client_06)
    r = client_06.get("/api/admin/usuarios", headers=bearer(tokens["admin"]))
    assert (r.status_code, r.get_json()) == (
        200,
        [
            {"id": 1, "email": "ada@example.com", "nombre": "Ada", "rol": "admin"},
            {"id": 2, "email": "eva@example.com", "nombre": "Eva", "rol": "editor"},
            {"id": 3, "email": "ana@example.com", "nombre": "Ana", "rol": "usuario"},
        ],
    )


def test_crear_admin_crea_y_asciende(app_06, client_06):
    assert crear_admin(app_06) == "Administrador 1 creado: ada@example.com\n"
    registrar(client_06, ANA)
    resultado = app_06.test_cli_runner().invoke(args=["crear-admin", "ana@example.com"])
    assert (resultado.exit_code, resultado.output) == (0, "ana@example.com (id 2) ahora es admin.\n")
    resultado = app_06.test_cli_runner().invoke(args=["crear-admin", "no-es-un-email"])
    assert resultado.exit_code == 1 and "no es un email válido" in resultado.output


def test_sin_secreto_fuerte_no_arranca(tmp_path):
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY es débil"):
        crear(tmp_path, TESTING=False, JWT_SECRET_KEY="mi_clave_secreta")


def test_rol_desde_desconocido_no_arranca(tmp_path):
    with pytest.raises(RuntimeError, match="ROL_DESDE debe ser base_de_datos o token"):
        crear(tmp_path, ROL_DESDE="claims")


def test_con_rol_desde_token_el_degradado_se_vuelve_a_nombrar_admin(tmp_path):
    """El texto lo dice: con ROL_DESDE=token, el token de antes basta para deshacer la degradación."""
    app = crear(tmp_path, ROL_DESDE="token")
    client = app.test_client()
    axel, r = degradar_a_axel(app, client)
    assert r.status_code == 200
    r = client.patch("/api/admin/usuarios/2", headers=bearer(axel), json={"rol": "admin"})
    assert r.status_code == 200 and r.get_json()["usuario"]["rol"] == "admin"  # ¡vuelve a ser admin!


@pytest.mark.parametrize(
    "cambios, estado",
    [({}, 403), ({"ROL_DESDE": "token", "REVOCAR_AL_CAMBIAR_ROL": "1"}, 401)],
    ids=["rol_de_la_base_de_datos", "revocar_al_cambiar_rol"],
)
def test_con_los_remedios_el_degradado_no_se_vuelve_a_nombrar_admin(tmp_path, cambios, estado):
    app = crear(tmp_path, **cambios)
    client = app.test_client()
    axel, _ = degradar_a_axel(app, client)
    assert client.patch("/api/admin/usuarios/2", headers=bearer(axel), json={"rol": "admin"}).status_code == estado
    ada, _ = entrar(client, ADA)
    lista = client.get("/api/admin/usuarios", headers=bearer(ada)).get_json()
    assert {u["email"]: u["rol"] for u in lista}["axel@example.com"] == "usuario"


def test_un_token_de_otro_servicio_con_la_misma_clave_es_el_usuario_de_su_sub(app_06, client_06):
    """El texto lo dice: leer el rol de la base de datos no basta contra otro servicio que comparte la clave."""
    crear_admin(app_06)  # el usuario 1 de esta app es admin
    ahora = time.time()
    ajeno = {
        "sub": "1",
        "type": "access",
        "fresh": False,
        "jti": str(uuid.uuid4()),
        "iat": ahora,
        "nbf": int(ahora),
        "exp": int(ahora) + 600,
        "rol": "usuario",
    }  # el usuario 1 de OTRO servicio, que no es admin allí
    r = client_06.get("/admin/panel", headers=bearer(jwt.encode(ajeno, app_06.config["JWT_SECRET_KEY"])))
    if app_06.config.get("JWT_DECODE_AUDIENCE") or app_06.config.get("JWT_DECODE_ISSUER"):
        assert r.status_code in (401, 422)  # con iss/aud propios, el token ajeno no vale
    else:
        assert r.status_code == 200  # sin iss/aud: es nuestro admin
