"""Lo que añadieron las lecciones 04–06: el rol de cada usuario y las tablas del refresco y de la revocación.

Los usuarios que ya existen reciben el rol «usuario» (``server_default``): la
columna nueva no obliga a borrar ni a rehacer nada.

Revisión: 0002
Anterior: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN con valor por defecto: SQLite y PostgreSQL lo hacen sin copiar la tabla.
    op.add_column("usuario", sa.Column("rol", sa.String(20), nullable=False, server_default="usuario"))
    op.create_table(  # lección 04: los refresh tokens ya canjeados (rotación)
        "refresh_usado",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("caduca_en", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(  # lección 05: los tokens revocados y «cerrar todas las sesiones»
        "token_revocado",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("caduca_en", sa.Integer(), nullable=False),
    )
    op.create_index("ix_token_revocado_caduca_en", "token_revocado", ["caduca_en"])
    op.create_table(
        "sesiones_cerradas",
        sa.Column("usuario", sa.String(32), primary_key=True),
        sa.Column("desde", sa.Float(), nullable=False),
        sa.Column("caduca_en", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("sesiones_cerradas")
    op.drop_index("ix_token_revocado_caduca_en", table_name="token_revocado")
    op.drop_table("token_revocado")
    op.drop_table("refresh_usado")
    with op.batch_alter_table("usuario") as tabla:  # SQLite: quitar una columna es rehacer la tabla
        tabla.drop_column("rol")
