"""Rate-limit hits in the database (failed logins, family-link requests): counted across worker processes.

Revision ID: 0013_rate_limit_hits
Revises: 0012_visit_deposit
Create Date: 2026-12-06 11:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_rate_limit_hits'
down_revision: str | None = '0012_visit_deposit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    op.create_index('ix_rate_limit_hits_key_at', 'rate_limit_hits', ['key', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limit_hits_key_at', table_name='rate_limit_hits')
    op.drop_table('rate_limit_hits')
