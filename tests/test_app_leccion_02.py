"""La app de demostración de la lección 02 (``lessons/02_login_jwt/app.py``): login, ruta protegida y pública.

Una prueba por comportamiento, con el código de estado y el cuerpo JSON exactos.
"""

import base64
import json
import secrets
import time

import jwt
import pytest
from conftest import RAIZ, cargar_app, config_de_prueba, modulo_de

from taller.comprobaciones import bearer

APP_LECCION_02 = RAIZ / "lessons" / "02_login_jwt" / "app.py"
ANA = {"email": "ana@example.com", "password": "contraseña-de-ana"}
CREDENCIALES_MALAS = {"error": "Email o contraseña incorrectos."}
CUERPO_NO_ES_OBJETO = {"error": 'El cuerpo debe ser un objeto JSON: {"email": "…", "password": "…"}.'}
FALTAN_CAMPOS = {"error": "Los campos «email» y «password» son obligatorios y deben ser textos."}
DEMASIADO_LARGA = {"error": "La contraseña admite como máximo 72 bytes."}
HOLA_VISITANTE = {"mensaje": "Hola, visitante: este recurso es público, no necesita token."}


def emisor_y_audiencia(app):
    """El ``iss`` y el ``aud`` de los tokens de ``app``: un token firmado a mano que la app debe tomar por suyo."""
    return {"iss": app.config["JWT_ENCODE_ISSUER"], "aud": app.config["JWT_ENCODE_AUDIENCE"]}


def config_02(tmp_path, **cambios):
    return config_de_prueba(tmp_path, "usuarios.sqlite", **cambios)


@pytest.fixture
def app_02(tmp_path):
    """La demo con una base de datos nueva y Ana ya creada con la orden ``crear-usuario``."""
    app = cargar_app(APP_LECCION_02)(config_02(tmp_path))
    resultado = app.test_cli_runner().invoke(
        args=["crear-usuario", ANA["email"], "--nombre", "Ana", "--password", ANA["password"]]
    )
    assert resultado.exit_code == 0, resultado.output
    return app


@pytest.fixture
def client_02(app_02):
    return app_02.test_client()


def token_de(client, credenciales=ANA):
    respuesta = client.post("/api/login", json=credenciales)
    assert respuesta.status_code == 200, respuesta.get_json()
    return respuesta.get_json()["access_token"]


def b64(datos):
    return base64.urlsafe_b64encode(json.dumps(datos).encode()).rstrip(b"=").decode()


# --- La orden crear-usuario ---------------------------------------------------


def test_crear_usuario_guarda_un_hash_bcrypt(app_02):
    modulo = __import__(app_02.import_name)
    with app_02.app_context():
        usuario = modulo.db.session.scalar(modulo.db.select(modulo.Usuario))
        assert usuario.a_dict() == {"id": 1, "email": "ana@example.com", "nombre": "Ana"}
        assert usuario.password_hash.startswith("$2b$04$")
        assert ANA["password"] not in usuario.password_hash


def test_crear_usuario_pide_la_contrasena_sin_mostrarla(app_02):
    resultado = app_02.test_cli_runner().invoke(
        args=["crear-usuario", "Bea@Example.com"], input="Bea\nclave-de-bea\nclave-de-bea\n"
    )
    assert resultado.exit_code == 0, resultado.output
    assert resultado.output == "Nombre: Bea\nContraseña: \nRepítela: \nUsuario 2 creado: bea@example.com\n"
    assert "clave-de-bea" not in resultado.output


@pytest.mark.parametrize(
    "argumentos, mensaje",
    [
        pytest.param(
            ["no-es-un-email", "--nombre", "X", "--password", "larga-larga"],
            "Error: «no-es-un-email» no es un email válido.",
            id="email-invalido",
        ),
        pytest.param(
            ["bea@example.com", "--nombre", "Bea", "--password", "corta"],
            "Error: La contraseña debe tener al menos 8 caracteres.",
            id="contrasena-corta",
        ),
        pytest.param(
            ["bea@example.com", "--nombre", "Bea", "--password", "ñ" * 37],
            "Error: La contraseña admite como máximo 72 bytes.",
            id="contrasena-de-74-bytes",
        ),
        pytest.param(
            ["ANA@example.com", "--nombre", "Ana", "--password", "larga-larga"],
            "Error: Ya existe un usuario con el email ana@example.com.",
            id="email-repetido",
        ),
    ],
)
def test_crear_usuario_rechaza_datos_malos(app_02, argumentos, mensaje):
    resultado = app_02.test_cli_runner().invoke(args=["crear-usuario", *argumentos])
    assert resultado.exit_code == 1
    assert resultado.output.strip() == mensaje


