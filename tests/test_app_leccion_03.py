"""La app de demostración de la lección 03 (``lessons/03_anatomia_jwt/app.py``): el inspector de tokens.

Una prueba por comportamiento, con el código de estado y el cuerpo JSON exactos.
Las claves de las pruebas tienen 32 bytes o más, salvo las cortas que el inspector
debe manejar él mismo (sin que el InsecureKeyLengthWarning de PyJWT escape).
"""

import base64
import json

import jwt
import pytest
from conftest import cargar_app

APP = "lessons/03_anatomia_jwt/app.py"
CLAVE = "clave-de-pruebas-del-inspector-con-32-bytes"
AHORA = 1_700_000_000


@pytest.fixture
def app_03():
    return cargar_app(APP)({"TESTING": True})


@pytest.fixture
def client_03(app_03):
    return app_03.test_client()


def b64(texto):
    datos = texto.encode() if isinstance(texto, str) else texto
    return base64.urlsafe_b64encode(datos).rstrip(b"=").decode()


def inspeccionar(client, token, clave=None):
    cuerpo = {"token": token} if clave is None else {"token": token, "clave": clave}
    return client.post("/api/inspeccionar", json=cuerpo)


TOKEN = jwt.encode({"sub": "42", "iat": AHORA, "nbf": AHORA, "rol": "editor"}, CLAVE, algorithm="HS256")


# --- Lectura -----------------------------------------------------------------


def test_inspecciona_sin_clave(client_03):
    r = inspeccionar(client_03, TOKEN)
    assert r.status_code == 200
    firma = TOKEN.rsplit(".", 1)[1]
    assert r.get_json() == {
        "cabecera": {"alg": "HS256", "typ": "JWT"},
        "payload": {"sub": "42", "iat": AHORA, "nbf": AHORA, "rol": "editor"},
        "fechas": {"iat": "2023-11-14 22:13:20 UTC", "nbf": "2023-11-14 22:13:20 UTC"},
        "firma": {"base64url": firma, "hex": base64.urlsafe_b64decode(firma + "=").hex(), "bytes": 32},
        "verificacion": {"estado": "sin_clave", "motivo": "Escribe la clave para comprobar la firma.", "avisos": []},
    }


def test_quita_espacios_y_el_prefijo_bearer(client_03):
    r = inspeccionar(client_03, f"  Bearer {TOKEN}\n")
    assert r.status_code == 200
    assert r.get_json()["payload"]["sub"] == "42"


@pytest.mark.parametrize(
    ("valor", "legible"),
    [
        (0, "1970-01-01 00:00:00 UTC"),
        (1300819380, "2011-03-22 18:43:00 UTC"),
        (1.5e20, "fuera del rango de fechas representable"),
        ("mañana", 'no es un número ("mañana"): no es una fecha válida'),
        (True, "no es un número (true): no es una fecha válida"),
    ],
    ids=["epoca", "rfc_7519", "fuera_de_rango", "texto", "booleano"],
)
def test_fechas_legibles(client_03, valor, legible):
    token = jwt.encode({"exp": 0}, CLAVE, algorithm="HS256")  # cabecera y firma cualesquiera
    cabecera, _, firma = token.split(".")
    token = f"{cabecera}.{b64(json.dumps({'exp': valor}))}.{firma}"
    r = inspeccionar(client_03, token)
    assert r.status_code == 200
    assert r.get_json()["fechas"] == {"exp": legible}


# --- Verificación ------------------------------------------------------------

FIRMA_MAL = "La firma no coincide: el token se ha modificado o se firmó con otra clave."
AVISO_CORTA = (
    "La clave tiene 16 bytes; RFC 7518 §3.2 pide al menos 32 para HS256. Una clave corta o de "
    "diccionario se adivina probando palabras (RFC 8725 §3.5)."
)


