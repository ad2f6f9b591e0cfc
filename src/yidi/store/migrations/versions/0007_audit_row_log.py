"""The audit row log (issue 13): per transaction, the digest of every row it changed, before and after.

The rows already in the database are adopted into it by `yidi.store.migrate.upgrade` right after this
migration, in the same transaction (yidi.store.row_baseline), under one chained ROWS_BASELINE record.

Revision ID: 0007_row_log
Revises: 0006_settle_answer
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_row_log'
down_revision: str | None = '0006_settle_answer'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_row_log',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ord', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_key', sa.Text(), nullable=False),
    sa.Column('before', sa.String(length=64), nullable=False),
    sa.Column('after', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', 'ord', name=op.f('pk_audit_row_log'))
    )
    op.create_index('ix_audit_row_log_row', 'audit_row_log', ['table_name', 'row_key', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_row_log_row', table_name='audit_row_log')
    op.drop_table('audit_row_log')
