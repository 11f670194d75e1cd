"""timeline order and completeness: run_events.seq/position, runs call counts

Revision ID: 7c1e5a0d9b42
Revises: 32d93f176d13
Create Date: 2026-12-07 19:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c1e5a0d9b42'
down_revision: str | None = '32d93f176d13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

END_POSITION = 2**62


def upgrade() -> None:
    with op.batch_alter_table('run_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.BigInteger(), server_default='1', nullable=False))
        batch_op.drop_index('ix_run_events_run_id_time_id')
        batch_op.create_index('ix_run_events_run_id_position_time_id', ['run_id', 'position', 'time', 'id'],
                              unique=False)
    op.execute("UPDATE run_events SET position = 0 WHERE type = 'run.started'")
    op.execute(f"UPDATE run_events SET position = {END_POSITION} WHERE type IN ('run.completed', 'run.failed')")

    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('llm_calls_seen', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tool_calls_seen', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('expected_llm_calls', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expected_tool_calls', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expected_other_calls', sa.Integer(), nullable=True))
    op.execute("UPDATE runs SET llm_calls_seen = (SELECT count(*) FROM run_events "
               "WHERE run_events.run_id = runs.id AND run_events.type = 'llm.call')")
    op.execute("UPDATE runs SET tool_calls_seen = (SELECT count(*) FROM run_events "
               "WHERE run_events.run_id = runs.id AND run_events.type = 'tool.call')")


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('expected_other_calls')
        batch_op.drop_column('expected_tool_calls')
        batch_op.drop_column('expected_llm_calls')
        batch_op.drop_column('tool_calls_seen')
        batch_op.drop_column('llm_calls_seen')
    with op.batch_alter_table('run_events', schema=None) as batch_op:
        batch_op.drop_index('ix_run_events_run_id_position_time_id')
        batch_op.create_index('ix_run_events_run_id_time_id', ['run_id', 'time', 'id'], unique=False)
        batch_op.drop_column('position')
        batch_op.drop_column('seq')
