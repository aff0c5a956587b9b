"""La app de demostración de la lección 04 (``lessons/04_refresh_tokens/app.py``): el flujo de los refresh tokens.

Una prueba por comportamiento, con el código de estado y el cuerpo JSON exactos.
"""

import time
from datetime import timedelta

import jwt
import pytest
from conftest import RAIZ, cargar_app, config_de_prueba, modulo_de

from taller.comprobaciones import bearer

APP_LECCION_04 = RAIZ / "lessons" / "04_refresh_tokens" / "app.py"
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana"}
BEA = {"email": "bea@example.com", "password": "contraseña-de-bea"}
USUARIO_ANA = {"id": 1, "email": "ana@example.com", "nombre": "Ana", "rol": "admin"}
USUARIO_BEA = {"id": 2, "email": "bea@example.com", "nombre": "Bea", "rol": "usuario"}
SIN_USUARIO = {"error": "El usuario del token ya no existe."}


def emisor_y_audiencia(app):
    """El ``iss`` y el ``aud`` de los tokens de ``app``: un token firmado a mano que la app debe tomar por suyo."""
    return {"iss": app.config["JWT_ENCODE_ISSUER"], "aud": app.config["JWT_ENCODE_AUDIENCE"]}


def config_04(tmp_path, **cambios):
    return config_de_prueba(tmp_path, "refresh.sqlite", **cambios)


def crear_usuarios(app):
    for email, nombre, password, rol in (
        ("ana@example.com", "Ana", ANA["password"], "admin"),
        ("bea@example.com", "Bea", BEA["password"], "usuario"),
    ):
        resultado = app.test_cli_runner().invoke(
            args=["crear-usuario", email, "--nombre", nombre, "--password", password, "--rol", rol]
        )
        assert resultado.exit_code == 0, resultado.output


@pytest.fixture
def crear_app_04(tmp_path, monkeypatch):
    """Crea la demo (con Ana, admin, y Bea); llamarla dos veces reinicia sobre la misma base de datos."""
    for variable in ("JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES", "ROTAR_REFRESH_TOKENS"):
        monkeypatch.delenv(variable, raising=False)
    base = config_04(tmp_path)

    def crear(**cambios):
        app = cargar_app(APP_LECCION_04)({**base, **cambios})
        with app.app_context():
            modulo = __import__(app.import_name)
            hay_usuarios = modulo.db.session.scalar(modulo.db.select(modulo.Usuario)) is not None
        if not hay_usuarios:
            crear_usuarios(app)
        return app

    return crear


@pytest.fixture
def app_04(crear_app_04):
    return crear_app_04()


@pytest.fixture
def client_04(app_04):
    return app_04.test_client()


def tokens_de(client, credenciales=ANA):
    respuesta = client.post("/auth/login", json=credenciales)
    assert respuesta.status_code == 200, respuesta.get_json()
    cuerpo = respuesta.get_json()
    assert set(cuerpo) == {"access_token", "refresh_token"}
    return cuerpo["access_token"], cuerpo["refresh_token"]


def abrir(app, token):
    return jwt.decode(
        token,
        app.config["JWT_SECRET_KEY"],
        algorithms=["HS256"],
        audience=app.config["JWT_DECODE_AUDIENCE"],
        options={"verify_exp": False},
    )


def refrescar(client, refresh_token):
    respuesta = client.post("/auth/refresh", headers=bearer(refresh_token))
    assert respuesta.status_code == 200, respuesta.get_json()
    return respuesta.get_json()


# --- El login entrega dos tokens ------------------------------------------------


