"""Designated pharmacies (issue 17): an institution's kind (hospital or pharmacy) and 双通道 status.

Revision ID: 0015_pharmacies
Revises: 0014_e_credentials
Create Date: 2026-12-06 11:29:19.036985
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_pharmacies'
down_revision: str | None = '0014_e_credentials'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite supports it with a default): a batch copy would drop and recreate
    # `institutions`, which the visit types, diseases and settlements refer to
    op.add_column('institutions', sa.Column('kind', sa.Enum('HOSPITAL', 'PHARMACY', name='institutionkind', native_enum=False, length=32), server_default='HOSPITAL', nullable=False))
    op.add_column('institutions', sa.Column('dual_channel', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_institutions_kind'), 'institutions', ['kind'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_institutions_kind'), table_name='institutions')
    op.drop_column('institutions', 'dual_channel')  # SQLite 3.35+ drops a column in place
    op.drop_column('institutions', 'kind')