def test_firma_valida(client_03):
    r = inspeccionar(client_03, TOKEN, CLAVE)
    assert r.status_code == 200
    assert r.get_json()["verificacion"] == {
        "estado": "valida",
        "motivo": "La firma es correcta y el token está dentro de su plazo.",
        "avisos": [],
    }


def test_firma_con_otra_clave(client_03):
    r = inspeccionar(client_03, TOKEN, CLAVE + "x")
    assert r.get_json()["verificacion"] == {"estado": "invalida", "motivo": FIRMA_MAL, "avisos": []}


def test_payload_alterado(client_03):
    cabecera, _, firma = TOKEN.split(".")
    alterado = f"{cabecera}.{b64(json.dumps({'sub': '42', 'rol': 'admin'}))}.{firma}"
    r = inspeccionar(client_03, alterado, CLAVE)
    assert r.status_code == 200
    assert r.get_json()["payload"] == {"sub": "42", "rol": "admin"}  # se lee igual: no está cifrado
    assert r.get_json()["verificacion"]["motivo"] == FIRMA_MAL


def test_clave_corta_avisa_sin_que_escape_el_aviso_de_pyjwt(client_03):
    """La semilla usa «mi_clave_secreta» (16 bytes). Con -W error, un aviso que escapara sería un 500."""
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = jwt.encode({"sub": "admin"}, "mi_clave_secreta", algorithm="HS256")
    r = inspeccionar(client_03, token, "mi_clave_secreta")
    assert r.status_code == 200
    assert r.get_json()["verificacion"] == {
        "estado": "valida",
        "motivo": "La firma es correcta y el token está dentro de su plazo.",
        "avisos": [AVISO_CORTA],
    }


def test_caducado(client_03):
    token = jwt.encode({"sub": "1", "exp": 1300819380}, CLAVE, algorithm="HS256")
    r = inspeccionar(client_03, token, CLAVE)
    assert r.get_json()["verificacion"] == {
        "estado": "invalida",
        "motivo": "La firma es correcta, pero el token caducó: exp = 2011-03-22 18:43:00 UTC.",
        "avisos": [],
    }


def test_todavia_no_valido(client_03):
    token = jwt.encode({"sub": "1", "nbf": 4_000_000_000}, CLAVE, algorithm="HS256")
    r = inspeccionar(client_03, token, CLAVE)
    assert r.get_json()["verificacion"]["motivo"] == (
        "La firma es correcta, pero el token todavía no es válido (nbf o iat están en el futuro)."
    )


def test_sub_numerico(client_03):
    # PyJWT 2.15 ya no firma un «sub» numérico: se firma a mano, como lo haría otra biblioteca.
    import hashlib
    import hmac

    entrada = b64('{"alg":"HS256","typ":"JWT"}') + "." + b64('{"sub":42}')
    token = f"{entrada}.{b64(hmac.new(CLAVE.encode(), entrada.encode(), hashlib.sha256).digest())}"
    r = inspeccionar(client_03, token, CLAVE)
    assert r.get_json()["verificacion"]["motivo"] == (
        'La firma es correcta, pero «sub» debe ser un texto (RFC 7519 §4.1.2), por ejemplo "42" y no 42.'
    )


def test_alg_none(client_03):
    cabecera, payload = b64('{"alg":"none","typ":"JWT"}'), b64('{"sub":"1","rol":"admin"}')
    token = f"{cabecera}.{payload}."
    r = inspeccionar(client_03, token, CLAVE)
    assert r.status_code == 200
    assert r.get_json()["firma"] == {"base64url": "", "hex": "", "bytes": 0}
    assert r.get_json()["verificacion"] == {
        "estado": "invalida",
        "motivo": "«alg»: «none» significa «sin firma» (RFC 7518 §3.6): cualquiera puede fabricar ese token. "
        "Nunca se acepta.",
        "avisos": [],
    }


def test_otro_algoritmo(client_03):
    clave = "k" * 64
    token = jwt.encode({"sub": "1"}, clave, algorithm="HS512")
    r = inspeccionar(client_03, token, clave)
    assert r.get_json()["verificacion"]["motivo"] == (
        'El algoritmo "HS512" no está permitido: este inspector solo verifica HS256. '
        "El algoritmo lo fija quien verifica, no el token (RFC 8725 §3.1)."
    )


