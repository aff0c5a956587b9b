"""Usuarios de prueba, clientes, códigos y tokens del proveedor, guardados en memoria.

El proveedor es una herramienta de prácticas: todo vive en memoria y se pierde al
pararlo (los ``sub`` de los usuarios, en cambio, son fijos: una cuenta vinculada por
``(proveedor, sub)`` sigue valiendo tras reiniciarlo). Las operaciones que deben ser
de un solo uso (canjear un código, rotar un refresh token) se hacen bajo un cerrojo:
dos peticiones simultáneas con el mismo código no obtienen dos tokens.
"""

import hmac
import threading
import time
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

ALCANCES = ("openid", "email", "profile")
METODOS_DE_AUTENTICACION = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class Usuario:
    """Un usuario de prueba. ``sub`` es una cadena estable que no depende del email."""

    sub: str
    email: str
    email_verified: bool
    name: str
    password: str

    def comprobar_password(self, password: str) -> bool:
        return hmac.compare_digest(self.password.encode(), password.encode())

    def claims(self, scope: str) -> dict[str, object]:
        """Los datos del usuario que corresponden a los alcances concedidos."""
        alcances = scope_to_list(scope) or []
        datos: dict[str, object] = {"sub": self.sub}
        if "email" in alcances:
            datos |= {"email": self.email, "email_verified": self.email_verified}
        if "profile" in alcances:
            datos["name"] = self.name
        return datos


# Contraseñas públicas a propósito: son usuarios de prueba de un proveedor local.
USUARIOS_DE_PRUEBA = (
    Usuario("1001", "ana@example.org", True, "Ana Torres", "ana-demo"),
    Usuario("1002", "beto@example.org", True, "Beto Ramírez", "beto-demo"),
    Usuario("1003", "eva@example.org", False, "Eva Núñez", "eva-demo"),
)


def buscar_usuario(sub: str | None) -> Usuario | None:
    return next((u for u in USUARIOS_DE_PRUEBA if u.sub == sub), None)


def autenticar(email: str, password: str) -> Usuario | None:
    """El usuario con ese email y contraseña, o ``None``."""
    email = email.strip().lower()
    encontrado = None
    for usuario in USUARIOS_DE_PRUEBA:
        # Se comparan todas las contraseñas: el tiempo no revela qué emails existen.
        if usuario.comprobar_password(password) and usuario.email == email:
            encontrado = usuario
    return encontrado


@dataclass
class Cliente(ClientMixin):
    """Una aplicación registrada (confidencial: tiene secreto)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    nombre: str = ""
    client_metadata: dict[str, object] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect exige redirect_uri en cada petición

    def get_allowed_scope(self, scope: str | None) -> str | None:
        alcances = scope_to_list(scope) or []
        if "openid" not in alcances:
            return None  # invalid_scope: esto es un proveedor OpenID Connect
        return " ".join(a for a in ALCANCES if a in alcances)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Comparación exacta de cadenas (RFC 9700 §2.1): ni prefijos ni comodines.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in METODOS_DE_AUTENTICACION

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Codigo(AuthorizationCodeMixin):
    """Un código de autorización: de un solo uso y de vida corta."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    sub: str
    nonce: str | None
    auth_time: int
    code_challenge: str
    code_challenge_method: str
    expira_en: float
    usado: bool = False

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class Token(TokenMixin):
    """Un token de acceso opaco y su refresh token. ``familia`` es el código del que desciende."""

    client: Cliente
    sub: str
    scope: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    expira_refresco_en: float
    familia: str
    emitido_en: float = field(default_factory=time.time)
    revocado: bool = False

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.emitido_en + self.expires_in

    def is_revoked(self) -> bool:
        return self.revocado

    def get_user(self) -> Usuario | None:
        return buscar_usuario(self.sub)

    def get_client(self) -> Cliente:
        return self.client


class Almacen:
    """Códigos y tokens en memoria, con las operaciones de un solo uso bajo un cerrojo."""

    def __init__(self) -> None:
        self._cerrojo = threading.Lock()
        self._codigos: dict[str, Codigo] = {}
        self._accesos: dict[str, Token] = {}
        self._refrescos: dict[str, Token] = {}
        self._nonces: set[tuple[str, str]] = set()

    def guardar_codigo(self, codigo: Codigo) -> None:
        with self._cerrojo:
            ahora = time.time()
            caducados = [c for c, v in self._codigos.items() if v.expira_en < ahora - 600]
            for c in caducados:
                del self._codigos[c]
            self._codigos[codigo.code] = codigo
            if codigo.nonce:
                self._nonces.add((codigo.client_id, codigo.nonce))

    def nonce_usado(self, client_id: str, nonce: str) -> bool:
        with self._cerrojo:
            return (client_id, nonce) in self._nonces

    def consumir_codigo(self, code: str, client_id: str) -> Codigo | None:
        """El código si vale (existe, es de este cliente, no caducó, no se usó) y lo marca como usado.

        Un código que se presenta por segunda vez revoca los tokens emitidos con él
        (RFC 6749 §4.1.2): quien lo repite puede ser un atacante que lo robó.
        """
        with self._cerrojo:
            codigo = self._codigos.get(code)
            if codigo is None or codigo.client_id != client_id:
                return None
            if codigo.usado:
                self._revocar_familia(codigo.code)
                return None
            codigo.usado = True
            if time.time() >= codigo.expira_en:
                return None
            return codigo

    def guardar_token(self, token: Token) -> None:
        with self._cerrojo:
            self._accesos[token.access_token] = token
            if token.refresh_token:
                self._refrescos[token.refresh_token] = token

    def token_de_acceso(self, access_token: str) -> Token | None:
        with self._cerrojo:
            return self._accesos.get(access_token)

    def consumir_refresco(self, refresh_token: str, client_id: str) -> Token | None:
        """El token del refresh token si vale, revocándolo (rotación, RFC 9700 §4.14).

        Un refresh token ya rotado que vuelve a aparecer revoca toda su familia: o el
        cliente legítimo o un atacante tiene una copia robada, y no se sabe cuál.
        """
        with self._cerrojo:
            token = self._refrescos.get(refresh_token)
            if token is None or token.client.client_id != client_id:
                return None
            if token.revocado:
                self._revocar_familia(token.familia)
                return None
            if time.time() >= token.expira_refresco_en:
                return None
            token.revocado = True
            return token

    def revocar(self, token: Token) -> None:
        with self._cerrojo:
            token.revocado = True

    def _revocar_familia(self, familia: str) -> None:
        for token in self._accesos.values():
            if token.familia == familia:
                token.revocado = True
