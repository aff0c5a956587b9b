# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/modelo_articulo.py: edítalo allí.
"""El modelo ``Articulo`` y quién puede verlo: los publicados, cualquiera; un borrador, solo su autor."""

from datetime import UTC, datetime

from .extensiones import db

MAX_TITULO = 200
MAX_CONTENIDO = 10_000


def ahora():
    return datetime.now(UTC)


def en_iso(fecha):
    """Fecha en ISO 8601 con zona horaria (SQLite la devuelve sin zona: es UTC)."""
    if fecha.tzinfo is None:
        fecha = fecha.replace(tzinfo=UTC)
    return fecha.isoformat()


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

    def visible_para(self, usuario):
        """Si ``usuario`` (``None`` sin token) puede ver este artículo: publicado, o un borrador suyo."""
        return self.publicado or (usuario is not None and self.autor_id == usuario.id)

    @classmethod
    def visibles_para(cls, usuario):
        """La consulta de los artículos que ``usuario`` (``None`` sin token) puede ver, ordenados por ``id``."""
        consulta = db.select(cls).order_by(cls.id)
        if usuario is None:
            return consulta.where(cls.publicado)
        return consulta.where(db.or_(cls.publicado, cls.autor_id == usuario.id))