def a_mano(cabecera, payload, clave=CLAVE):
    """Un token HS256 firmado aquí, con la cabecera y el payload (texto JSON) que se quiera."""
    import hashlib
    import hmac

    entrada = f"{b64(cabecera)}.{b64(payload)}"
    return f"{entrada}.{b64(hmac.new(clave.encode(), entrada.encode(), hashlib.sha256).digest())}"


MOTIVO_B64 = (
    "La cabecera lleva «b64» (RFC 7797): con «b64»: false, lo firmado no es la carga útil en base64url. "
    "Un JWT nunca puede usarlo («JWTs MUST NOT use the unencoded payload option», RFC 7797), así que "
    "este inspector no lo verifica."
)


@pytest.mark.parametrize(
    "cabecera",
    [
        '{"alg":"HS256","b64":false,"crit":["b64"]}',
        '{"alg":"HS256","b64":false}',
    ],
    ids=["con_crit", "sin_crit"],
)
@pytest.mark.parametrize("clave", [CLAVE, CLAVE + "x"], ids=["clave_buena", "clave_mala"])
def test_b64_false_no_se_da_por_bueno(client_03, cabecera, clave):
    """Issue 11: con «b64»: false y la clave equivocada, PyJWT lanzaba DecodeError y el inspector decía
    «La firma es correcta». Un JWT no puede usar RFC 7797: se rechaza, con cualquier clave."""
    token = a_mano(cabecera, '{"sub":"1","rol":"admin"}')
    r = inspeccionar(client_03, token, clave)
    assert r.status_code == 200
    assert r.get_json()["verificacion"] == {"estado": "invalida", "motivo": MOTIVO_B64, "avisos": []}


def test_crit_desconocido_se_rechaza(client_03):
    token = a_mano('{"alg":"HS256","crit":["exp"],"exp":1}', '{"sub":"1"}')
    r = inspeccionar(client_03, token, CLAVE)
    assert r.get_json()["verificacion"] == {
        "estado": "invalida",
        "motivo": 'La cabecera exige entender las extensiones críticas ["exp"] (RFC 7515 §4.1.11); este inspector '
        "no entiende ninguna, así que el token no es válido.",
        "avisos": [],
    }


@pytest.mark.parametrize(
    "cabecera",
    [
        '{"alg":"HS256","typ":"JWT"}',
        '{"alg":"HS256","kid":5}',
        '{"alg":"HS256","b64":false,"crit":["b64"]}',
        '{"alg":"HS256","crit":["b64"]}',
        '{"alg":"HS256","crit":[]}',
        '{"alg":"HS256","b64":true}',
    ],
)
@pytest.mark.parametrize("payload", ['{"sub":"1"}', '{"sub":"1","exp":"mañana"}', '{"sub":1}', '{"exp":NaN}'])
def test_con_otra_clave_nunca_dice_que_la_firma_es_correcta(client_03, cabecera, payload):
    """Sea cual sea la cabecera o el payload, un token firmado con otra clave no tiene «la firma correcta»."""
    token = a_mano(cabecera, payload, clave="otra-clave-que-no-es-la-del-inspector-32b")
    verificacion = inspeccionar(client_03, token, CLAVE).get_json()["verificacion"]
    assert verificacion["estado"] == "invalida"
    assert "firma es correcta" not in verificacion["motivo"]


