"""El servidor de autorización de Authlib, ajustado a lo que exige el taller.

- Solo el flujo del código de autorización (``response_type=code``) y el refresco.
- PKCE obligatorio y solo con S256. Ojo: ``CodeChallenge(required=True)`` de Authlib no
  basta. Solo exige el ``code_verifier`` a los clientes públicos, deja pasar una petición
  de autorización sin ``code_challenge`` y, si falta ``code_challenge_method``, verifica
  el código como ``plain`` (RFC 7636 §4.3). Aquí se exigen los dos parámetros.
- ``nonce`` obligatorio, y no se admite el mismo ``nonce`` dos veces del mismo cliente.
- Códigos de un solo uso y de vida corta: Authlib no comprueba la caducidad de los
  códigos, lo hace ``Almacen.consumir_codigo``.
- id_token firmado con RS256 con ``iss``, ``aud``, ``exp``, ``iat``, ``auth_time``,
  ``nonce`` y ``sub``; con ``OIDC_SOLO_SUB`` no lleva email ni nombre (solo userinfo).
"""

import secrets
import time
import warnings
from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from flask import Flask, current_app, session
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import KeyParameters, RSAKey

from .modelos import (
    ALCANCES,
    METODOS_DE_AUTENTICACION,
    Almacen,
    Cliente,
    Codigo,
    Token,
    Usuario,
    buscar_usuario,
)


@dataclass
class Estado:
    """Lo que el proveedor guarda en ``app.extensions["proveedor_oidc"]``."""

    clientes: dict[str, Cliente]
    clave: RSAKey
    almacen: Almacen
    servidor: AuthorizationServer
    protector: ResourceProtector


def estado() -> Estado:
    return current_app.extensions["proveedor_oidc"]


def emisor() -> str:
    """El identificador del emisor (``iss``): se lee en cada petición, de la configuración."""
    return current_app.config["OIDC_EMISOR"].rstrip("/")


def cargar_o_generar_clave(pem: str | bytes | None) -> RSAKey:
    """La clave RSA privada del PEM dado, o una nueva de 2048 bits; con ``kid`` (RFC 7638)."""
    parametros: KeyParameters = {"use": "sig", "alg": "RS256"}
    if not pem:
        clave = RSAKey.generate_key(2048, parametros)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SecurityWarning)  # el tamaño se comprueba abajo
                clave = RSAKey.import_key(pem, parametros)
        except (ValueError, JoseError):
            raise ValueError("no es una clave RSA privada en formato PEM") from None
        if not clave.is_private or clave.private_key is None or clave.private_key.key_size < 2048:
            raise ValueError("debe ser una clave RSA privada de 2048 bits o más")
    clave.ensure_kid()
    return clave


