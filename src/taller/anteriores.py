"""Lo heredado sigue funcionando: los cuerpos de las comprobaciones de la tarea «Lo de lecciones anteriores».

Cada lección declara las suyas (tarea, puntos y la frase que lee el estudiante)
y llama aquí, así el cuerpo de cada una vive en un solo sitio::

    @comprobacion(tarea=6, puntos=1)
    def test_anteriores_escribir_sin_token_da_401(client):
        \"\"\"Lo de antes: sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista).\"\"\"
        anteriores.escribir_sin_token_da_401(client)
"""

import json

import jwt

from taller.comprobaciones import Cliente, Desajuste, bearer, iniciar_sesion

PISTA = (
    "Esto venía hecho de lecciones anteriores: si ahora falla, lo has roto al tocar otra cosa. "
    "Compara el módulo con el de la lección anterior (su primera línea dice de dónde sale)."
)
LOLA = {"email": "lola@example.com", "password": "contraseña-de-lola", "nombre": "Lola"}


def crud_de_la_leccion_01(client: Cliente, token: str) -> None:
    """Con ``token``, el CRUD de la lección 01: crear (201 y Location), leer, cambiar, borrar (204) y 404 en JSON."""
    cabeceras = bearer(token)
    r = client.post("/api/articulos", json={"titulo": "Heredado", "publicado": True}, headers=cabeceras)
    articulo = r.espera(201, ayuda=PISTA).espera_json()
    ubicacion = r.espera_cabecera("Location", ayuda="201 con Location: la lección 01. " + PISTA)
    if not isinstance(articulo, dict) or not ubicacion.endswith(f"/api/articulos/{articulo.get('id')}"):
        raise Desajuste("Location con la ruta del artículo nuevo", ubicacion, f"en {r.peticion}", PISTA)
    ruta = f"/api/articulos/{articulo['id']}"
    client.get(ruta).espera(200, ayuda=PISTA)
    cambiado = client.patch(ruta, json={"titulo": "Cambiado"}, headers=cabeceras).espera(200, ayuda=PISTA)
    if (cambiado.espera_json() or {}).get("titulo") != "Cambiado":
        raise Desajuste('"titulo": "Cambiado"', cambiado.contenido(), f"en {cambiado.peticion}", PISTA)
    client.delete(ruta, headers=cabeceras).espera(204, ayuda=PISTA)
    client.get(ruta).espera_error(404, ayuda=PISTA)


def errores_de_la_leccion_01(client: Cliente) -> None:
    """Un artículo o una ruta que no existen: 404 en JSON; un método no permitido: 405 en JSON con ``Allow``."""
    client.get("/api/articulos/999").espera_error(404, ayuda=PISTA)
    client.get("/api/no-existe").espera_error(404, ayuda="Una ruta que no existe: 404 en JSON. " + PISTA)
    r = client.delete("/api/articulos")
    r.espera_error(405, ayuda=PISTA)
    r.espera_cabecera("Allow", ayuda="El 405 dice qué métodos sí valen (RFC 9110, 15.5.6). " + PISTA)


def escribir_sin_token_da_401(client: Cliente) -> None:
    """Sin token, crear, cambiar o borrar un artículo da 401 (aunque no exista); la lista da 200."""
    client.get("/api/articulos").espera(200, ayuda=PISTA)
    for metodo, ruta in (
        ("POST", "/api/articulos"),
        ("PUT", "/api/articulos/999"),
        ("PATCH", "/api/articulos/999"),
        ("DELETE", "/api/articulos/999"),
    ):
        client.peticion(metodo, ruta, json={"titulo": "Hola"}).espera(
            401, ayuda="Primero «¿quién eres?» (401) y después «¿existe?» (404). " + PISTA
        )


def entrar(client: Cliente, campos: tuple[str, ...] = ("access_token",)) -> tuple[str, str | None]:
    """Registra a Lola, inicia sesión y devuelve ``(access_token, refresh_token o None)``."""
    client.post("/auth/registro", json=LOLA).espera(201, ayuda=PISTA)
    return iniciar_sesion(client, LOLA, PISTA, campos)


def perfil_de_lola(client: Cliente, token: str) -> None:
    """``GET /api/perfil`` con ``token`` es el de Lola."""
    perfil = client.get("/api/perfil", headers=bearer(token)).espera(200, ayuda=PISTA)
    if (perfil.espera_json() or {}).get("email") != LOLA["email"]:
        raise Desajuste(f'"email": "{LOLA["email"]}"', perfil.contenido(), f"en {perfil.peticion}", PISTA)


def sin_el_email(token: str, que: str) -> None:
    """El token no lleva el email: la carga útil la lee cualquiera que vea el token (lección 03)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    if LOLA["email"] in json.dumps(claims, ensure_ascii=False):
        raise Desajuste(
            "un token sin el email",
            f"los claims {claims}",
            f"en {que}",
            "El email es un dato personal y la carga útil la lee cualquiera que vea el token: pon solo el nombre "
            "en los claims (lección 04). " + PISTA,
        )


def crud_con_token(client: Cliente) -> None:
    """Registro e inicio de sesión, y con su token el CRUD de la lección 01."""
    crud_de_la_leccion_01(client, entrar(client)[0])


def registro_login_y_perfil(client: Cliente) -> None:
    """Registro, inicio de sesión y perfil (la lección 02), y el CRUD con token."""
    acceso, _ = entrar(client)
    perfil_de_lola(client, acceso)
    crud_de_la_leccion_01(client, acceso)


def registro_login_perfil_y_refresco(client: Cliente) -> None:
    """Registro, inicio de sesión, perfil y refresco; un access token no sirve en /auth/refresh y ningún token lleva el email."""
    acceso, refresh = entrar(client, ("access_token", "refresh_token"))
    refresh = str(refresh)  # entrar() ya exige que sea un texto
    perfil_de_lola(client, acceso)
    r = client.post("/auth/refresh", headers=bearer(refresh))
    nuevo = r.espera(200, ayuda=PISTA).espera_json() or {}
    client.post("/auth/refresh", headers=bearer(acceso)).espera(
        401, 422, ayuda="Un access token en /auth/refresh se rechaza (lección 04). " + PISTA
    )
    sin_el_email(acceso, "el access token del inicio de sesión")
    sin_el_email(refresh, "el refresh token del inicio de sesión")
    if isinstance(nuevo.get("access_token"), str):
        sin_el_email(nuevo["access_token"], f"el access token de {r.peticion}")
