"""deployment history: each deployment's source and entry, and a redeploy under way

Revision ID: c3d5e7f90a12
Revises: 1eef4dc2bd9f
Create Date: 2026-12-07 22:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3d5e7f90a12'
down_revision: str | None = '1eef4dc2bd9f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_deployment_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('image', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('entry_point', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('entry_adapter', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('entry_target', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('entry_module', sa.Text(), nullable=True))
    # Deployments made before this revision: their agent's source and entry.
    op.execute("UPDATE deployments SET analysis_id = (SELECT agents.analysis_id FROM agents "
               "WHERE agents.name = deployments.agent), entry_point = (SELECT agents.entry_point FROM agents "
               "WHERE agents.name = deployments.agent)")


def downgrade() -> None:
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        for column in ('entry_module', 'entry_target', 'entry_adapter', 'entry_point', 'image', 'analysis_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('next_deployment_id')