@pytest.mark.parametrize("valor", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_exp_que_no_es_finito_no_es_valido(client_03, valor):
    token = a_mano('{"alg":"HS256","typ":"JWT"}', f'{{"sub":"1","exp":{valor}}}')
    r = inspeccionar(client_03, token, CLAVE)
    assert r.status_code == 200
    assert r.get_json()["fechas"] == {"exp": "fuera del rango de fechas representable"}
    assert r.get_json()["verificacion"]["motivo"] == (
        "La firma es correcta, pero una fecha no es un número válido: Expiration Time claim (exp) must be an integer."
    )


def test_firma_no_canonica_da_400(client_03):
    """«…Xk» y «…Xl» dan los mismos 32 bytes: el inspector, como jwt_manual, solo admite la forma canónica."""
    alfabeto = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    token = TOKEN[:-1] + alfabeto[alfabeto.index(TOKEN[-1]) ^ 1]
    assert base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "=") == base64.urlsafe_b64decode(
        TOKEN.rsplit(".", 1)[1] + "="
    )
    r = inspeccionar(client_03, token, CLAVE)
    assert r.status_code == 400
    assert r.get_json() == {"error": "La firma no está en base64url canónico: su último carácter lleva bits de más."}


def test_la_clave_corta_solo_se_avisa_y_jwt_manual_la_rechaza(client_03):
    """Lo que dice la lección: el inspector diagnostica (avisa por debajo de 32 bytes), jwt_manual se niega."""
    import importlib.util

    from conftest import RAIZ

    spec = importlib.util.spec_from_file_location(
        "jwt_manual_prueba_03", RAIZ / "solutions/03_anatomia_jwt/jwt_manual.py"
    )
    jm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(jm)
    assert jm.MIN_CLAVE == 32
    clave = "k" * 31
    token = a_mano('{"alg":"HS256","typ":"JWT"}', '{"sub":"1"}', clave=clave)
    verificacion = inspeccionar(client_03, token, clave).get_json()["verificacion"]
    assert verificacion["estado"] == "valida"
    assert verificacion["avisos"][0].startswith("La clave tiene 31 bytes; RFC 7518 §3.2 pide al menos 32 para HS256.")
    for llamada in (lambda: jm.codificar({"sub": "1"}, clave), lambda: jm.decodificar(token, clave)):
        with pytest.raises(ValueError, match="31 bytes"):
            llamada()


def test_la_dependencia_de_pyjwt_trae_el_aviso_de_clave_corta():
    """pyproject.toml pedía pyjwt>=2.10, pero InsecureKeyLengthWarning llegó en la 2.11."""
    import tomllib

    from conftest import RAIZ
    from packaging.requirements import Requirement

    dependencias = tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pyjwt = next(Requirement(d) for d in dependencias if Requirement(d).name.lower() == "pyjwt")
    assert not pyjwt.specifier.contains("2.10.1") and pyjwt.specifier.contains("2.11.0")
    assert pyjwt.specifier.contains(jwt.__version__) and issubclass(jwt.InsecureKeyLengthWarning, UserWarning)


# --- Entrada mala: 400 con un mensaje en español, nunca un 500 -----------------

NO_ES_JSON = "no es JSON válido (en UTF-8)."
MAL_FORMADOS = [
    ("", "Pega un token: tres partes en base64url separadas por puntos."),
    ("abc", "Un JWT firmado tiene tres partes separadas por puntos (cabecera, carga útil y firma); este tiene 1."),
    ("a.b.c.d", "Un JWT firmado tiene tres partes separadas por puntos (cabecera, carga útil y firma); este tiene 4."),
    ("e30=.e30.AAAA", "La cabecera no está en base64url: solo admite A-Z, a-z, 0-9, «-» y «_», sin «=»."),
    ("e30.e+0.AAAA", "La carga útil no está en base64url: solo admite A-Z, a-z, 0-9, «-» y «_», sin «=»."),
    ("e30.e30.A", "La firma no está en base64url: solo admite A-Z, a-z, 0-9, «-» y «_», sin «=»."),
    (f"{b64('hola')}.e30.AAAA", "La cabecera " + NO_ES_JSON),
    (f"{b64(bytes([255, 254]))}.e30.AAAA", "La cabecera " + NO_ES_JSON),
    (f"{b64('[' * 5000)}.e30.AAAA", "La cabecera " + NO_ES_JSON),
    (f"{b64('[]')}.e30.AAAA", "La cabecera debe ser un objeto JSON ({…}), y es una lista."),
    (f"e30.{b64('null')}.AAAA", "La carga útil debe ser un objeto JSON ({…}), y es null."),
    (f"e30.{b64('42')}.AAAA", "La carga útil debe ser un objeto JSON ({…}), y es un número."),
    ("x" * 9000, "El token es demasiado largo (9000 caracteres; el máximo es 8192)."),
]