def test_el_login_devuelve_un_access_fresco_y_un_refresh(app_04, client_04):
    acceso, refresh = tokens_de(client_04)
    datos_acceso, datos_refresh = abrir(app_04, acceso), abrir(app_04, refresh)
    assert (datos_acceso["type"], datos_acceso["fresh"], datos_acceso["sub"]) == ("access", True, "1")
    assert (datos_refresh["type"], datos_refresh["fresh"], datos_refresh["sub"]) == ("refresh", False, "1")
    assert datos_acceso["exp"] - datos_acceso["iat"] == 15 * 60
    assert datos_refresh["exp"] - datos_refresh["iat"] == 30 * 24 * 3600
    assert (datos_acceso["rol"], datos_acceso["nombre"]) == ("admin", "Ana")


def test_credenciales_malas_dan_401(client_04):
    respuesta = client_04.post("/auth/login", json={"email": ANA["email"], "password": "otra-contraseña"})
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"error": "Email o contraseña incorrectos."})


# --- Perfil, admin y el refresco -------------------------------------------------


def test_el_perfil_muestra_el_usuario_y_su_token(client_04):
    acceso, _ = tokens_de(client_04)
    respuesta = client_04.get("/api/perfil", headers=bearer(acceso))
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {"usuario": USUARIO_ANA, "token": {"rol": "admin", "fresh": True}}


def test_el_token_refrescado_conserva_el_rol_y_no_es_fresco(app_04, client_04):
    _, refresh = tokens_de(client_04)
    cuerpo = refrescar(client_04, refresh)
    assert set(cuerpo) == {"access_token"}
    datos = abrir(app_04, cuerpo["access_token"])
    assert (datos["type"], datos["fresh"], datos["sub"], datos["rol"]) == ("access", False, "1", "admin")
    respuesta = client_04.get("/api/admin/usuarios", headers=bearer(cuerpo["access_token"]))
    assert (respuesta.status_code, respuesta.get_json()) == (200, [USUARIO_ANA, USUARIO_BEA])


def test_sin_rol_admin_da_403(client_04):
    acceso, _ = tokens_de(client_04, BEA)
    respuesta = client_04.get("/api/admin/usuarios", headers=bearer(acceso))
    assert (respuesta.status_code, respuesta.get_json()) == (403, {"error": "Se requiere el rol «admin»."})


def test_un_cambio_de_rol_llega_con_el_siguiente_refresco(app_04, client_04):
    _, refresh = tokens_de(client_04, BEA)
    resultado = app_04.test_cli_runner().invoke(args=["cambiar-rol", "bea@example.com", "admin"])
    assert resultado.output == "bea@example.com ahora tiene el rol admin.\n"
    nuevo = refrescar(client_04, refresh)["access_token"]
    assert client_04.get("/api/admin/usuarios", headers=bearer(nuevo)).status_code == 200


@pytest.mark.parametrize(
    "ruta, metodo, mensaje",
    [
        pytest.param("/api/perfil", "GET", "Only non-refresh tokens are allowed", id="refresh-en-el-perfil"),
        pytest.param("/api/admin/usuarios", "GET", "Only non-refresh tokens are allowed", id="refresh-en-admin"),
        pytest.param(
            "/api/operacion-sensible",
            "POST",
            "Only non-refresh tokens are allowed",
            id="refresh-en-la-operacion-sensible",
        ),
    ],
)
def test_un_refresh_token_no_abre_la_api(client_04, ruta, metodo, mensaje):
    _, refresh = tokens_de(client_04)
    respuesta = client_04.open(ruta, method=metodo, headers=bearer(refresh))
    assert (respuesta.status_code, respuesta.get_json()) == (422, {"msg": mensaje})


def test_un_access_token_no_sirve_para_refrescar(client_04):
    acceso, _ = tokens_de(client_04)
    respuesta = client_04.post("/auth/refresh", headers=bearer(acceso))
    assert (respuesta.status_code, respuesta.get_json()) == (422, {"msg": "Only refresh tokens are allowed"})
    respuesta = client_04.post("/auth/refresh")
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"msg": "Missing Authorization Header"})


