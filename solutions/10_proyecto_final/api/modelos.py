# Generado por «taller sincronizar» desde solutions/06_roles/api/modelos.py: edítalo allí.
"""El modelo ``Usuario``, ahora con su ``rol``. El de los artículos no cambia: está en ``modelo_articulo.py``."""

from .extensiones import db

MAX_EMAIL = 254
MAX_NOMBRE = 100
ROLES = ("admin", "editor", "usuario")  # de más a menos poder
ROL_POR_DEFECTO = "usuario"  # el de todo registro: nadie elige su propio rol


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