# --- Login --------------------------------------------------------------------


def test_login_devuelve_un_token_con_sub_de_texto(app_02, client_02):
    token = token_de(client_02)
    datos = jwt.decode(
        token, app_02.config["JWT_SECRET_KEY"], algorithms=["HS256"], audience=app_02.config["JWT_DECODE_AUDIENCE"]
    )
    assert datos["sub"] == "1" and datos["type"] == "access"
    assert datos["exp"] - datos["iat"] == 15 * 60


def test_login_acepta_el_email_con_mayusculas_y_espacios(client_02):
    respuesta = client_02.post("/api/login", json={"email": "  Ana@Example.COM ", "password": ANA["password"]})
    assert respuesta.status_code == 200


@pytest.mark.parametrize(
    "cuerpo",
    [
        pytest.param({"email": ANA["email"], "password": "otra-contraseña"}, id="contrasena-mala"),
        pytest.param({"email": "nadie@example.com", "password": "otra-contraseña"}, id="email-desconocido"),
        pytest.param({"email": "nadie@example.com", "password": ANA["password"]}, id="contrasena-de-otro"),
    ],
)
def test_credenciales_malas_dan_el_mismo_401(client_02, cuerpo):
    respuesta = client_02.post("/api/login", json=cuerpo)
    assert respuesta.status_code == 401
    assert respuesta.get_json() == CREDENCIALES_MALAS


@pytest.mark.parametrize("email", ["ana@example.com", "nadie@example.com"], ids=["existe", "no-existe"])
def test_login_llama_a_checkpw_una_vez(client_02, monkeypatch, email):
    import bcrypt

    llamadas = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *a: llamadas.append(1) or original(*a))
    client_02.post("/api/login", json={"email": email, "password": "otra-contraseña"})
    assert len(llamadas) == 1


@pytest.mark.parametrize(
    "peticion, esperado",
    [
        pytest.param({"json": {"email": ANA["email"]}}, FALTAN_CAMPOS, id="sin-password"),
        pytest.param({"json": {"password": ANA["password"]}}, FALTAN_CAMPOS, id="sin-email"),
        pytest.param({"json": {"email": ANA["email"], "password": 1234}}, FALTAN_CAMPOS, id="password-entero"),
        pytest.param(
            {"json": {"email": ANA["email"], "password": "x" * 73}}, DEMASIADO_LARGA, id="password-de-73-bytes"
        ),
        pytest.param({"json": None}, CUERPO_NO_ES_OBJETO, id="json-null"),
        pytest.param({"json": []}, CUERPO_NO_ES_OBJETO, id="json-lista"),
        pytest.param({"data": '{"email": "x"}', "content_type": "text/plain"}, CUERPO_NO_ES_OBJETO, id="texto-plano"),
        pytest.param(
            {"data": "[" * 100_000, "content_type": "application/json"}, CUERPO_NO_ES_OBJETO, id="json-anidado"
        ),
    ],
)
def test_login_con_un_cuerpo_malo_responde_400(client_02, peticion, esperado):
    if peticion.get("json", 0) is None:
        peticion = {"data": "null", "content_type": "application/json"}
    respuesta = client_02.post("/api/login", **peticion)
    assert respuesta.status_code == 400
    assert respuesta.get_json() == esperado


# --- Rutas protegida y pública -------------------------------------------------


def test_la_ruta_protegida_saluda_al_usuario_del_token(client_02):
    respuesta = client_02.get("/api/protegida", headers=bearer(token_de(client_02)))
    assert respuesta.status_code == 200
    assert respuesta.get_json() == {
        "mensaje": "Hola, Ana: has entrado con tu token.",
        "usuario": {"id": 1, "email": "ana@example.com", "nombre": "Ana"},
    }


def test_la_ruta_publica_no_necesita_token_pero_lo_usa_si_llega(client_02):
    assert client_02.get("/api/publica").get_json() == HOLA_VISITANTE
    respuesta = client_02.get("/api/publica", headers=bearer(token_de(client_02)))
    assert respuesta.get_json() == {"mensaje": "Hola, Ana: este recurso es público, no necesita token."}


