"""医保电子凭证 e-credentials (issue 18): issued to a person, redeemed once by a hospital.

Revision ID: 0014_e_credentials
Revises: 0013_rate_limit_hits
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_e_credentials'
down_revision: str | None = '0013_rate_limit_hits'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('e_credentials',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('redeemed_by', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_e_credentials_person_id_persons')),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_e_credentials'))
    )
    with op.batch_alter_table('e_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_e_credentials_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('e_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_e_credentials_person_id'))
    op.drop_table('e_credentials')
