"""Lo que usa quien escribe comprobaciones: el decorador, los tipos de fallo y el cliente HTTP.

Una comprobación es una prueba de pytest cuyo docstring es la frase que lee el
estudiante::

    @comprobacion(tarea=2, puntos=2)
    def test_crear_responde_201(client):
        \"\"\"POST /api/articulos crea el artículo y responde 201 con Location.\"\"\"
        r = client.post("/api/articulos", json={"titulo": "Hola"}).espera(201)
        r.espera_cabecera("Location")

Los fallos son de tres clases, como en check50: ``Desajuste`` (se esperaba X,
se obtuvo Y), ``Falta`` (falta algo) y ``Fallo`` (cualquier otro), todos con
una pista opcional.
"""

import json as jsonlib

import jwt
import pytest

LIMITE_CUERPO = 300  # caracteres de un cuerpo que se muestran en un mensaje


def comprobacion(tarea, puntos=1, depende_de=(), limite=None, oculta=False):
    """Marca una prueba como comprobación de la tarea ``tarea`` que vale ``puntos``.

    ``depende_de``: comprobaciones (funciones o nombres) que deben pasar antes;
    si alguna no pasa, esta no se ejecuta y se informa de por qué.
    ``limite``: segundos antes de detenerla (por defecto, el del motor).
    ``oculta``: solo cuenta al calificar (``taller calificar``); ``taller comprobar``
    no la ejecuta ni muestra lo que espera.
    """
    if callable(depende_de) or isinstance(depende_de, str):
        depende_de = (depende_de,)
    nombres = tuple(d if isinstance(d, str) else d.__name__ for d in depende_de)
    return pytest.mark.comprobacion(tarea=tarea, puntos=puntos, depende_de=nombres, limite=limite, oculta=oculta)


class FalloDeComprobacion(AssertionError):
    """Base de los fallos que el estudiante lee: un mensaje en español y una pista opcional."""

    def __init__(self, mensaje, ayuda=None):
        super().__init__(mensaje)
        self.mensaje = mensaje
        self.ayuda = ayuda


class Fallo(FalloDeComprobacion):
    """Un fallo descrito con palabras propias."""


class Desajuste(FalloDeComprobacion):
    """Se esperaba una cosa y se obtuvo otra."""

    def __init__(self, esperado, obtenido, contexto=None, ayuda=None):
        mensaje = f"Se esperaba {esperado}, se obtuvo {obtenido}"
        mensaje += f" {contexto}." if contexto else "."
        super().__init__(mensaje, ayuda)


class Falta(FalloDeComprobacion):
    """Falta algo que debería estar."""

    def __init__(self, que, contexto=None, ayuda=None):
        mensaje = f"Falta {que}"
        mensaje += f" {contexto}." if contexto else "."
        super().__init__(mensaje, ayuda)


def recortar(texto, limite=LIMITE_CUERPO):
    texto = texto.strip()
    return texto if len(texto) <= limite else texto[:limite] + f"… ({len(texto)} caracteres)"


def mostrar_json(valor):
    return recortar(jsonlib.dumps(valor, ensure_ascii=False))


def bearer(token):
    """La cabecera ``Authorization: Bearer <token>`` de una petición."""
    return {"Authorization": f"Bearer {token}"}


def iniciar_sesion(client, usuario, ayuda=None, campos=("access_token",)):
    """``POST /auth/login`` de ``usuario`` (que ya existe): ``(access_token, refresh_token o None)``.

    Falla con ``Falta`` si la respuesta no trae como textos los ``campos`` pedidos.
    """
    r = client.post("/auth/login", json={"email": usuario["email"], "password": usuario["password"]})
    cuerpo = r.espera(200, ayuda=ayuda).espera_json()
    if not isinstance(cuerpo, dict) or not all(isinstance(cuerpo.get(c), str) for c in campos):
        raise Falta(" y ".join(f'"{c}"' for c in campos), f"en la respuesta a {r.peticion}", ayuda)
    return cuerpo["access_token"], cuerpo.get("refresh_token")


def reemitir(app, token, **cambios):
    """``token`` con esos claims cambiados (``None`` lo quita), firmado otra vez con la clave de la app (HS256)."""
    datos = {**jwt.decode(token, options={"verify_signature": False}), **cambios}
    datos = {clave: valor for clave, valor in datos.items() if valor is not None}
    return jwt.encode(datos, app.config["JWT_SECRET_KEY"], algorithm="HS256")


SIN_CUERPO = object()