def tokens_malos(app, token):
    cabecera, carga, firma = token.split(".")
    datos = jwt.decode(
        token, app.config["JWT_SECRET_KEY"], algorithms=["HS256"], audience=app.config["JWT_DECODE_AUDIENCE"]
    )
    firmar = lambda clave=app.config["JWT_SECRET_KEY"], **c: jwt.encode({**datos, **c}, clave, algorithm="HS256")  # noqa: E731
    return {
        "sin-cabecera": (None, 401, "Missing Authorization Header"),
        "basura": (bearer("basura"), 422, "Not enough segments"),
        "manipulado": (
            bearer(f"{cabecera}.{b64({**datos, 'sub': '2'})}.{firma}"),
            422,
            "Signature verification failed",
        ),
        "otra-clave": (bearer(firmar(secrets.token_hex(32))), 422, "Signature verification failed"),
        "alg-none": (
            bearer(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{carga}."),
            422,
            "The specified alg value is not allowed",
        ),
        "caducado": (bearer(firmar(exp=int(time.time()) - 60)), 401, "Token has expired"),
        "refresh": (bearer(firmar(type="refresh")), 422, "Only non-refresh tokens are allowed"),
        "sub-entero": (bearer(firmar(sub=1)), 422, "Subject must be a string"),
        "sin-exp": (
            bearer(jwt.encode({k: v for k, v in datos.items() if k != "exp"}, app.config["JWT_SECRET_KEY"])),
            422,
            'Token is missing the "exp" claim',
        ),
        "sin-iat": (
            bearer(jwt.encode({k: v for k, v in datos.items() if k != "iat"}, app.config["JWT_SECRET_KEY"])),
            422,
            'Token is missing the "iat" claim',
        ),
        "sin-bearer": (
            {"Authorization": token},
            401,
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        ),
    }


CASOS = [
    "sin-cabecera",
    "basura",
    "manipulado",
    "otra-clave",
    "alg-none",
    "caducado",
    "refresh",
    "sub-entero",
    "sin-bearer",
    "sin-exp",
    "sin-iat",
]


@pytest.mark.parametrize("caso", CASOS)
def test_la_ruta_protegida_rechaza_los_tokens_malos_con_los_codigos_de_la_biblioteca(app_02, client_02, caso):
    cabeceras, estado, mensaje = tokens_malos(app_02, token_de(client_02))[caso]
    respuesta = client_02.get("/api/protegida", headers=cabeceras or {})
    assert respuesta.status_code == estado
    assert respuesta.get_json() == {"msg": mensaje}


@pytest.mark.parametrize("caso", [c for c in CASOS if c not in ("sin-cabecera", "sin-bearer")])
def test_un_token_malo_tambien_se_rechaza_en_la_ruta_publica(app_02, client_02, caso):
    """``optional=True`` admite la falta de token, no un token inválido."""
    cabeceras, estado, mensaje = tokens_malos(app_02, token_de(client_02))[caso]
    respuesta = client_02.get("/api/publica", headers=cabeceras)
    assert (respuesta.status_code, respuesta.get_json()) == (estado, {"msg": mensaje})


def test_un_token_de_un_usuario_que_no_existe_da_401(app_02, client_02):
    ahora = int(time.time())
    token = jwt.encode(
        {
            "sub": "99",
            "type": "access",
            "jti": "x",
            "fresh": False,
            "iat": ahora,
            "nbf": ahora,
            "exp": ahora + 60,
            **emisor_y_audiencia(app_02),
        },
        app_02.config["JWT_SECRET_KEY"],
        algorithm="HS256",
    )
    respuesta = client_02.get("/api/protegida", headers=bearer(token))
    assert respuesta.status_code == 401
    assert respuesta.get_json() == {"error": "El usuario del token ya no existe."}
    assert client_02.get("/api/publica", headers=bearer(token)).get_json() == HOLA_VISITANTE


def test_la_caducidad_se_configura(tmp_path):
    from datetime import timedelta

    app = cargar_app(APP_LECCION_02)(config_02(tmp_path, JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)))
    app.test_cli_runner().invoke(args=["crear-usuario", ANA["email"], "--nombre", "Ana", "--password", ANA["password"]])
    client = app.test_client()
    respuesta = client.get("/api/protegida", headers=bearer(token_de(client)))
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"msg": "Token has expired"})


