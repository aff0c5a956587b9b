# Viene de la solución de la lección 02 (solutions/02_login_jwt/api/extensiones.py): no hace falta que lo cambies.
"""Las extensiones de Flask, creadas una vez sin app: la fábrica las inicia con ``init_app``."""

from flask_jwt_extended import JWTManager
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
jwt = JWTManager()
