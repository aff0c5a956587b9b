# Viene de la solución de la lección 06 (solutions/06_roles/api/modelos.py): no hace falta que lo cambies.
"""Los modelos de la base de datos: ``Usuario`` (ahora con su ``rol``) y ``Articulo``."""

from datetime import UTC, datetime

from .extensiones import db

MAX_TITULO = 200
MAX_CONTENIDO = 10_000
MAX_EMAIL = 254
MAX_NOMBRE = 100
MAX_ID = 2**63 - 1  # el mayor entero que guardan SQLite y PostgreSQL (BIGINT)
ROLES = ("admin", "editor", "usuario")  # de más a menos poder
ROL_POR_DEFECTO = "usuario"  # el de todo registro: nadie elige su propio rol


def ahora():
    return datetime.now(UTC)


def en_iso(fecha):
    """Fecha en ISO 8601 con zona horaria (SQLite la devuelve sin zona: es UTC)."""
    if fecha.tzinfo is None:
        fecha = fecha.replace(tzinfo=UTC)
    return fecha.isoformat()


class Usuario(db.Model):
    """Un usuario. La contraseña no se guarda: solo su hash bcrypt."""

    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(MAX_EMAIL), unique=True, nullable=False)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)
    rol = db.Column(db.String(20), nullable=False, default=ROL_POR_DEFECTO)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre, "rol": self.rol}


class Articulo(db.Model):
    """Un artículo del blog."""

    # AUTOINCREMENT: SQLite no vuelve a dar el id de un artículo borrado.
    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    titulo = db.Column(db.String(MAX_TITULO), nullable=False)
    contenido = db.Column(db.Text, nullable=False, default="")
    publicado = db.Column(db.Boolean, nullable=False, default=False)
    creado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora)
    actualizado_en = db.Column(db.DateTime(timezone=True), nullable=False, default=ahora, onupdate=ahora)
    autor_id = db.Column(db.Integer, db.ForeignKey("usuario.id"), nullable=True)

    def a_dict(self):
        return {
            "id": self.id,
            "titulo": self.titulo,
            "contenido": self.contenido,
            "publicado": self.publicado,
            "creado_en": en_iso(self.creado_en),
            "actualizado_en": en_iso(self.actualizado_en),
            "autor_id": self.autor_id,
        }
