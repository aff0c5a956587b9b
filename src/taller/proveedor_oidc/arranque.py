"""``taller proveedor-oidc``: valida las opciones, crea el proveedor y lo sirve en 127.0.0.1."""

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from . import REDIRECCION_DE_PRUEBA, SecretoDebil, create_app
from .modelos import USUARIOS_DE_PRUEBA
from .servidor import nuevo_secreto


class OpcionIncorrecta(ValueError):
    """Una opción de la orden con un valor que no sirve (el mensaje está en español)."""


def validar_puerto(texto: str) -> int:
    if not texto.isdigit() or not 0 <= int(texto) <= 65535:
        raise OpcionIncorrecta(f"el puerto debe ser un número entre 0 y 65535, no «{texto}»")
    return int(texto)


def validar_redirect_uri(uri: str) -> str:
    partes = urlsplit(uri)
    if partes.scheme not in ("http", "https") or not partes.netloc:
        raise OpcionIncorrecta(f"la dirección de retorno «{uri}» debe ser una URL http(s) completa")
    if "#" in uri:
        raise OpcionIncorrecta(f"la dirección de retorno «{uri}» no puede llevar # (RFC 6749 §3.1.2)")
    return uri


def leer_clave(archivo: str) -> bytes:
    try:
        return Path(archivo).read_bytes()
    except OSError as e:
        raise OpcionIncorrecta(f"no se puede leer la clave {archivo}: {e.strerror}") from None


def preparar(
    puerto: str,
    redirect_uris: Sequence[str],
    client_id: str,
    client_secret: str | None,
    clave: str | None,
    solo_sub: bool,
) -> tuple[Flask, BaseWSGIServer, str | None]:
    """La app y el servidor ya escuchando; el secreto generado, si no venía dado."""
    numero = validar_puerto(puerto)
    uris = [validar_redirect_uri(u) for u in redirect_uris] or [REDIRECCION_DE_PRUEBA]
    generado = None if client_secret else nuevo_secreto()
    config = {
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret or generado,
        "OIDC_REDIRECT_URIS": uris,
        "OIDC_SOLO_SUB": solo_sub,
        "OIDC_CLAVE_PRIVADA": leer_clave(clave) if clave else None,
    }
    try:
        app = create_app(config)
    except SecretoDebil as e:
        raise OpcionIncorrecta(str(e)) from None
    except ValueError as e:
        raise OpcionIncorrecta(f"la clave {clave} no sirve: {e}") from None
    try:
        servidor = make_server("127.0.0.1", numero, app, threaded=True)
    except OSError:
        raise OpcionIncorrecta(f"el puerto {numero} ya está en uso; prueba con --puerto {numero + 1}") from None
    app.config["OIDC_EMISOR"] = f"http://127.0.0.1:{servidor.server_port}"
    return app, servidor, generado


def anunciar(app: Flask, generado: str | None) -> None:
    base = app.config["OIDC_EMISOR"]
    cliente = next(iter(app.extensions["proveedor_oidc"].clientes.values()))
    secreto = generado or "(el de PROVEEDOR_OIDC_CLIENT_SECRET)"
    click.echo(f"Proveedor OpenID Connect del taller en {base}/")
    click.echo(f"  Descubrimiento: {base}/.well-known/openid-configuration")
    click.echo(f"  client_id: {cliente.client_id}")
    click.echo(f"  client_secret: {secreto}")
    if generado:
        click.echo("    (aleatorio: cambia en cada arranque; para fijarlo, export PROVEEDOR_OIDC_CLIENT_SECRET=…)")
    click.echo("  Direcciones de retorno registradas (se comparan exactas, letra por letra):")
    for uri in cliente.redirect_uris:
        click.echo(f"    {uri}")
    click.echo("  Usuarios de prueba:")
    for u in USUARIOS_DE_PRUEBA:
        verificado = "email verificado" if u.email_verified else "email SIN verificar"
        click.echo(f"    {u.email:<18} contraseña: {u.password:<10} ({verificado})")
    if app.config["OIDC_SOLO_SUB"]:
        click.echo("  --solo-sub: el id_token solo lleva «sub»; el email y el nombre, en userinfo.")
    click.echo("Pulsa Ctrl+C para parar.\n")


def servir(
    puerto: str,
    redirect_uris: Sequence[str],
    client_id: str,
    client_secret: str | None,
    clave: str | None,
    solo_sub: bool,
) -> int:
    app, servidor, generado = preparar(puerto, redirect_uris, client_id, client_secret, clave, solo_sub)
    anunciar(app, generado)
    try:
        servidor.serve_forever()  # werkzeug ya atrapa el Ctrl+C (KeyboardInterrupt) y vuelve
    except KeyboardInterrupt:
        pass
    finally:
        servidor.server_close()
    click.echo("\nProveedor parado.")
    return 0
