"""A version of the reference data (regions, institutions), bumped by every import: caches check it, no timer.

Revision ID: 0011_reference_version
Revises: 0010_chronic_certs
Create Date: 2026-12-06 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_reference_version'
down_revision: str | None = '0010_chronic_certs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # no row yet: the first import after the upgrade makes it (through yidi, so the audit trail logs it);
    # until then every process reads the version as 0 and caches what it reads
    op.create_table('reference_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version'))
    )


def downgrade() -> None:
    op.drop_table('reference_version')