# --- El secreto -----------------------------------------------------------------


@pytest.mark.parametrize(
    "clave",
    [
        pytest.param(None, id="sin-clave"),
        pytest.param("mi_clave_secreta", id="clave-de-16-bytes"),
        pytest.param("super-secret-key-cambiar-en-produccion", id="clave-publica-de-la-semilla"),
        pytest.param("x" * 31, id="clave-de-31-bytes"),
    ],
)
def test_sin_un_secreto_fuerte_la_app_no_arranca(tmp_path, monkeypatch, clave):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    create_app = cargar_app(APP_LECCION_02)
    modulo = modulo_de(create_app)
    with pytest.raises(modulo.SecretoDebil, match="secrets.token_hex"):
        create_app(config_02(tmp_path, TESTING=False, JWT_SECRET_KEY=clave))


def test_la_clave_llega_del_entorno(tmp_path, monkeypatch):
    clave = secrets.token_hex(32)
    monkeypatch.setenv("JWT_SECRET_KEY", clave)
    config = config_02(tmp_path, TESTING=False)
    del config["JWT_SECRET_KEY"]
    assert cargar_app(APP_LECCION_02)(config).config["JWT_SECRET_KEY"] == clave


def test_en_pruebas_sin_clave_se_usa_una_aleatoria(tmp_path, monkeypatch):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    create_app = cargar_app(APP_LECCION_02)
    claves = {create_app(config_02(tmp_path, JWT_SECRET_KEY=None)).config["JWT_SECRET_KEY"] for _ in range(2)}
    assert len(claves) == 2 and all(len(c) == 64 for c in claves)


def test_pyjwt_avisa_con_la_clave_de_la_semilla():
    """Lo que ve un estudiante con ``"mi_clave_secreta"``: un aviso en cada firma (y en cada verificación)."""
    with pytest.warns(jwt.InsecureKeyLengthWarning, match="16 bytes long"):
        jwt.encode({"sub": "1"}, "mi_clave_secreta", algorithm="HS256")


# --- Nunca un 500, nunca HTML -----------------------------------------------------


def test_ninguna_combinacion_da_500_ni_html(client_02):
    token = token_de(client_02)
    fallos = []
    for ruta in ["/", "/api/login", "/api/protegida", "/api/publica", "/nada"]:
        for metodo in ["GET", "POST", "PUT", "DELETE"]:
            for cabeceras in [{}, bearer(token), bearer("basura")]:
                for cuerpo in [{}, {"json": ANA}, {"data": "null", "content_type": "application/json"}]:
                    respuesta = client_02.open(ruta, method=metodo, headers=cabeceras, **cuerpo)
                    if respuesta.status_code >= 500 or not respuesta.is_json:
                        fallos.append(f"{metodo} {ruta} {cabeceras} {cuerpo} → {respuesta.status_code}")
    assert not fallos, "\n".join(fallos)


def test_la_demo_y_la_solucion_conviven_en_un_proceso(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "solucion").mkdir()
    demo = cargar_app(APP_LECCION_02)(config_02(tmp_path / "demo"))
    solucion = cargar_app("solutions/02_login_jwt/api")(config_02(tmp_path / "solucion"))
    assert demo.import_name != solucion.import_name
    assert "/api/login" in {r.rule for r in demo.url_map.iter_rules()}
    assert "/auth/login" in {r.rule for r in solucion.url_map.iter_rules()}


@pytest.mark.parametrize("sub", ["１", "01", "٣", " 1"])
def test_un_sub_que_no_escribio_la_app_no_es_de_nadie(app_02, client_02, sub):
    """``"１".isdecimal()`` es True e ``int("１") == 1``: solo vale el id tal como lo escribe la app."""
    datos = jwt.decode(token_de(client_02), options={"verify_signature": False})
    token = jwt.encode({**datos, "sub": sub}, app_02.config["JWT_SECRET_KEY"], algorithm="HS256")
    respuesta = client_02.get("/api/protegida", headers=bearer(token))
    assert (respuesta.status_code, respuesta.get_json()) == (401, {"error": "El usuario del token ya no existe."})
