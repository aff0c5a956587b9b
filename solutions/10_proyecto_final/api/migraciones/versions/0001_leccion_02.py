"""Las tablas de la lección 02: usuarios (con su hash bcrypt) y artículos con autor.

Revisión: 0001
Anterior: ninguna
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "usuario",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("nombre", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(60), nullable=False),
        sqlite_autoincrement=True,  # SQLite no vuelve a dar el id de un usuario borrado
    )
    op.create_table(
        "articulo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("titulo", sa.String(200), nullable=False),
        sa.Column("contenido", sa.Text(), nullable=False),
        sa.Column("publicado", sa.Boolean(), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actualizado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("autor_id", sa.Integer(), sa.ForeignKey("usuario.id"), nullable=True),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("articulo")
    op.drop_table("usuario")
