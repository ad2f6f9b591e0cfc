"""Inpatient visits keep the deposit (押金) paid at admission (issue 16: deposit on the slip).

Revision ID: 0012_visit_deposit
Revises: 0011_reference_version
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_visit_deposit'
down_revision: str | None = '0011_reference_version'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # visits registered before read a deposit of 0 (none recorded)
    with op.batch_alter_table('hospital_visits') as batch_op:
        batch_op.add_column(sa.Column('deposit_fen', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('hospital_visits') as batch_op:
        batch_op.drop_column('deposit_fen')
