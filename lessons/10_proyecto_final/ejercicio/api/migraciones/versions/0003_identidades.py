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
    # TODO (tarea 7): la tabla «identidad», como el modelo Identidad de cuentas.py.
    pass


def downgrade():
    # TODO (tarea 7): deshacer lo de upgrade.
    pass
