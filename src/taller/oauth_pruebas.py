"""El flujo «Iniciar sesión con…» por HTTP de verdad: lo que usan las pruebas de la demo 09 y sus comprobaciones.

- ``Navegador``: ``requests.Session`` que sigue redirecciones como un navegador y apunta cada URL
  y cada cabecera ``Location`` que ve (ninguna puede llevar un token) y cada 500.
- ``cuerpo`` y ``espera_error``: una respuesta de la app, dicha en un mensaje; el sobre de error esperado.
- ``formulario``, ``hasta_la_vuelta``, ``vuelta_de``, ``entrar``: rellenar la página de inicio de sesión y de
  consentimiento del proveedor local (``taller.proveedor_oidc``) y volver a la app.
- ``crear_github``: un sustituto local de GitHub (autorizar, canjear, ``/user``, ``/user/emails``),
  la única parte que no puede ser de verdad sin Internet.
- ``Diferida``: una app WSGI que se decide después (el proveedor necesita la URL de la app, y la app
  la del proveedor); ``con_jwks``: la misma app, con otro JWKS (un id_token que no firmó quien dice).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import Flask, jsonify, redirect, request

from taller.comprobaciones import Desajuste, Fallo, mostrar_json, recortar

GITHUB_ID, GITHUB_SECRETO = "Iv1.taller", secrets.token_urlsafe(32)
JWT_EN_TEXTO = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
ESPERA = 8  # segundos que espera el Navegador cada respuesta
TOKEN_EN_UNA_URL = re.compile(r"(access|refresh|id)_token")
AYUDA_500 = (
    "Un 500 es una excepción sin capturar (mira la salida de tu programa): cada OAuthError, y un id_token "
    "que no vale (JoseError), es un 400 con el sobre de error."
)
OCTOCAT = {
    "perfil": {"id": 583231, "login": "octocat", "name": None, "email": None, "avatar_url": "https://x/a.png"},
    "emails": [
        {"email": "otro@example.org", "primary": False, "verified": True, "visibility": None},
        {"email": "octocat@example.org", "primary": True, "verified": True, "visibility": "private"},
    ],
}


class Diferida:
    """Una app WSGI que se decide después: ``diferida.app = …`` cuando ya se sabe con qué URL."""

    app: Callable | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"aun no"]
        return self.app(environ, start_response)


def con_jwks(app: Callable, jwks: dict) -> Callable:
    """``app`` (un proveedor) anunciando ``jwks`` en ``/jwks.json`` en lugar de sus claves de verdad."""

    def envoltura(environ: dict, start_response: Callable) -> Any:
        if environ.get("PATH_INFO") == "/jwks.json":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(jwks).encode()]
        return app(environ, start_response)

    return envoltura


def crear_github(retorno: str) -> Flask:
    """Un sustituto de GitHub con lo que usa la app: autorizar, canjear, /user y /user/emails.

    Como GitHub: el canje recibe client_id y client_secret en el cuerpo, responde JSON solo
    con ``Accept: application/json`` y da los errores con estado 200 y un campo ``error``.
    Comprueba PKCE (S256). Autoriza sin preguntar como ``app.config["CUENTA"]`` (``OCTOCAT``).
    """
    app = Flask("github_de_prueba")
    codigos: dict[str, str] = {}

    @app.get("/login/oauth/authorize")
    def autorizar():
        a = request.args
        if a.get("client_id") != GITHUB_ID or a.get("redirect_uri") != retorno:
            return "redirect_uri o client_id incorrectos", 400
        if a.get("code_challenge_method") != "S256" or not a.get("code_challenge"):
            return "falta PKCE", 400
        codigo = secrets.token_urlsafe(16)
        codigos[codigo] = a["code_challenge"]
        return redirect(f"{retorno}?{urlencode({'code': codigo, 'state': a.get('state', '')})}")

    @app.post("/login/oauth/access_token")
    def canjear():
        f = request.form
        reto = codigos.pop(f.get("code", ""), None)
        esperado = None
        if f.get("code_verifier"):
            esperado = base64.urlsafe_b64encode(hashlib.sha256(f["code_verifier"].encode()).digest()).rstrip(b"=")
        if (f.get("client_id"), f.get("client_secret")) != (GITHUB_ID, GITHUB_SECRETO):
            cuerpo = {"error": "incorrect_client_credentials"}
        elif reto is None or esperado is None or esperado.decode() != reto:
            cuerpo = {"error": "bad_verification_code", "error_description": "The code passed is incorrect."}
        else:
            token = "gho_" + secrets.token_urlsafe(24)
            app.config["TOKENS"].add(token)
            cuerpo = {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}
        if request.accept_mimetypes.best != "application/json":
            return urlencode(cuerpo), 200, {"Content-Type": "application/x-www-form-urlencoded"}
        return jsonify(cuerpo)  # 200 también con error, como GitHub

    def autenticado():
        esquema, _, token = request.headers.get("Authorization", "").partition(" ")
        return esquema.lower() in ("bearer", "token") and token in app.config["TOKENS"]

    @app.get("/user")
    def usuario():
        if not autenticado():
            return jsonify(message="Bad credentials"), 401
        return jsonify(app.config["CUENTA"]["perfil"])

    @app.get("/user/emails")
    def emails():
        if not autenticado():
            return jsonify(message="Bad credentials"), 401
        return jsonify(app.config["CUENTA"]["emails"])

    app.config["TOKENS"] = set()
    app.config["CUENTA"] = OCTOCAT
    return app


class Navegador:
    """``requests.Session`` que sigue redirecciones y guarda cada (URL, Location) que ve.

    ``requests`` no envía las cookies ``Secure`` a ``http://127.0.0.1`` (un navegador sí): la app
    que se prueba así las pone sin ``Secure``. ``prefijo`` nombra las cookies de la app cuyo
    valor nunca puede aparecer en una URL. Un 500 es un fallo salvo con ``admite_500``.
    """

    def __init__(self, admite_500: bool = False, prefijo: str = "") -> None:
        self.sesion = requests.Session()
        # Una conexión por petición: los servidores de las comprobaciones cierran las que llevan 5 s
        # quietas, y reutilizar una justo cuando se cierra daba de vez en cuando un ConnectionError.
        self.sesion.headers["Connection"] = "close"
        self.vistas: list[tuple[str, str | None]] = []
        self.quinientos: list[str] = []
        self.admite_500, self.prefijo = admite_500, prefijo
        self.sesion.hooks["response"].append(self._apuntar)

    def _apuntar(self, r: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.vistas.append((r.url, r.headers.get("Location")))
        if r.status_code >= 500:
            self.quinientos.append(f"{r.status_code} en {r.request.method} {r.url}: {r.text[:300].strip()}")
            if not self.admite_500:
                raise Fallo(f"Se obtuvo un error del servidor: {self.quinientos[-1]}", AYUDA_500)

    def pedir(self, metodo: str, url: str, **kw: Any) -> requests.Response:
        """Una petición (y sus redirecciones); si algo no contesta, un Fallo que lo dice, no una excepción de ``requests``."""
        try:
            return self.sesion.request(metodo, url, timeout=kw.pop("timeout", ESPERA), **kw)
        except requests.RequestException as e:
            raise Fallo(
                f"{metodo} {url} no terminó: {type(e).__name__} ({str(e)[:200]}).",
                "¿Se queda tu app esperando (un bucle, o una petición a un servidor que no contesta)?",
            ) from None

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.pedir("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self.pedir("POST", url, **kw)

    def cookie(self, nombre: str) -> str | None:
        return self.sesion.cookies.get(nombre)

    def tokens_en_las_urls(self) -> list[str]:
        """Las URL o cabeceras Location vistas con un JWT, un parámetro ``*_token`` o el valor de una cookie nuestra."""
        valores = (c.value or "" for c in self.sesion.cookies if c.name.startswith(self.prefijo))
        secretos = [v for v in valores if len(v) > 20]
        return [
            texto
            for url, location in self.vistas
            for texto in filter(None, (url, location))
            if JWT_EN_TEXTO.search(texto) or TOKEN_EN_UNA_URL.search(texto) or any(s in texto for s in secretos)
        ]

    def sin_tokens_en_las_urls(self) -> None:
        assert not self.tokens_en_las_urls(), self.tokens_en_las_urls()


def formulario(r: requests.Response) -> tuple[str, str]:
    """La URL del formulario de la página del proveedor y su token CSRF."""
    accion = re.search(r'<form method="post" action="([^"]*)"', r.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
    if not accion or not csrf:
        raise AssertionError(f"no es la página del proveedor ({r.status_code} en {r.url}): {r.text[:300]}")
    return "{0.scheme}://{0.netloc}".format(urlsplit(r.url)) + html.unescape(accion[1]), csrf[1]


def hasta_la_vuelta(
    nav: Navegador, r: requests.Response, email="ana@example.org", password="ana-demo", accion="permitir"
):
    """Desde la página de inicio de sesión del proveedor: inicia sesión, decide y devuelve la URL de vuelta a la app."""
    assert r.status_code == 200 and "/authorize" in r.url, (r.status_code, r.url, r.text[:300])
    destino, csrf = formulario(r)
    r = nav.post(destino, data={"csrf": csrf, "email": email, "password": password, "accion": "entrar"})
    destino, csrf = formulario(r)
    r = nav.post(destino, data={"csrf": csrf, "accion": accion}, allow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def vuelta_de(nav: Navegador, app: str, proveedor: str = "oidc", **kw: Any) -> str:
    """Empieza en ``/auth/<proveedor>/login`` de la app y devuelve la URL de vuelta (sin seguirla)."""
    return hasta_la_vuelta(nav, nav.get(f"{app}/auth/{proveedor}/login"), **kw)


def entrar(nav: Navegador, app: str, proveedor: str = "oidc", **kw: Any) -> requests.Response:
    """El flujo completo en el navegador ``nav``: devuelve la última respuesta de la app."""
    if proveedor == "github":  # el sustituto autoriza sin preguntar
        return nav.get(f"{app}/auth/github/login", **kw)
    return nav.get(vuelta_de(nav, app, proveedor, **kw))


def cuerpo(r: requests.Response) -> str:
    """El cuerpo de una respuesta para un mensaje: su JSON, legible, o el principio del texto."""
    if (r.headers.get("Content-Type") or "").startswith("text/html"):
        return f"(una página HTML en {urlsplit(r.url).path}: la app inició la sesión)"
    try:
        return mostrar_json(r.json())
    except ValueError:
        return recortar(r.text, 200)


def espera_error(r: requests.Response, estado: int, contexto: str, ayuda: str | None = None) -> dict:
    """``r`` es ``estado`` con el sobre de la lección 07: ``{"error": "…", "codigo": "…"}``."""
    datos = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else None
    if r.status_code != estado or not isinstance(datos, dict) or not datos.get("error") or not datos.get("codigo"):
        obtenido = f"{r.status_code} {mostrar_json(datos) if datos is not None else cuerpo(r)}"
        raise Desajuste(f'{estado} con {{"error": "…", "codigo": "…"}}', obtenido, contexto, ayuda)
    return datos


def cambiar_consulta(url: str, **cambios: str | None) -> str:
    """``url`` con los parámetros de ``cambios`` (``None`` quita uno)."""
    partes = urlsplit(url)
    consulta: dict[str, str | None] = {k: v[0] for k, v in parse_qs(partes.query).items()}
    consulta.update(cambios)
    return partes._replace(query=urlencode({k: v for k, v in consulta.items() if v is not None})).geturl()