def test_el_flujo_completo_login_caduca_refresca_sigue(crear_app_04):
    caduca_ya = crear_app_04(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)).test_client()
    acceso, refresh = tokens_de(caduca_ya)
    respuesta = caduca_ya.get("/api/perfil", headers=bearer(acceso))
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"msg": "Token has expired"})
    client = crear_app_04().test_client()  # reinicio con la caducidad normal
    nuevo = refrescar(client, refresh)["access_token"]
    respuesta = client.get("/api/perfil", headers=bearer(nuevo))
    assert respuesta.get_json() == {"usuario": USUARIO_ANA, "token": {"rol": "admin", "fresh": False}}


def test_un_refresh_token_caducado_da_401(crear_app_04):
    client = crear_app_04(JWT_REFRESH_TOKEN_EXPIRES=timedelta(seconds=-1)).test_client()
    _, refresh = tokens_de(client)
    respuesta = client.post("/auth/refresh", headers=bearer(refresh))
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"msg": "Token has expired"})


def test_refresh_de_un_usuario_que_no_existe_da_401(app_04, client_04):
    ahora = int(time.time())
    token = jwt.encode(
        {
            "sub": "99",
            "type": "refresh",
            "jti": "x",
            "fresh": False,
            "iat": ahora,
            "nbf": ahora,
            "exp": ahora + 60,
            **emisor_y_audiencia(app_04),
        },
        app_04.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )
    respuesta = client_04.post("/auth/refresh", headers=bearer(token))
    assert (respuesta.status_code, respuesta.get_json()) == (401, SIN_USUARIO)


# --- Tokens frescos ----------------------------------------------------------------


def test_la_operacion_sensible_admite_el_token_del_login(client_04):
    acceso, _ = tokens_de(client_04)
    respuesta = client_04.post("/api/operacion-sensible", headers=bearer(acceso))
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {"mensaje": "Ana, tu token es fresco: puedes hacer la operación sensible."}


def test_la_operacion_sensible_rechaza_un_token_refrescado(client_04):
    _, refresh = tokens_de(client_04)
    nuevo = refrescar(client_04, refresh)["access_token"]
    respuesta = client_04.post("/api/operacion-sensible", headers=bearer(nuevo))
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"msg": "Fresh token required"})


# --- Rotación ------------------------------------------------------------------------


def test_con_rotacion_cada_refresh_token_vale_una_vez(crear_app_04):
    app = crear_app_04(ROTAR_REFRESH_TOKENS=True)
    client = app.test_client()
    _, refresh = tokens_de(client)
    cuerpo = refrescar(client, refresh)
    assert set(cuerpo) == {"access_token", "refresh_token"}
    assert abrir(app, cuerpo["refresh_token"])["jti"] != abrir(app, refresh)["jti"]
    respuesta = client.post("/auth/refresh", headers=bearer(refresh))
    assert (respuesta.status_code, respuesta.get_json()) == (
        401,
        {"error": "Este refresh token ya se usó: inicia sesión de nuevo."},
    )
    otra = crear_app_04(ROTAR_REFRESH_TOKENS=True).test_client()  # tras reiniciar, sigue anotado
    assert otra.post("/auth/refresh", headers=bearer(refresh)).status_code == 401
    assert set(refrescar(otra, cuerpo["refresh_token"])) == {"access_token", "refresh_token"}


def test_sin_rotacion_el_refresh_token_se_puede_reusar(client_04):
    _, refresh = tokens_de(client_04)
    assert refrescar(client_04, refresh).keys() == refrescar(client_04, refresh).keys() == {"access_token"}


# --- Configuración por el entorno ----------------------------------------------------


def test_las_caducidades_y_la_rotacion_llegan_del_entorno(tmp_path, monkeypatch):
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "30")
    monkeypatch.setenv("JWT_REFRESH_TOKEN_EXPIRES", "3600")
    monkeypatch.setenv("ROTAR_REFRESH_TOKENS", "1")
    app = cargar_app(APP_LECCION_04)(config_04(tmp_path))
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(seconds=30)
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(hours=1)
    assert app.config["ROTAR_REFRESH_TOKENS"] is True