class Respuesta:
    """La respuesta de una petición, con métodos ``espera…`` que fallan con mensajes claros."""

    def __init__(self, respuesta, peticion, excepcion=None):
        self.crudo = respuesta
        self.peticion = peticion  # "POST /api/articulos con el cuerpo …"
        self.excepcion = excepcion  # la excepción que lanzó la app, si respondió 500

    @property
    def estado(self):
        return self.crudo.status_code

    @property
    def cabeceras(self):
        return self.crudo.headers

    @property
    def texto(self):
        return self.crudo.get_data(as_text=True)

    @property
    def json(self):
        """El cuerpo como JSON, o ``None`` si no es JSON."""
        return self.crudo.get_json(silent=True)

    def contenido(self):
        """Descripción corta de lo que respondió el servidor, para los mensajes."""
        if not self.texto.strip():
            descripcion = "sin cuerpo"
        elif self.json is not None:
            descripcion = f"con {mostrar_json(self.json)}"
        elif "html" in (self.crudo.mimetype or ""):
            descripcion = "con una página HTML en lugar de JSON"
        else:
            descripcion = f"con el texto {recortar(self.texto)!r}"
        if self.excepcion is not None:
            descripcion += f". Tu aplicación lanzó {self.excepcion}"
        return descripcion

    def espera(self, *estados, ayuda=None):
        """Falla si el código de estado no es uno de ``estados``."""
        if self.estado not in estados:
            esperado = " o ".join(str(e) for e in estados)
            raise Desajuste(esperado, f"{self.estado} ({self.contenido()})", f"en {self.peticion}", ayuda)
        return self

    def espera_json(self, ayuda=None):
        """Falla si el cuerpo no es JSON. Devuelve el JSON."""
        if self.crudo.mimetype != "application/json" or self.json is None and self.texto.strip() != "null":
            raise Desajuste(
                "una respuesta JSON (Content-Type: application/json)",
                f"{self.crudo.mimetype or 'ningún tipo'} ({self.contenido()})",
                f"en {self.peticion}",
                ayuda,
            )
        return self.json

    def espera_error(self, estado, ayuda=None):
        """Falla si no es un error ``estado`` en JSON con un mensaje en ``"error"``."""
        self.espera(estado, ayuda=ayuda)
        cuerpo = self.espera_json(ayuda=ayuda)
        if not isinstance(cuerpo, dict) or not isinstance(cuerpo.get("error"), str) or not cuerpo["error"].strip():
            raise Desajuste(
                'un objeto JSON con un mensaje en "error"',
                mostrar_json(cuerpo),
                f"en {self.peticion}",
                ayuda or 'Responde con jsonify(error="…") y el código de estado.',
            )
        return cuerpo

    def espera_cabecera(self, nombre, valor=None, ayuda=None):
        """Falla si falta la cabecera ``nombre`` (o si no vale ``valor``). Devuelve su valor."""
        actual = self.cabeceras.get(nombre)
        if actual is None:
            raise Falta(f"la cabecera {nombre}", f"en la respuesta a {self.peticion}", ayuda)
        if valor is not None and actual != valor:
            raise Desajuste(f"{nombre}: {valor}", f"{nombre}: {actual}", f"en {self.peticion}", ayuda)
        return actual


def describir_peticion(metodo, ruta, json=SIN_CUERPO, data=None, headers=None):
    """«POST /api/articulos con el cuerpo {…}»; la cabecera Authorization se oculta."""
    texto = f"{metodo} {ruta}"
    if json is not SIN_CUERPO:
        texto += f" con el cuerpo JSON {mostrar_json(json)}"
    elif data is not None:
        texto += f" con el cuerpo {recortar(data if isinstance(data, str) else repr(data))!r}"
    for nombre, valor in (headers or {}).items():
        if nombre.lower() == "authorization":
            esquema = str(valor).split(" ", 1)[0]
            valor = f"{esquema} [oculto]" if " " in str(valor) else "[oculto]"
        texto += f" y la cabecera {nombre}: {valor}"
    return texto


class Cliente:
    """Un cliente de pruebas de la app (en el recinto), con respuestas que saben describirse en español."""

    def __init__(self, app):
        self.app = app
        self.crudo = app.test_client()

    def peticion(self, metodo, ruta, json=SIN_CUERPO, data=None, headers=None, content_type=None):
        """Hace la petición y devuelve una ``Respuesta``."""
        cabeceras = dict(headers or {})
        if content_type:
            cabeceras["Content-Type"] = content_type
        descripcion = describir_peticion(metodo, ruta, json, data, cabeceras)
        cuerpo = data
        if json is not SIN_CUERPO:  # json=None envía "null" (el cliente de Flask no lo enviaría)
            cuerpo = jsonlib.dumps(json)
            cabeceras.setdefault("Content-Type", "application/json")
        crudo, excepcion = self.crudo.open(ruta, method=metodo, headers=cabeceras, data=cuerpo)
        return Respuesta(crudo, descripcion, excepcion)

    def get(self, ruta, **kw):
        return self.peticion("GET", ruta, **kw)

    def post(self, ruta, **kw):
        return self.peticion("POST", ruta, **kw)

    def put(self, ruta, **kw):
        return self.peticion("PUT", ruta, **kw)

    def patch(self, ruta, **kw):
        return self.peticion("PATCH", ruta, **kw)

    def delete(self, ruta, **kw):
        return self.peticion("DELETE", ruta, **kw)
