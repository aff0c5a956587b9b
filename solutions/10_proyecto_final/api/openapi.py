"""El documento OpenAPI 3.1 de la API, escrito desde el código con apispec: ``GET /openapi.json``.

Las rutas, sus métodos y sus parámetros salen de la app (``app.url_map``, con el
plugin de Flask de apispec-webframeworks); aquí solo se dice, una vez, qué
recibe y qué devuelve cada vista. Una ruta nueva sin su descripción hace fallar
la creación de la app: el documento no puede quedarse atrás. Las pruebas del
taller lo atacan con schemathesis: ninguna petición generada da un 5xx y cada
respuesta cumple su esquema.
"""

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify
from werkzeug.routing import IntegerConverter

from .modelo_articulo import MAX_CONTENIDO, MAX_TITULO
from .modelos import MAX_EMAIL, MAX_NOMBRE, ROLES
from .usuarios import MAX_PASSWORD_BYTES, MIN_PASSWORD

bp = Blueprint("openapi", __name__)

TEXTO, ENTERO, BOOLEANO = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
FECHA = {"type": "string", "format": "date-time"}


def objeto(propiedades, requeridos=(), cerrado=True, **extra):
    """Un esquema JSON de objeto; ``cerrado``: no admite más campos que ``propiedades``."""
    return (
        {"type": "object", "properties": propiedades, "required": list(requeridos)}
        | ({"additionalProperties": False} if cerrado else {})
        | extra
    )


CAMPOS_ARTICULO = {
    "titulo": {"type": "string", "minLength": 1, "maxLength": MAX_TITULO},
    "contenido": {"type": "string", "maxLength": MAX_CONTENIDO},
    "publicado": BOOLEANO,
}
PASSWORD = {"type": "string", "minLength": MIN_PASSWORD, "maxLength": MAX_PASSWORD_BYTES}  # bytes en UTF-8
ESQUEMAS = {
    "Error": objeto({"error": TEXTO, "codigo": TEXTO}, ["error", "codigo"], cerrado=False),
    "Mensaje": objeto({"mensaje": TEXTO}, ["mensaje"]),
    "Usuario": objeto(
        {"id": ENTERO, "email": TEXTO, "nombre": TEXTO, "rol": {"enum": list(ROLES)}}, ["id", "email", "nombre", "rol"]
    ),
    "Articulo": objeto(
        {
            **CAMPOS_ARTICULO,
            "id": ENTERO,
            "creado_en": FECHA,
            "actualizado_en": FECHA,
            "autor_id": {"type": ["integer", "null"]},
        },
        ["id", "titulo", "contenido", "publicado", "creado_en", "actualizado_en", "autor_id"],
    ),
    "ArticuloNuevo": objeto(CAMPOS_ARTICULO, ["titulo"]),
    "ArticuloCambios": objeto(CAMPOS_ARTICULO, minProperties=1),
    "Registro": objeto(
        {
            "email": {"type": "string", "format": "email", "maxLength": MAX_EMAIL},
            "password": PASSWORD,
            "nombre": {"type": "string", "minLength": 1, "maxLength": MAX_NOMBRE},
        },
        ["email", "password", "nombre"],
    ),
    "Credenciales": objeto({"email": TEXTO, "password": TEXTO}, ["email", "password"]),
    "Tokens": objeto({"access_token": TEXTO, "refresh_token": TEXTO}, ["access_token"]),
    "CambioDePassword": objeto({"password_actual": TEXTO, "password_nueva": PASSWORD}, ["password_actual"]),
    "CambioDeRol": objeto({"rol": {"enum": list(ROLES)}}, ["rol"]),
    "Logout": objeto({"refresh_token": TEXTO}),
    "Salud": objeto({"estado": TEXTO, "base_de_datos": TEXTO, "redis": TEXTO}, ["estado"], cerrado=False),
    "SesionDeLaPagina": objeto({"usuario": {"$ref": "#/components/schemas/Usuario"}}, ["usuario"]),
}

BEARER = [{"bearer": []}]
OPCIONAL = [{}, {"bearer": []}]  # sin token se ven los publicados; con él, también los borradores propios


def ref(nombre):
    return {"$ref": f"#/components/schemas/{nombre}"}


