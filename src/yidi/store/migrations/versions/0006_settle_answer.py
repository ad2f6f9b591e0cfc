"""The answer a settlement was first given, kept so that a retry with the same idempotency key gets the same
bytes back (issue 13): settlements.answer (JSON text; NULL for settlements made before this revision).

Revision ID: 0006_settle_answer
Revises: 0005_auth
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_settle_answer'
down_revision: str | None = '0005_auth'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('settlements') as batch:
        batch.add_column(sa.Column('answer', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('settlements') as batch:
        batch.drop_column('answer')
