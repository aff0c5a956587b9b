"""Comprobaciones de la lección 02: registro con bcrypt, inicio de sesión con JWT, perfil, autoría y borradores."""

import base64
import json
import re
import secrets
import time
from datetime import timedelta

import bcrypt
import jwt

from taller import anteriores
from taller.comprobaciones import Cliente, Desajuste, Fallo, Falta, bearer, comprobacion, reemitir

TAREAS = {
    1: "Registrar usuarios con bcrypt",
    2: "Iniciar sesión con JWT",
    3: "El perfil y los tokens malos",
    4: "Escribir artículos con token: autoría",
    5: "Borradores solo para su autor",
    6: "Lo de lecciones anteriores sigue funcionando",
}

ANA = {"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "Ana"}
BEA = {"email": "bea@example.com", "password": "contraseña-de-bea", "nombre": "Bea"}
PARA_EMPEZAR = "Para comprobar esto primero se registra un usuario (tarea 1) y se inicia sesión (tarea 2)."
PISTA_TOKEN = "Protege la ruta con @jwt_required() de Flask-JWT-Extended."


# ── Ayudantes ────────────────────────────────────────────────────────────────


def registrar(client, usuario=ANA):
    """Registra ``usuario`` y devuelve el JSON de la respuesta."""
    r = client.post("/auth/registro", json=usuario).espera(201, ayuda=PARA_EMPEZAR)
    cuerpo = r.espera_json()
    if not isinstance(cuerpo, dict) or type(cuerpo.get("id")) is not int:
        raise Falta('el campo "id" (un número entero)', f"en la respuesta a {r.peticion}: {cuerpo!r}")
    return cuerpo


def iniciar_sesion(client, usuario=ANA):
    """El ``access_token`` de ``usuario`` (que ya existe)."""
    r = client.post("/auth/login", json={"email": usuario["email"], "password": usuario["password"]})
    r.espera(200, ayuda=PARA_EMPEZAR)
    cuerpo = r.espera_json()
    if not isinstance(cuerpo, dict) or not isinstance(cuerpo.get("access_token"), str):
        raise Falta('el campo "access_token" con el token', f"en la respuesta a {r.peticion}: {cuerpo!r}")
    return cuerpo["access_token"]


def cuenta(client, usuario=ANA):
    """Registra ``usuario``, inicia sesión y devuelve ``(usuario_json, cabeceras_con_el_token)``."""
    datos = registrar(client, usuario)
    return datos, bearer(iniciar_sesion(client, usuario))


def b64(datos):
    return base64.urlsafe_b64encode(json.dumps(datos).encode()).rstrip(b"=").decode()


def emisor_y_audiencia(app):
    """Los claims ``iss`` y ``aud`` que la app pone en sus tokens (los de su configuración), si los pone."""
    claims = {"iss": app.config.get("JWT_ENCODE_ISSUER"), "aud": app.config.get("JWT_ENCODE_AUDIENCE")}
    return {clave: valor for clave, valor in claims.items() if valor}


def firmar(app, clave=None, **claims):
    """Un token firmado a mano con HS256 (por defecto con la clave de la app), como los de Flask-JWT-Extended."""
    ahora = int(time.time())
    datos = {
        "sub": "1",
        "iat": ahora,
        "nbf": ahora,
        "exp": ahora + 900,
        "jti": secrets.token_hex(8),
        "type": "access",
        "fresh": False,
        **emisor_y_audiencia(app),
        **claims,
    }
    datos = {nombre: valor for nombre, valor in datos.items() if valor is not None}  # None quita el claim
    return jwt.encode(datos, clave or app.config["JWT_SECRET_KEY"], algorithm="HS256")


def tokens_malos(app, token_bueno):
    """Los tokens que una ruta protegida debe rechazar, con su descripción."""
    cabecera, carga, firma = token_bueno.split(".")
    datos = json.loads(base64.urlsafe_b64decode(carga + "=" * (-len(carga) % 4)))
    otra_carga = b64({**datos, "sub": "999999"})  # la carga cambiada y la firma vieja
    return {
        "sin cabecera Authorization": None,
        "basura («Bearer basura»)": bearer("basura"),
        "manipulado (otra carga con la firma original)": bearer(f"{cabecera}.{otra_carga}.{firma}"),
        "firmado con otra clave": bearer(firmar(app, clave=secrets.token_hex(32), sub=datos["sub"])),
        "con alg none y sin firma": bearer(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{carga}."),
        "caducado (exp en el pasado)": bearer(firmar(app, sub=datos["sub"], exp=int(time.time()) - 60)),
        "de tipo refresh": bearer(firmar(app, sub=datos["sub"], type="refresh")),
        "sin exp (no caducaría nunca)": bearer(firmar(app, sub=datos["sub"], exp=None)),
        "sin iat": bearer(firmar(app, sub=datos["sub"], iat=None)),
        f"con el sub en cifras de ancho completo ({ancho_completo(datos['sub'])!r})": bearer(
            firmar(app, sub=ancho_completo(datos["sub"]))
        ),
    }


def ancho_completo(texto):
    """``"1"`` → ``"１"``: otras cifras Unicode; ``int("１") == 1``, pero no es el sub que emitió la app."""
    return texto.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


PISTAS_TOKEN = {  # una pista por caso: la de @jwt_required() no ayuda con un sub de ancho completo
    "sin exp": "Exige los claims en los que te apoyas: clave_de_verificacion (api/auth.py) rechaza un token sin exp.",
    "sin iat": "Exige los claims en los que te apoyas: clave_de_verificacion (api/auth.py) rechaza un token sin iat.",
    "ancho completo": 'En usuario_de, acepta solo cifras ASCII: "１".isdecimal() es True e int("１") == 1.',
}


def espera_rechazo(client, metodo, ruta, cabeceras, descripcion, **kw):
    """La petición con un token malo debe recibir 401 o 422."""
    r = client.peticion(metodo, ruta, headers=cabeceras or {}, **kw)
    if r.estado not in (401, 422):
        pista = next((p for clave, p in PISTAS_TOKEN.items() if clave in descripcion), PISTA_TOKEN)
        raise Desajuste(
            f"401 o 422 con un token {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", pista
        )


def crear_articulo(client, cabeceras, **campos):
    cuerpo = {"titulo": "Hola, mundo", "contenido": "Mi primer artículo.", "publicado": True, **campos}
    r = client.post("/api/articulos", json=cuerpo, headers=cabeceras).espera(
        201, ayuda="Con un token válido, POST /api/articulos crea el artículo (tarea 4)."
    )
    return r.espera_json()


def ids_de(lista, contexto):
    if not isinstance(lista, list):
        raise Desajuste("una lista JSON", repr(lista), contexto)
    return [a.get("id") for a in lista if isinstance(a, dict)]


def textos_de_la_base(base_de_datos, app):
    """Todos los textos guardados en la base de datos SQLite de la app."""
    tablas = [f[0] for f in base_de_datos.leer(app, "SELECT name FROM sqlite_master WHERE type='table'")]
    textos = []
    for tabla in tablas:
        for fila in base_de_datos.leer(app, f'SELECT * FROM "{tabla}"'):
            textos += [v.decode("latin-1") if isinstance(v, bytes) else v for v in fila if isinstance(v, (str, bytes))]
    return textos


# ── Estructura ───────────────────────────────────────────────────────────────


@comprobacion(tarea=None, puntos=0)
def test_estructura(crear_app):
    """El paquete api se importa y create_app(config) devuelve una aplicación Flask."""
    crear_app()


# ── Tarea 1: registro ────────────────────────────────────────────────────────


@comprobacion(tarea=1, puntos=2)
def test_registro_crea_el_usuario(client):
    """POST /auth/registro responde 201 con {id, email, nombre} y sin la contraseña ni su hash."""
    r = client.post("/auth/registro", json=ANA).espera(201, ayuda="Devuelve jsonify(usuario.a_dict()), 201.")
    cuerpo = r.espera_json()
    if not isinstance(cuerpo, dict) or type(cuerpo.get("id")) is not int:
        raise Falta('el campo "id" (un número entero)', f"en la respuesta a {r.peticion}: {cuerpo!r}")
    esperado = {"email": ANA["email"], "nombre": ANA["nombre"]}
    for campo, valor in esperado.items():
        if cuerpo.get(campo) != valor:
            raise Desajuste(
                f'"{campo}": {valor!r}', f'"{campo}": {cuerpo.get(campo)!r}', f"en la respuesta a {r.peticion}"
            )
    sobran = sorted(set(cuerpo) - {"id", "email", "nombre"})
    if sobran:
        raise Desajuste(
            "solo los campos id, email y nombre",
            f"también {sobran}",
            f"en la respuesta a {r.peticion}",
            "El usuario nunca se devuelve con su contraseña ni con su hash: usa Usuario.a_dict().",
        )


@comprobacion(tarea=1, puntos=1)
def test_registro_rechaza_un_email_repetido(client):
    """Registrar un email que ya existe responde 409."""
    registrar(client)
    client.post("/auth/registro", json={**ANA, "nombre": "Otra Ana"}).espera_error(
        409, ayuda="Antes de crear el usuario, busca si ya hay uno con ese email y responde 409 Conflict."
    )


@comprobacion(tarea=1, puntos=2)
def test_registro_valida_los_datos(client):
    """Un cuerpo que no es un objeto, campos que faltan o no son texto, un email o una contraseña no válidos: 400."""
    campos = "Valida cada campo (que exista y sea un texto) antes de usarlo."
    forma = "Normaliza el email (NFKC, sin espacios, en minúsculas) y compruébalo con la expresión EMAIL."
    bytes72 = "bcrypt 5 lanza ValueError con más de 72 bytes: cuenta len(password.encode()), no len(password)."
    malos = [
        (None, campos),
        ([], campos),
        ("texto", campos),
        ({"password": ANA["password"], "nombre": "Ana"}, campos),
        ({"email": ANA["email"], "nombre": "Ana"}, campos),
        ({"email": ANA["email"], "password": ANA["password"]}, campos),
        ({**ANA, "email": 42}, campos),
        ({**ANA, "password": 12345678}, campos),
        ({**ANA, "nombre": None}, campos),
        ({**ANA, "email": "no-es-un-email"}, forma),
        ({**ANA, "email": ""}, forma),
        ({**ANA, "email": "ana@example.com."}, forma + " Un punto final es otro dominio (y otra cuenta)."),
        ({**ANA, "email": "ana@example.com\u200b"}, "Rechaza los caracteres de formato (categoría Cf, como \\u200b)."),
        ({**ANA, "email": "ana\x00@example.com"}, "Rechaza los caracteres de control (categoría Cc, como \\x00)."),
        ({**ANA, "password": "corta"}, "La contraseña necesita al menos 8 caracteres."),
        ({**ANA, "password": "ñ" * 37}, bytes72),  # 37 caracteres, 74 bytes
        ({**ANA, "nombre": "   "}, "Un nombre de solo espacios está vacío: usa strip()."),
        ({**ANA, "rol": "admin"}, "Un campo desconocido (el cliente no elige su rol) es un 400."),
    ]
    for cuerpo, pista in malos:
        client.post("/auth/registro", json=cuerpo).espera_error(400, ayuda=pista)
    client.post("/auth/registro", data="email=x", content_type="text/plain").espera_error(400, ayuda=campos)
    sueltos = (
        '{"email": "ana@example.com", "password": "\\ud800\\ud800\\ud800\\ud800", "nombre": "Ana"}',
        '{"email": "ana@example.com", "password": "contraseña-de-ana", "nombre": "\\udfff"}',
    )
    for cuerpo in sueltos:  # JSON válido, pero un «surrogate» suelto no es texto: bcrypt o SQLite darían un 500
        client.post("/auth/registro", data=cuerpo, content_type="application/json").espera_error(
            400, ayuda="leer_json() rechaza el texto con un «\\ud800» suelto (no es Unicode válido)."
        )
    registrar(client)  # nada de lo anterior ha creado al usuario


@comprobacion(tarea=1, puntos=1)
def test_un_email_que_se_ve_igual_es_la_misma_cuenta(client):
    """Un email en caracteres de ancho completo, o con mayúsculas y espacios, es el de la cuenta que ya existe: 409."""
    registrar(client)
    for parecido in ("ＡＮＡ＠ｅｘａｍｐｌｅ．ｃｏｍ", "  Ana@Example.COM "):
        client.post("/auth/registro", json={**ANA, "email": parecido}).espera_error(
            409,
            ayuda='Normaliza el email con unicodedata.normalize("NFKC", email).strip().lower() antes de '
            "buscarlo: si no, dos cuentas se ven iguales.",
        )
    r = client.post("/auth/login", json={"email": "ＡＮＡ＠ｅｘａｍｐｌｅ．ｃｏｍ", "password": ANA["password"]})
    r.espera(200, ayuda="El inicio de sesión normaliza el email igual que el registro (normalizar_email).")


@comprobacion(tarea=1, puntos=2)
def test_la_contrasena_se_guarda_con_bcrypt(client, base_de_datos):
    """La base de datos guarda un hash bcrypt (con el coste de BCRYPT_LOG_ROUNDS), nunca la contraseña."""
    registrar(client)
    textos = textos_de_la_base(base_de_datos, client.app)
    if any(ANA["password"] in t for t in textos):
        raise Fallo(
            "La contraseña está guardada tal cual en la base de datos.",
            ayuda="Guarda solo bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=...)).",
        )
    hashes = [t for t in textos if re.fullmatch(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}", t)]
    correctos = [h for h in hashes if bcrypt.checkpw(ANA["password"].encode(), h.encode())]
    if not correctos:
        raise Falta(
            "un hash bcrypt de la contraseña en la base de datos",
            ayuda="Un sha256 sin sal se rompe con una tabla precalculada: usa bcrypt.hashpw con bcrypt.gensalt().",
        )
    coste = int(correctos[0][4:6])
    if coste != client.app.config["BCRYPT_LOG_ROUNDS"]:
        raise Desajuste(
            f"un hash de coste {client.app.config['BCRYPT_LOG_ROUNDS']} (BCRYPT_LOG_ROUNDS)",
            f"coste {coste}",
            ayuda='Usa bcrypt.gensalt(rounds=current_app.config["BCRYPT_LOG_ROUNDS"]).',
        )


@comprobacion(tarea=1, puntos=1)
def test_ninguna_respuesta_muestra_la_contrasena_ni_el_hash(client, base_de_datos):
    """En todo el recorrido (registro, inicio de sesión, perfil, artículos) ninguna respuesta contiene la contraseña ni su hash."""
    respuestas = [client.post("/auth/registro", json=ANA).espera(201, ayuda=PARA_EMPEZAR)]
    r = client.post("/auth/login", json={"email": ANA["email"], "password": ANA["password"]}).espera(200)
    respuestas.append(r)
    cabeceras = bearer(r.espera_json().get("access_token", ""))
    respuestas += [
        client.post("/auth/login", json={"email": ANA["email"], "password": "otra-contraseña"}),
        client.post("/auth/registro", json=ANA),
        client.get("/api/perfil", headers=cabeceras),
        client.post("/api/articulos", json={"titulo": "Hola"}, headers=cabeceras),
        client.get("/api/articulos", headers=cabeceras),
    ]
    hashes = [t for t in textos_de_la_base(base_de_datos, client.app) if t.startswith("$2")]
    for r in respuestas:
        for secreto in [ANA["password"], *hashes]:
            if secreto in r.texto:
                raise Fallo(
                    f"La respuesta a {r.peticion} contiene la contraseña o su hash.",
                    ayuda="Devuelve el usuario con un diccionario que no incluya password_hash.",
                )


# ── Tarea 2: inicio de sesión ────────────────────────────────────────────────


@comprobacion(tarea=2, puntos=2)
def test_login_devuelve_un_token_con_sub_de_texto(client):
    """POST /auth/login devuelve un access_token firmado con JWT_SECRET_KEY cuyo sub es el id del usuario como texto."""
    usuario = registrar(client)
    token = iniciar_sesion(client)
    try:
        datos = jwt.decode(
            token,
            client.app.config["JWT_SECRET_KEY"],
            algorithms=["HS256"],
            audience=client.app.config.get("JWT_DECODE_AUDIENCE"),
            issuer=client.app.config.get("JWT_DECODE_ISSUER"),
            options={"verify_sub": False},
        )
    except jwt.InvalidTokenError as e:
        raise Fallo(
            f"El access_token no se puede verificar con JWT_SECRET_KEY: {e}.",
            ayuda="Crea el token con create_access_token de Flask-JWT-Extended.",
        ) from None
    if datos.get("sub") != str(usuario["id"]):
        raise Desajuste(
            f'"sub": "{usuario["id"]}" (el id como texto)',
            f'"sub": {datos.get("sub")!r}',
            "en el token del inicio de sesión",
            "Usa create_access_token(identity=str(usuario.id)): con un entero, cada petición "
            "posterior recibe 422 «Subject must be a string».",
        )
    if datos.get("type") != "access":
        raise Desajuste('"type": "access"', f'"type": {datos.get("type")!r}', "en el token del inicio de sesión")


@comprobacion(tarea=2, puntos=2)
def test_login_mismo_error_para_email_desconocido_y_contrasena_mala(client):
    """Un email desconocido y una contraseña mala reciben exactamente la misma respuesta 401."""
    registrar(client)
    mala = client.post("/auth/login", json={"email": ANA["email"], "password": "no-es-la-buena"})
    desconocido = client.post("/auth/login", json={"email": "nadie@example.com", "password": "no-es-la-buena"})
    cuerpo = mala.espera_error(401)
    desconocido.espera_error(401)
    if (mala.estado, mala.texto) != (desconocido.estado, desconocido.texto):
        raise Desajuste(
            f"la misma respuesta para los dos casos ({mala.estado} {mala.texto.strip()})",
            f"{desconocido.estado} {desconocido.texto.strip()} con un email desconocido",
            ayuda="Un mensaje distinto dice a un atacante qué emails están registrados.",
        )
    if not isinstance(cuerpo, dict):
        raise Desajuste("un objeto JSON", repr(cuerpo))


@comprobacion(tarea=2, puntos=2)
def test_login_llama_a_checkpw_una_vez_en_los_dos_casos(client, espiar):
    """El inicio de sesión llama a bcrypt.checkpw exactamente una vez, exista el email o no (el tiempo no delata al usuario)."""
    registrar(client)
    for caso, email in (("una contraseña mala", ANA["email"]), ("un email desconocido", "nadie@example.com")):
        espia = espiar("bcrypt.checkpw")  # también cuenta «from bcrypt import checkpw»
        r = client.post("/auth/login", json={"email": email, "password": "no-es-la-buena"})
        r.espera(401)
        llamadas = espia.llamadas
        if len(llamadas) != 1:
            raise Desajuste(
                f"una llamada a bcrypt.checkpw con {caso}",
                f"{len(llamadas)}",
                f"en {r.peticion}",
                "Si el email no existe, compara la contraseña con un hash bcrypt ficticio: así las dos "
                "respuestas tardan lo mismo.",
            )


@comprobacion(tarea=2, puntos=1)
def test_login_valida_el_cuerpo(client):
    """Un inicio de sesión sin contraseña, con tipos que no son texto, sin JSON o con más de 72 bytes recibe 400 (nunca 500)."""
    registrar(client)
    malos = [
        {"email": ANA["email"]},
        {"password": ANA["password"]},
        {"email": ANA["email"], "password": None},
        {"email": ANA["email"], "password": 12345678},
        {"email": ["a"], "password": ANA["password"]},
        {"email": ANA["email"], "password": "x" * 73},
        None,
        [],
    ]
    for cuerpo in malos:
        client.post("/auth/login", json=cuerpo).espera_error(
            400, ayuda="Comprueba que email y password existen y son textos antes de llamar a bcrypt."
        )
    client.post("/auth/login", data="email=x", content_type="text/plain").espera_error(400)


@comprobacion(tarea=2, puntos=1, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_el_token_no_se_guarda_en_caches_y_hay_cabeceras_de_seguridad(client):
    """La respuesta del inicio de sesión lleva Cache-Control: no-store y cabeceras de seguridad; un Authorization de 9 KB da 431 en JSON."""
    registrar(client)
    r = client.post("/auth/login", json={"email": ANA["email"], "password": ANA["password"]})
    r.espera(200, ayuda=PARA_EMPEZAR)
    pista = "Las pone cabeceras_de_seguridad (api/cuerpo.py), registrada en api/auth.py con bp.after_app_request."
    r.espera_cabecera(
        "Cache-Control",
        "no-store",
        ayuda="Un token en una caché lo lee el siguiente que la use (RFC 6749, sección 5.1). " + pista,
    )
    r.espera_cabecera("X-Content-Type-Options", "nosniff", ayuda=pista)
    r.espera_cabecera("Referrer-Policy", ayuda=pista)
    r.espera_cabecera("Content-Security-Policy", ayuda=pista)
    enorme = client.get("/api/perfil", headers=bearer("a" * 9 * 1024))
    enorme.espera_error(
        431,
        ayuda="limitar_authorization (api/cuerpo.py) corta una cabecera Authorization de más de "
        "8 KB con abort(431), y el manejador de errores la responde en JSON.",
    )


@comprobacion(tarea=2, puntos=1)
def test_sin_secreto_fuerte_la_app_no_arranca(fabrica, carpeta):
    """Sin TESTING, create_app lanza SecretoDebil sin JWT_SECRET_KEY o con una clave débil; con una fuerte arranca."""
    # El recinto arranca con el entorno vacío: no hay JWT_SECRET_KEY de donde leer.
    base = {
        "TESTING": False,
        "DEBUG": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{carpeta / 'secreto.sqlite'}",
        "BCRYPT_LOG_ROUNDS": 4,
    }
    casos = {
        "sin JWT_SECRET_KEY": ({"JWT_SECRET_KEY": None}, "Sin clave y sin TESTING ni DEBUG, lanza SecretoDebil."),
        'con JWT_SECRET_KEY="mi_clave_secreta" (16 bytes)': (
            {"JWT_SECRET_KEY": "mi_clave_secreta"},
            "Cuenta los bytes de la clave: menos de 32 es SecretoDebil.",
        ),
        "con la clave de ejemplo de la semilla (38 bytes, pero pública)": (
            {"JWT_SECRET_KEY": "super-secret-key-cambiar-en-produccion"},
            "Una clave que está publicada no es secreta, aunque sea larga: mírala en CLAVES_PUBLICAS.",
        ),
    }
    for caso, (cambios, pista) in casos.items():
        try:
            fabrica({**base, **cambios})
        except Exception as e:  # la excepción del recinto llega con su nombre de clase
            if type(e).__name__ != "SecretoDebil":
                raise Desajuste(
                    f"SecretoDebil {caso}",
                    f"{type(e).__name__}: {str(e)[:200]}",
                    "al llamar a create_app",
                    "Lanza SecretoDebil (la clase de api/auth.py), no otra excepción: así el mensaje dice "
                    "qué falta y cómo generar una clave.",
                ) from None
            if "JWT_SECRET_KEY" not in str(e):
                raise Desajuste(
                    f"un mensaje que nombre JWT_SECRET_KEY {caso}",
                    repr(str(e)[:200]),
                    "en la SecretoDebil de create_app",
                    "Di qué variable falta y cómo generarla.",
                ) from None
            continue
        raise Fallo(f"create_app arrancó {caso} y TESTING=False.", ayuda=pista)
    fabrica({**base, "JWT_SECRET_KEY": secrets.token_hex(32)})  # con una clave fuerte sí arranca


@comprobacion(tarea=2, puntos=1, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_sin_clave_en_pruebas_se_usa_una_aleatoria(crear_app):
    """Con TESTING (o DEBUG) y sin JWT_SECRET_KEY, la app arranca con una clave aleatoria de 32 bytes, otra cada vez."""
    pista = 'Sin clave, en depuración o pruebas: app.config["JWT_SECRET_KEY"] = secrets.token_hex(32).'
    clientes = []
    for modo in ({"TESTING": True}, {"TESTING": False, "DEBUG": True}):
        try:
            app = crear_app(JWT_SECRET_KEY=None, **modo)
        except Exception as e:
            raise Fallo(
                f"create_app no arrancó sin JWT_SECRET_KEY y con {modo}: {type(e).__name__}: {str(e)[:200]}",
                ayuda=pista,
            ) from None
        clave = app.config.__missing__("JWT_SECRET_KEY")  # la que tiene la app ahora, no la enviada (None)
        if not isinstance(clave, str) or len(clave.encode()) < 32:
            raise Desajuste(
                "una clave aleatoria de al menos 32 bytes en JWT_SECRET_KEY",
                repr(clave),
                f"sin JWT_SECRET_KEY y con {modo}",
                pista,
            )
        clientes.append(Cliente(app))
    en_pruebas, en_depuracion = clientes  # las dos sobre la misma base de datos
    registrar(en_pruebas)
    token = iniciar_sesion(en_pruebas)
    en_pruebas.get("/api/perfil", headers=bearer(token)).espera(200, ayuda=pista)
    r = en_depuracion.get("/api/perfil", headers=bearer(token))
    if r.estado not in (401, 422):
        raise Desajuste(
            "401 o 422: cada arranque tiene su propia clave aleatoria",
            f"{r.estado} ({r.contenido()})",
            f"en {r.peticion} con el token de un arranque anterior",
            "No fijes la clave de desarrollo en el código: genera una nueva con secrets.token_hex(32).",
        )


# ── Tarea 3: perfil ──────────────────────────────────────────────────────────


@comprobacion(tarea=3, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_perfil_devuelve_el_usuario_del_token(client):
    """GET /api/perfil con el token del inicio de sesión devuelve {id, email, nombre} de ese usuario."""
    ana = registrar(client)
    bea = registrar(client, BEA)
    for registrado, datos in ((ana, ANA), (bea, BEA)):
        usuario = {"id": registrado["id"], "email": datos["email"], "nombre": datos["nombre"]}
        r = client.get("/api/perfil", headers=bearer(iniciar_sesion(client, datos))).espera(200)
        cuerpo = r.espera_json()
        if cuerpo != usuario:
            raise Desajuste(
                json.dumps(usuario, ensure_ascii=False),
                json.dumps(cuerpo, ensure_ascii=False),
                f"en {r.peticion}",
                "Busca el usuario con db.session.get(Usuario, int(get_jwt_identity())).",
            )


@comprobacion(tarea=3, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_perfil_rechaza_los_tokens_malos(client):
    """GET /api/perfil rechaza (401 o 422) la falta de token y los tokens basura, manipulados, ajenos, alg none, caducados o refresh."""
    registrar(client)
    token = iniciar_sesion(client)
    for descripcion, cabeceras in tokens_malos(client.app, token).items():
        espera_rechazo(client, "GET", "/api/perfil", cabeceras, descripcion)


@comprobacion(tarea=3, puntos=1)
def test_token_de_un_usuario_que_no_existe_da_401(client):
    """Un token válido de un usuario que ya no existe recibe 401 en GET /api/perfil, no un 500."""
    registrar(client)
    r = client.get("/api/perfil", headers=bearer(firmar(client.app, sub="999999")))
    r.espera_error(401, ayuda="Si db.session.get(Usuario, …) devuelve None, responde 401.")


@comprobacion(tarea=3, puntos=1, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_la_caducidad_se_configura(crear_app):
    """Con JWT_ACCESS_TOKEN_EXPIRES negativo, el token del inicio de sesión ya ha caducado: GET /api/perfil responde 401."""
    client = Cliente(crear_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1)))
    registrar(client)
    r = client.get("/api/perfil", headers=bearer(iniciar_sesion(client)))
    r.espera(
        401, ayuda="No fijes la caducidad en create_access_token: usa JWT_ACCESS_TOKEN_EXPIRES de la configuración."
    )


# ── Tarea 4: escribir con token ──────────────────────────────────────────────


@comprobacion(tarea=4, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_escribir_exige_un_token_valido(client):
    """POST, PUT, PATCH y DELETE de /api/articulos rechazan (401 o 422) la falta de token y los tokens malos, sin cambiar nada."""
    _, cabeceras = cuenta(client)
    articulo = crear_articulo(client, cabeceras)
    ruta = f"/api/articulos/{articulo['id']}"
    peticiones = [
        ("POST", "/api/articulos", {"titulo": "Intruso"}),
        ("PUT", ruta, {"titulo": "Intruso"}),
        ("PATCH", ruta, {"titulo": "Intruso"}),
        ("DELETE", ruta, None),
    ]
    malos = tokens_malos(client.app, cabeceras["Authorization"].removeprefix("Bearer "))
    for metodo, destino, cuerpo in peticiones:
        for descripcion, mala in malos.items():
            kw = {"json": cuerpo} if cuerpo is not None else {}
            espera_rechazo(client, metodo, destino, mala, descripcion, **kw)
    lista = client.get("/api/articulos", headers=cabeceras).espera(200).espera_json()
    if lista != [articulo]:
        raise Desajuste(
            f"solo el artículo original {json.dumps([articulo], ensure_ascii=False)}",
            json.dumps(lista, ensure_ascii=False),
            "tras las peticiones rechazadas",
            "Una petición rechazada no debe crear, cambiar ni borrar nada.",
        )


@comprobacion(tarea=4, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_crear_guarda_el_autor(client):
    """Un artículo creado con token guarda en autor_id el id del usuario del token."""
    ana, cabeceras = cuenta(client)
    articulo = crear_articulo(client, cabeceras)
    if articulo.get("autor_id") != ana["id"]:
        raise Desajuste(
            f'"autor_id": {ana["id"]}',
            f'"autor_id": {articulo.get("autor_id")!r}',
            "al crear un artículo con el token de Ana",
            "Crea el artículo con autor_id=usuario.id (el usuario del token).",
        )
    r = client.get(f"/api/articulos/{articulo['id']}").espera(200)
    if r.espera_json().get("autor_id") != ana["id"]:
        raise Desajuste(f'"autor_id": {ana["id"]}', repr(r.json), f"en {r.peticion}")
    client.post("/api/articulos", json={"titulo": "x", "autor_id": 999}, headers=cabeceras).espera_error(
        400, ayuda="El autor no lo elige el cliente: autor_id en el cuerpo es un campo no permitido."
    )


@comprobacion(tarea=4, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_solo_el_autor_modifica_y_borra(client):
    """Otro usuario recibe 403 al hacer PUT, PATCH o DELETE de un artículo ajeno; el autor sí puede."""
    _, de_ana = cuenta(client)
    _, de_bea = cuenta(client, BEA)
    articulo = crear_articulo(client, de_ana)
    ruta = f"/api/articulos/{articulo['id']}"
    pista = "Compara articulo.autor_id con el id del usuario del token y responde 403 si no coinciden."
    client.put(ruta, json={"titulo": "De Bea"}, headers=de_bea).espera_error(403, ayuda=pista)
    client.patch(ruta, json={"titulo": "De Bea"}, headers=de_bea).espera_error(403, ayuda=pista)
    client.delete(ruta, headers=de_bea).espera_error(403, ayuda=pista)
    r = client.get(ruta).espera(200)
    if r.espera_json().get("titulo") != articulo["titulo"]:
        raise Fallo(f"Un PUT o PATCH de otro usuario cambió el artículo: {r.json!r}.")
    client.patch(ruta, json={"titulo": "Cambiado por Ana"}, headers=de_ana).espera(200)
    client.delete(ruta, headers=de_ana).espera(204)


# ── Tarea 5: borradores ──────────────────────────────────────────────────────


@comprobacion(tarea=5, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_la_lista_muestra_los_borradores_solo_a_su_autor(client):
    """GET /api/articulos muestra los publicados a todos y cada borrador solo a su autor (con su token)."""
    _, de_ana = cuenta(client)
    _, de_bea = cuenta(client, BEA)
    publicado = crear_articulo(client, de_ana, titulo="Publicado", publicado=True)
    borrador = crear_articulo(client, de_ana, titulo="Borrador", publicado=False)
    esperado = {
        "sin token": (None, [publicado["id"]]),
        "con el token de Bea": (de_bea, [publicado["id"]]),
        "con el token de Ana (la autora)": (de_ana, [publicado["id"], borrador["id"]]),
    }
    for caso, (cabeceras, ids) in esperado.items():
        r = client.get("/api/articulos", headers=cabeceras).espera(200)
        obtenidos = ids_de(r.espera_json(), f"en {r.peticion}")
        if obtenidos != ids:
            raise Desajuste(
                f"los ids {ids}",
                f"{obtenidos}",
                f"en GET /api/articulos {caso}",
                "Usa @jwt_required(optional=True) y filtra: publicados, o borradores cuyo autor_id es el del token.",
            )


@comprobacion(tarea=5, puntos=2, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_un_borrador_ajeno_no_se_ve_por_id(client):
    """Un borrador ajeno da 404 (en GET, PUT y DELETE), como si no existiera; su autor lo ve; un publicado, todos."""
    _, de_ana = cuenta(client)
    _, de_bea = cuenta(client, BEA)
    publicado = crear_articulo(client, de_ana, publicado=True)
    borrador = crear_articulo(client, de_ana, publicado=False)
    ruta = f"/api/articulos/{borrador['id']}"
    pista = "Un borrador ajeno debe parecer inexistente: responde 404, como a un id que no existe."
    client.get(ruta).espera_error(404, ayuda=pista)
    client.get(ruta, headers=de_bea).espera_error(404, ayuda=pista)
    client.put(ruta, json={"titulo": "De Bea"}, headers=de_bea).espera_error(
        404, ayuda=pista + " Con 403 revelarías que el borrador existe."
    )
    client.delete(ruta, headers=de_bea).espera_error(404, ayuda=pista + " Con 403 revelarías que el borrador existe.")
    client.get(ruta, headers=de_ana).espera(200, ayuda="Su autor sí ve el borrador (con @jwt_required(optional=True)).")
    client.get(f"/api/articulos/{publicado['id']}").espera(200)


# ── Tarea 3: un token de otra app ────────────────────────────────────────────

OTRA_APP = {"iss": "taller-flask-jwt/leccion-06", "aud": "taller-flask-jwt/leccion-06/api"}  # la de los roles
PISTA_EMISOR = (
    "No quites JWT_DECODE_ISSUER ni JWT_DECODE_AUDIENCE de la configuración (emisor_y_audiencia en "
    "api/config.py): sin ellos, cualquier app que comparta la clave abre la tuya (RFC 8725, 3.8 y 3.9)."
)


@comprobacion(tarea=3, puntos=1, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_un_token_de_otra_app_se_rechaza(client):
    """GET /api/perfil rechaza (401 o 422) un token bien firmado con el iss y el aud de otra app, o sin ellos."""
    registrar(client)
    token = iniciar_sesion(client)
    client.get("/api/perfil", headers=bearer(token)).espera(
        200, ayuda="Con el token del inicio de sesión, el perfil da 200."
    )
    casos = {
        "de otra app (iss y aud de la lección 06)": (OTRA_APP, PISTA_EMISOR),
        "sin iss ni aud": ({"iss": None, "aud": None}, PISTA_EMISOR),
        "con el iss de la app pero el aud de otra": (
            {"aud": OTRA_APP["aud"]},
            "Comprueba también el aud: JWT_DECODE_AUDIENCE.",
        ),
    }
    for descripcion, (cambios, pista) in casos.items():
        r = client.get("/api/perfil", headers=bearer(reemitir(client.app, token, **cambios)))
        if r.estado not in (401, 422):
            raise Desajuste(
                f"401 o 422 con un token {descripcion}", f"{r.estado} ({r.contenido()})", f"en {r.peticion}", pista
            )


# ── Tarea 6: lo de la lección 01 sigue funcionando ───────────────────────────


@comprobacion(tarea=6, puntos=1)
def test_anteriores_404_y_405_en_json(client):
    """Lo de la lección 01: un artículo o una ruta que no existen dan 404 en JSON; un método no permitido, 405 con Allow."""
    anteriores.errores_de_la_leccion_01(client)


@comprobacion(tarea=6, puntos=1, depende_de=test_login_devuelve_un_token_con_sub_de_texto)
def test_anteriores_crud_con_token(client):
    """Lo de la lección 01, con token: crear (201 con Location), leer, cambiar, borrar (204) y después 404."""
    anteriores.crud_con_token(client)