@pytest.mark.parametrize(
    ("token", "mensaje"),
    MAL_FORMADOS,
    ids=[
        "vacio",
        "un_segmento",
        "cuatro_segmentos",
        "relleno",
        "alfabeto_estandar",
        "firma_imposible",
        "cabecera_no_json",
        "cabecera_no_utf8",
        "cabecera_anidada",
        "cabecera_lista",
        "payload_null",
        "payload_numero",
        "demasiado_largo",
    ],
)
def test_token_mal_formado_da_400(client_03, token, mensaje):
    r = inspeccionar(client_03, token)
    assert r.status_code == 400
    assert r.get_json() == {"error": mensaje}


@pytest.mark.parametrize(
    ("peticion", "mensaje"),
    [
        (
            {"data": "token=x", "content_type": "text/plain"},
            'El cuerpo debe ser un objeto JSON: {"token": "…", "clave": "…"} (clave opcional).',
        ),
        ({"json": ["token"]}, 'El cuerpo debe ser un objeto JSON: {"token": "…", "clave": "…"} (clave opcional).'),
        (
            {"data": "[" * 50_000, "content_type": "application/json"},
            'El cuerpo debe ser un objeto JSON: {"token": "…", "clave": "…"} (clave opcional).',
        ),
        ({"json": {}}, "Falta el campo «token»."),
        ({"json": {"token": 42}}, "El campo «token» debe ser un texto."),
        ({"json": {"token": TOKEN, "clave": 42}}, "El campo «clave» debe ser un texto."),
        ({"json": {"token": TOKEN, "clave": "x" * 1025}}, "La clave es demasiado larga (máximo 1024 caracteres)."),
    ],
    ids=["texto_plano", "lista", "json_anidado", "sin_token", "token_numero", "clave_numero", "clave_larga"],
)
def test_cuerpo_malo_da_400(client_03, peticion, mensaje):
    r = client_03.post("/api/inspeccionar", **peticion)
    assert r.status_code == 400
    assert r.get_json() == {"error": mensaje}


def test_cuerpo_enorme_da_413_en_json(client_03):
    r = client_03.post("/api/inspeccionar", json={"token": "x" * 70_000})
    assert r.status_code == 413
    assert r.get_json() == {"error": "La petición es demasiado grande (máximo 64 KB)."}


def test_ruta_y_metodo_en_json(client_03):
    r = client_03.get("/api/inspeccionar")
    assert r.status_code == 405
    assert r.get_json() == {"error": "Método no permitido en esta ruta."}
    assert "POST" in r.headers["Allow"]
    r = client_03.get("/api/nada")
    assert r.status_code == 404
    assert r.get_json() == {"error": "La ruta no existe."}


# --- La página ---------------------------------------------------------------


def test_la_pagina_tiene_un_formulario_post_sin_javascript_ni_cdn(client_03):
    r = client_03.get("/")
    assert r.status_code == 200
    pagina = r.get_data(as_text=True)
    assert '<form method="post" action="/">' in pagina
    assert 'name="token"' in pagina and 'name="clave"' in pagina
    assert "<script" not in pagina and "http://" not in pagina and "https://" not in pagina
    assert r.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]


def test_la_pagina_muestra_el_token_y_no_devuelve_la_clave(client_03):
    r = client_03.post("/", data={"token": TOKEN, "clave": CLAVE})
    assert r.status_code == 200
    pagina = r.get_data(as_text=True)
    assert "La firma es correcta y el token está dentro de su plazo." in pagina
    assert "2023-11-14 22:13:20 UTC" in pagina and "&#34;rol&#34;: &#34;editor&#34;" in pagina
    assert CLAVE not in pagina