def operacion(resumen, respuesta=None, estado=200, cuerpo=None, seguridad=(), lista=False):
    """Una operación: su resumen, el cuerpo que recibe, la respuesta buena y, para todo lo demás, el sobre de error."""
    if respuesta is None:
        buena = {"description": "Hecho, sin cuerpo."}
    else:
        esquema = {"type": "array", "items": ref(respuesta)} if lista else ref(respuesta)
        buena = {"description": resumen, "content": {"application/json": {"schema": esquema}}}
    datos = {
        "summary": resumen,
        "security": list(seguridad),
        "responses": {
            str(estado): buena,
            "default": {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}},
        },
    }
    if cuerpo:
        datos["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(cuerpo)}}}
    return datos


def redireccion(resumen, destino, seguridad=()):
    """Una ruta que redirige (302 con ``Location``) y, si algo falla, responde con el sobre de error."""
    datos = operacion(resumen, seguridad=seguridad)
    datos["responses"] = {
        "302": {"description": destino, "headers": {"Location": {"schema": TEXTO}}},
        **{
            estado: {"description": motivo, "content": {"application/json": {"schema": ref("Error")}}}
            for estado, motivo in ERRORES_DE_OAUTH.items()
        },
        "default": datos["responses"]["default"],
    }
    return datos


ERRORES_DE_OAUTH = {
    "400": "state, código o id_token que no valen, o el proveedor respondió con un error",
    "404": "ese proveedor no está configurado",
    "502": "el proveedor no responde",
}
PAGINA = {
    "summary": "La página de la lección 08",
    "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
}


# Qué recibe y qué devuelve cada vista (por su endpoint); las rutas y los métodos los pone la app.
OPERACIONES = {
    "usuarios.registro": {"post": operacion("Crea una cuenta (bcrypt)", "Usuario", 201, "Registro")},
    "auth.login": {"post": operacion("Inicia sesión: access y refresh token", "Tokens", cuerpo="Credenciales")},
    "refresco.refrescar": {"post": operacion("Canjea el refresh token por otro par", "Tokens", seguridad=BEARER)},
    "revocacion.logout": {"post": operacion("Cierra la sesión (revoca los dos tokens)", "Mensaje", seguridad=BEARER)},
    "revocacion.logout_todo": {"post": operacion("Cierra todas las sesiones", "Mensaje", seguridad=BEARER)},
    "usuarios.perfil": {"get": operacion("El usuario del token", "Usuario", seguridad=BEARER)},
    "perfil.cambiar_password": {
        "post": operacion("Cambia la contraseña (token fresco)", "Tokens", cuerpo="CambioDePassword", seguridad=BEARER)
    },
    "perfil.borrar_cuenta": {"delete": operacion("Borra la cuenta (token fresco)", estado=204, seguridad=BEARER)},
    "articulos.listar_articulos": {
        "get": operacion("Los artículos visibles", "Articulo", seguridad=OPCIONAL, lista=True)
    },
    "articulos.obtener_articulo": {"get": operacion("Un artículo", "Articulo", seguridad=OPCIONAL)},
    "articulos.crear_articulo": {
        "post": operacion("Crea un artículo (editor o admin)", "Articulo", 201, "ArticuloNuevo", BEARER)
    },
    "articulos.actualizar_articulo": {
        "put": operacion("Reemplaza un artículo", "Articulo", cuerpo="ArticuloNuevo", seguridad=BEARER),
        "patch": operacion("Cambia campos de un artículo", "Articulo", cuerpo="ArticuloCambios", seguridad=BEARER),
    },
    "articulos.eliminar_articulo": {"delete": operacion("Borra un artículo", estado=204, seguridad=BEARER)},
    "admin.listar_usuarios": {"get": operacion("Los usuarios (admin)", "Usuario", seguridad=BEARER, lista=True)},
    "admin.cambiar_rol": {
        "patch": operacion("Cambia el rol (admin)", "Usuario", cuerpo="CambioDeRol", seguridad=BEARER)
    },
    "paginas.inicio": {"get": PAGINA},
    "paginas.login_web": {
        "post": operacion("Inicia sesión en la página: tokens en cookies", "SesionDeLaPagina", cuerpo="Credenciales")
    },
    "paginas.refrescar_web": {"post": operacion("Renueva el access token de la cookie", "Mensaje")},
    "paginas.logout_web": {"post": operacion("Cierra la sesión de la página", "Mensaje")},
    "oauth.login": {
        "get": redireccion("Iniciar sesión con un proveedor", "A la página de inicio de sesión del proveedor")
    },
    "oauth.callback": {
        "get": redireccion("La vuelta del proveedor: tokens en cookies", "A la página, con la sesión iniciada")
    },
    "oauth.empezar_vinculo": {
        "post": redireccion("Vincula un proveedor al usuario actual", "Al proveedor", seguridad=BEARER)
    },
    "salud.salud": {"get": operacion("La base de datos y Redis responden", "Salud")},
    "openapi.documento": {"get": {"summary": "Este documento", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
}


class RutaSinDescribir(RuntimeError):
    """Una ruta de la app no está en ``OPERACIONES``: el documento estaría incompleto."""


def parametros(regla):
    """Los parámetros de ruta: ``<int:articulo_id>``, un entero ≥ 0; ``<proveedor>``, un texto."""
    return [
        {"name": nombre, "in": "path", "required": True, "schema": esquema_del_parametro(regla, nombre)}
        for nombre in sorted(regla.arguments)
    ]


def esquema_del_parametro(regla, nombre):
    if isinstance(regla._converters[nombre], IntegerConverter):
        return {"type": "integer", "minimum": 0}
    return {"type": "string", "pattern": "^[^/]+$"}


def documento_de(app):
    """El documento OpenAPI 3.1 de ``app``, como dict: una ruta por regla de ``app.url_map``."""
    spec = APISpec(
        title="API de artículos (taller Flask + JWT)",
        version="10",
        openapi_version="3.1.0",
        plugins=[FlaskPlugin()],
        info={"description": "La API final del taller: registro, sesiones con JWT, roles y artículos."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for nombre, esquema in ESQUEMAS.items():
        spec.components.schema(nombre, esquema)
    for regla in app.url_map.iter_rules():
        if regla.endpoint == "static":
            continue
        if regla.endpoint not in OPERACIONES:
            raise RutaSinDescribir(f"La ruta {regla.rule} ({regla.endpoint}) no está en OPERACIONES de openapi.py.")
        metodos = {m.lower() for m in regla.methods - {"HEAD", "OPTIONS"}}
        operaciones = {m: d for m, d in OPERACIONES[regla.endpoint].items() if m in metodos}
        spec.path(
            view=app.view_functions[regla.endpoint], app=app, operations=operaciones, parameters=parametros(regla)
        )
    return spec.to_dict()


@bp.get("/openapi.json")
def documento():
    return jsonify(current_app.extensions["openapi"])


def init_app(app):
    """Escribe el documento al crear la app, después de registrar todas sus partes (y falla si falta alguna)."""
    app.extensions["openapi"] = documento_de(app)