class PKCEConS256(CodeChallenge):
    """PKCE obligatorio para todos los clientes, solo con ``S256``."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: grants.AuthorizationCodeGrant, redirect_uri: str) -> None:
        datos = grant.request.payload.data
        if not datos.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
        if datos.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is allowed.")
        super().validate_code_challenge(grant, redirect_uri)


class OpenIDDelTaller(OpenIDCode):
    """Emite el id_token del flujo del código."""

    def __init__(self) -> None:
        super().__init__(require_nonce=True)

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return estado().almacen.nonce_usado(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: Cliente) -> RSAKey:
        return estado().clave

    def get_client_algorithm(self, client: Cliente) -> str:
        return "RS256"

    def get_encode_header(self, client: Cliente) -> dict[str, str]:
        return {"alg": "RS256", "typ": "JWT", "kid": estado().clave.kid or ""}

    def get_client_claims(self, client: Cliente) -> dict[str, object]:
        ahora = int(time.time())
        duracion = int(current_app.config["OIDC_DURACION_ID_TOKEN"])
        return {"iss": emisor(), "aud": client.client_id, "iat": ahora, "exp": ahora + duracion}

    def generate_user_info(self, user: Usuario, scope: str) -> UserInfo:
        if current_app.config["OIDC_SOLO_SUB"]:
            return UserInfo(sub=user.sub)
        return UserInfo(user.claims(scope))


class CodigoDeAutorizacion(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(METODOS_DE_AUTENTICACION)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        datos = request.payload.data
        estado().almacen.guardar_codigo(
            Codigo(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                sub=request.user.sub,
                nonce=datos.get("nonce"),
                auth_time=int(session.get("auth_time") or time.time()),
                code_challenge=datos["code_challenge"],
                code_challenge_method=datos["code_challenge_method"],
                expira_en=time.time() + float(current_app.config["OIDC_DURACION_CODIGO"]),
            )
        )

    def query_authorization_code(self, code: str, client: Cliente) -> Codigo | None:
        return estado().almacen.consumir_codigo(code, client.client_id)

    def delete_authorization_code(self, authorization_code: Codigo) -> None:
        pass  # ya quedó marcado como usado al consumirlo

    def authenticate_user(self, authorization_code: Codigo) -> Usuario | None:
        return buscar_usuario(authorization_code.sub)


class RefrescoConRotacion(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(METODOS_DE_AUTENTICACION)
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotación: cada refresco da un refresh token nuevo

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        return estado().almacen.consumir_refresco(refresh_token, self.request.client.client_id)

    def authenticate_user(self, refresh_token: Token) -> Usuario | None:
        return buscar_usuario(refresh_token.sub)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        estado().almacen.revocar(refresh_token)


class ValidadorBearer(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        return estado().almacen.token_de_acceso(token_string)


class InformacionDelUsuario(UserInfoEndpoint):
    """El endpoint userinfo: siempre con email y nombre según los alcances concedidos."""

    def get_issuer(self) -> str:
        return emisor()

    def generate_user_info(self, user: Usuario, scope: str) -> UserInfo:
        return UserInfo(user.claims(scope))

    def resolve_private_key(self) -> RSAKey:
        return estado().clave


def guardar_token(token: dict, request: OAuth2Request) -> None:
    """Guarda el token emitido; su familia es el código del que desciende (para revocarla entera)."""
    if request.authorization_code is not None:
        familia = request.authorization_code.code
        expira_refresco_en = time.time() + float(current_app.config["OIDC_DURACION_REFRESCO"])
    else:  # refresco: la familia y la caducidad del refresh token se heredan (rotar no alarga su vida)
        familia = request.refresh_token.familia
        expira_refresco_en = request.refresh_token.expira_refresco_en
    estado().almacen.guardar_token(
        Token(
            client=request.client,
            sub=request.user.sub,
            scope=token.get("scope", ""),
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_in=int(token["expires_in"]),
            expira_refresco_en=expira_refresco_en,
            familia=familia,
        )
    )


def crear_servidor(app: Flask) -> tuple[AuthorizationServer, ResourceProtector]:
    """El servidor de autorización de Authlib con los grants y extensiones del taller."""
    duracion = int(app.config["OIDC_DURACION_ACCESO"])
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(ALCANCES))
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"authorization_code": duracion, "refresh_token": duracion})
    servidor = AuthorizationServer(
        app, query_client=lambda client_id: estado().clientes.get(client_id), save_token=guardar_token
    )
    servidor.register_grant(CodigoDeAutorizacion, [PKCEConS256(required=True), OpenIDDelTaller()])
    servidor.register_grant(RefrescoConRotacion)
    protector = ResourceProtector()
    protector.register_token_validator(ValidadorBearer())
    servidor.register_endpoint(InformacionDelUsuario(resource_protector=protector))
    return servidor, protector


def metadatos() -> dict[str, object]:
    """El documento de descubrimiento (OpenID Connect Discovery 1.0 y RFC 8414)."""
    base = emisor()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks.json",
        "scopes_supported": list(ALCANCES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": list(METODOS_DE_AUTENTICACION),
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "email",
            "email_verified",
            "name",
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["es"],
    }


def nuevo_secreto() -> str:
    return secrets.token_urlsafe(32)