@pytest.mark.parametrize("valor", ["-5", "quince", "0", "1.5"])
def test_una_caducidad_mala_en_el_entorno_no_arranca(tmp_path, monkeypatch, valor):
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", valor)
    create_app = cargar_app(APP_LECCION_04)
    modulo = modulo_de(create_app)
    with pytest.raises(modulo.ConfiguracionMala, match="JWT_ACCESS_TOKEN_EXPIRES debe ser un número entero"):
        create_app(config_04(tmp_path))


@pytest.mark.parametrize(
    "clave",
    [None, "mi_clave_secreta", "super-secret-key-cambiar-en-produccion"],
    ids=["sin-clave", "clave-de-16-bytes", "clave-publica-de-la-semilla"],
)
def test_sin_un_secreto_fuerte_la_app_no_arranca(tmp_path, monkeypatch, clave):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    create_app = cargar_app(APP_LECCION_04)
    modulo = modulo_de(create_app)
    with pytest.raises(modulo.SecretoDebil, match="secrets.token_hex"):
        create_app(config_04(tmp_path, TESTING=False, JWT_SECRET_KEY=clave))


# --- Nunca un 500, nunca HTML -----------------------------------------------------------


def test_ninguna_combinacion_da_500_ni_html(client_04):
    acceso, refresh = tokens_de(client_04)
    fallos = []
    for ruta in [
        "/",
        "/auth/login",
        "/auth/refresh",
        "/api/perfil",
        "/api/admin/usuarios",
        "/api/operacion-sensible",
        "/nada",
    ]:
        for metodo in ["GET", "POST", "DELETE"]:
            for cabeceras in [{}, bearer(acceso), bearer(refresh), bearer("basura")]:
                for cuerpo in [{}, {"json": ANA}, {"data": "null", "content_type": "application/json"}]:
                    respuesta = client_04.open(ruta, method=metodo, headers=cabeceras, **cuerpo)
                    if respuesta.status_code >= 500 or not respuesta.is_json:
                        fallos.append(f"{metodo} {ruta} {cabeceras} {cuerpo} → {respuesta.status_code}")
    assert not fallos, "\n".join(fallos)


def test_la_demo_y_la_solucion_conviven_en_un_proceso(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "solucion").mkdir()
    demo = cargar_app(APP_LECCION_04)(config_04(tmp_path / "demo"))
    solucion = cargar_app("solutions/04_refresh_tokens/api")(config_04(tmp_path / "solucion"))
    assert demo.import_name != solucion.import_name
    assert "/api/operacion-sensible" in {r.rule for r in demo.url_map.iter_rules()}
    assert "/api/perfil/password" in {r.rule for r in solucion.url_map.iter_rules()}


@pytest.mark.parametrize("cambio", [{"sub": "１"}, {"sub": "01"}, {"exp": None}, {"iat": None}])
def test_un_refresh_token_sin_exp_sin_iat_o_con_otro_sub_no_vale(app_04, client_04, cambio):
    """Sin exp no caducaría nunca; «１» (ancho completo) no es el usuario 1 aunque int("１") == 1."""
    r = client_04.post("/auth/login", json=ANA)
    datos = {**jwt.decode(r.get_json()["refresh_token"], options={"verify_signature": False}), **cambio}
    datos = {clave: valor for clave, valor in datos.items() if valor is not None}
    token = jwt.encode(datos, app_04.config["JWT_SECRET_KEY"], algorithm="HS256")
    respuesta = client_04.post("/auth/refresh", headers=bearer(token))
    falta = {"msg": f'Token is missing the "{next(iter(cambio))}" claim'}
    esperado = (401, SIN_USUARIO) if "sub" in cambio else (422, falta)
    assert (respuesta.status_code, respuesta.get_json()) == esperado
