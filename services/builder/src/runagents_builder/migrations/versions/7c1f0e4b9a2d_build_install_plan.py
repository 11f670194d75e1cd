"""build install plan

Revision ID: 7c1f0e4b9a2d
Revises: 235d415b33e3
Create Date: 2026-12-07 23:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c1f0e4b9a2d'
down_revision: str | None = '235d415b33e3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('builds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('install_plan', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('builds', schema=None) as batch_op:
        batch_op.drop_column('install_plan')
