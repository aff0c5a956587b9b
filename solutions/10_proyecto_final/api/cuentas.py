# Generado por «taller sincronizar» desde solutions/09_oauth/api/cuentas.py: edítalo allí.
"""Las cuentas de los proveedores: quién es quién, por (proveedor, ``sub``) y nunca por un email sin verificar.

El ``sub`` de un proveedor no cambia ni se reutiliza; el email sí cambia, y un
proveedor puede dar uno que nadie ha verificado (cualquiera puede escribir el
tuyo). Por eso una identidad se encuentra por (proveedor, ``sub``), y un email
solo sirve para llegar a una cuenta que ya existe si el proveedor lo verificó.
"""

import secrets

from authlib.integrations.base_client import OAuthError

from .extensiones import db
from .modelos import MAX_EMAIL, MAX_NOMBRE, Usuario
from .usuarios import hash_de_password, normalizar_email


class Identidad(db.Model):
    """Una cuenta de un proveedor vinculada a un usuario nuestro."""

    __table_args__ = (db.UniqueConstraint("proveedor", "sub"), {"sqlite_autoincrement": True})

    id = db.Column(db.Integer, primary_key=True)
    proveedor = db.Column(db.String(40), nullable=False)
    sub = db.Column(db.String(255), nullable=False)
    email = db.Column(db.String(MAX_EMAIL))  # lo que dijo el proveedor, verificado o no
    email_verificado = db.Column(db.Boolean, nullable=False, default=False)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="CASCADE"), nullable=False)


def datos_de_oidc(cliente, token):
    """``sub``, ``email``, ``email_verified`` y ``name``: del id_token y, si faltan (solo ``sub``), de userinfo."""
    datos = dict(token["userinfo"])  # el id_token que Authlib ya verificó: firma, iss, aud, exp y nonce
    if "email" not in datos:
        extra = cliente.userinfo(token=token)
        if extra.get("sub") != datos["sub"]:  # OpenID Connect Core, sección 5.3.2: el mismo usuario
            raise OAuthError(error="userinfo_de_otro_usuario")
        datos = {**extra, **datos}
    return datos


def datos_de_github(cliente, token):
    """GitHub no es OpenID Connect: el id de ``/user`` es el ``sub``; el email, el principal de ``/user/emails``."""
    perfil = cliente.get("user", token=token)
    perfil.raise_for_status()
    perfil = perfil.json()
    emails = cliente.get("user/emails", token=token)
    emails.raise_for_status()
    principal = next((e for e in emails.json() if isinstance(e, dict) and e.get("primary")), {})
    email, verificado = principal.get("email"), principal.get("verified") is True
    return {"sub": str(perfil["id"]), "email": email, "email_verified": verificado, "name": perfil.get("name")}


def usuario_nuevo(email, nombre):
    """Un usuario que entra con un proveedor: su contraseña es aleatoria y nadie la sabe."""
    usuario = Usuario(email=email, nombre=nombre[:MAX_NOMBRE], password_hash=hash_de_password(secrets.token_hex(32)))
    db.session.add(usuario)
    db.session.flush()  # ya tiene id
    return usuario


def vincular(proveedor, datos, usuario_actual=None):
    """El usuario de esta identidad: ``(usuario, None)``, o ``(None, (mensaje, estado, codigo))`` si no se puede.

    1. Si (proveedor, ``sub``) ya está vinculado, es ese usuario, diga lo que diga el email.
    2. Con la sesión iniciada (``usuario_actual``), la identidad se vincula a ese usuario.
    3. Si no, solo un email **verificado** encuentra una cuenta (o crea una nueva).
    """
    sub, email = str(datos["sub"]), normalizar_email(datos.get("email"))
    identidad = db.session.scalar(db.select(Identidad).filter_by(proveedor=proveedor, sub=sub))
    if identidad is not None and db.session.get(Usuario, identidad.usuario_id) is None:
        db.session.delete(identidad)  # su usuario borró la cuenta (SQLite no aplica ON DELETE CASCADE)
        identidad = None
    verificado = datos.get("email_verified") is True
    if identidad is not None:
        usuario = db.session.get(Usuario, identidad.usuario_id)
        if usuario_actual is not None and usuario is not usuario_actual:
            return None, ("Esa cuenta del proveedor ya está vinculada a otro usuario.", 409, "YA_VINCULADA")
        return usuario, None
    if usuario_actual is not None:
        usuario = usuario_actual
    elif email and verificado:
        usuario = db.session.scalar(db.select(Usuario).filter_by(email=email))
        usuario = usuario or usuario_nuevo(email, datos.get("name") or email.split("@")[0])
    else:
        return None, (
            "El proveedor no ha verificado tu email: no podemos saber si es tuyo. Verifícalo en el proveedor "
            "o, si ya tienes cuenta aquí, inicia sesión con tu contraseña y vincula el proveedor.",
            403,
            "EMAIL_NO_VERIFICADO",
        )
    db.session.add(
        Identidad(proveedor=proveedor, sub=sub, email=email, email_verificado=verificado, usuario_id=usuario.id)
    )
    db.session.commit()
    return usuario, None
