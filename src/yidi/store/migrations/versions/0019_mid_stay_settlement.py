"""Mid-stay settlement (中途结算, issue 18): a settlement is a part of its visit; one live settlement per visit
and part (was: per visit).

Revision ID: 0019_mid_stay_settlement
Revises: 0018_person_estimates
Create Date: 2026-12-06 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_mid_stay_settlement'
down_revision: str | None = '0018_person_estimates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("status = 'SETTLED'")


def upgrade() -> None:
    # plain ADD COLUMN with defaults (every settlement so far is a whole visit: part 1, not mid-stay)
    op.add_column('settlements', sa.Column('mid_setl', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('settlements', sa.Column('part', sa.Integer(), server_default='1', nullable=False))
    op.drop_index('uq_settlements_visit_settled', table_name='settlements')
    op.create_index('uq_settlements_visit_part_settled', 'settlements', ['visit_id', 'part'], unique=True,
                    sqlite_where=_LIVE, postgresql_where=_LIVE)


def downgrade() -> None:
    op.drop_index('uq_settlements_visit_part_settled', table_name='settlements')
    op.create_index('uq_settlements_visit_settled', 'settlements', ['visit_id'], unique=True,
                    sqlite_where=_LIVE, postgresql_where=_LIVE)
    op.drop_column('settlements', 'part')
    op.drop_column('settlements', 'mid_setl')
