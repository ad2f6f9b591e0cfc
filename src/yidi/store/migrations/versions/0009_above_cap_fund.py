"""Settlements keep the pooled-fund payment the annual cap withheld (issue 16: over-cap figures).

Revision ID: 0009_above_cap_fund
Revises: 0008_family_links
Create Date: 2026-12-06 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_above_cap_fund'
down_revision: str | None = '0008_family_links'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # settlements made before are not recalculated: their figure reads 0 (their breakdown JSON has none)
    with op.batch_alter_table('settlements') as batch_op:
        batch_op.add_column(sa.Column('above_cap_fund_amt_fen', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('settlements') as batch_op:
        batch_op.drop_column('above_cap_fund_amt_fen')
