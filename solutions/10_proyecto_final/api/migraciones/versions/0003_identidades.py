"""Lo que añadió la lección 09: las cuentas de los proveedores vinculadas a cada usuario (``cuentas.Identidad``).

Una tabla nueva: los usuarios y los artículos que ya existen no cambian. Una
identidad se busca por (proveedor, ``sub``), que no se repite; si su usuario se
borra, su identidad se va con él (``ON DELETE CASCADE``).

Revisión: 0003
Anterior: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # [solución] tarea 7: la tabla «identidad», como el modelo Identidad de cuentas.py.
    op.create_table(
        "identidad",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("proveedor", sa.String(40), nullable=False),
        sa.Column("sub", sa.String(255), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_verificado", sa.Boolean(), nullable=False),
        sa.Column("usuario_id", sa.Integer(), sa.ForeignKey("usuario.id", ondelete="CASCADE"), nullable=False),
        sa.UniqueConstraint("proveedor", "sub"),
        sqlite_autoincrement=True,  # como usuario: el id de una identidad borrada no se vuelve a dar
    )
    # [ejercicio]
    # pass
    # [fin]


def downgrade():
    # [solución] tarea 7: deshacer lo de upgrade.
    op.drop_table("identidad")
    # [ejercicio]
    # pass
    # [fin]