def test_la_pagina_escapa_el_payload(client_03):
    token = jwt.encode({"sub": "1", "nombre": "<script>alert('xss')</script>"}, CLAVE, algorithm="HS256")
    pagina = client_03.post("/", data={"token": token}).get_data(as_text=True)
    assert "<script>alert" not in pagina
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in pagina


def test_la_pagina_escapa_la_cabecera_y_el_token_mal_formado(client_03):
    token = jwt.encode({"sub": "1"}, CLAVE, algorithm="HS256", headers={"kid": "<img src=x onerror=alert(1)>"})
    pagina = client_03.post("/", data={"token": token}).get_data(as_text=True)
    assert "<img" not in pagina and "&lt;img src=x onerror=alert(1)&gt;" in pagina
    r = client_03.post("/", data={"token": "</textarea><script>alert(1)</script>"})
    assert r.status_code == 400
    assert "<script>" not in r.get_data(as_text=True)


def test_la_pagina_explica_el_error(client_03):
    r = client_03.post("/", data={"token": "abc"})
    assert r.status_code == 400
    assert "tiene tres partes separadas por puntos" in r.get_data(as_text=True)


def test_la_pagina_con_un_cuerpo_enorme_da_413(client_03):
    r = client_03.post("/", data={"token": "x" * 70_000})
    assert r.status_code == 413
    assert "La petición es demasiado grande (máximo 64 KB)." in r.get_data(as_text=True)


def test_no_necesita_jwt_secret_key_ni_base_de_datos(app_03):
    assert "JWT_SECRET_KEY" not in app_03.config and "SQLALCHEMY_DATABASE_URI" not in app_03.config


# --- Lo que afirma el texto de la lección ------------------------------------


def test_pyjwt_con_b64_false_no_llega_a_mirar_la_firma():
    """El README: con «b64»: false, PyJWT lanza DecodeError antes de comprobar la firma (por eso el inspector
    no puede leer un DecodeError como «la firma es correcta»)."""
    casos = [
        ('{"alg":"HS256","b64":false,"crit":["b64"]}', jwt.DecodeError),  # lo que pide RFC 7797
        ('{"alg":"HS256","b64":false}', jwt.InvalidTokenError),
    ]  # sin «crit»: ni siquiera es RFC 7797
    for cabecera, excepcion in casos:
        token = a_mano(cabecera, '{"sub":"1"}', clave="otra-clave-que-no-es-la-del-inspector-32b")
        with pytest.raises(excepcion) as error:
            jwt.decode(token, CLAVE, algorithms=["HS256"])
        assert not isinstance(error.value, jwt.InvalidSignatureError)


def test_pyjwt_solo_avisa_de_la_clave_corta():
    """El README: PyJWT ≥ 2.11 avisa por debajo de 32 bytes, pero firma y verifica igual."""
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = jwt.encode({"sub": "1"}, "k" * 31, algorithm="HS256")
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        assert jwt.decode(token, "k" * 31, algorithms=["HS256"]) == {"sub": "1"}


def test_el_texto_cita_lo_que_dice():
    """«Nada secreto en el payload» es RFC 7519 §12 (RFC 8725 §3.10 es «Do Not Trust Received Claims»), y las
    referencias que el README cuenta son las que enumera."""
    import re

    from conftest import RAIZ

    texto = (RAIZ / "lessons/03_anatomia_jwt/README.md").read_text(encoding="utf-8")
    assert "RFC 8725 §3.10" not in texto and "RFC 7519 §12" in texto
    frase = re.search(r"Nos apoyamos en (\w+) RFC: (.*?)\.", texto, re.S)
    numeros = {"tres": 3, "cuatro": 4, "cinco": 5}
    assert numeros[frase[1]] == len(re.findall(r"RFC \d{4}", frase[2]))
