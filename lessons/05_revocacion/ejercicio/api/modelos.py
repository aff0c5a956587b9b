# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/modelos.py): no hace falta que lo cambies.
"""El modelo ``Usuario``. El de los artículos está en ``modelo_articulo.py``: cada modelo cambia por su lado."""

from .extensiones import db

MAX_EMAIL = 254
MAX_NOMBRE = 100


class Usuario(db.Model):
    """Un usuario. La contraseña no se guarda: solo su hash bcrypt."""

    __table_args__ = {"sqlite_autoincrement": True}

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(MAX_EMAIL), unique=True, nullable=False)
    nombre = db.Column(db.String(MAX_NOMBRE), nullable=False)
    password_hash = db.Column(db.String(60), nullable=False)

    def a_dict(self):
        """Lo que se puede enseñar del usuario: nunca el hash."""
        return {"id": self.id, "email": self.email, "nombre": self.nombre}
