"""Settlements keep what a family member's personal account paid and whose it was (家庭共济, issue 16 rule 8).

Revision ID: 0016_mutual_aid
Revises: 0015_pharmacies
Create Date: 2026-12-06 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_mutual_aid'
down_revision: str | None = '0015_pharmacies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # settlements made before drew on no family member's account: 0 and no payer
    with op.batch_alter_table('settlements') as batch_op:
        batch_op.add_column(sa.Column('acct_mulaid_pay_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('mulaid_payer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_settlements_mulaid_payer_id_persons', 'persons', ['mulaid_payer_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('settlements') as batch_op:
        batch_op.drop_constraint('fk_settlements_mulaid_payer_id_persons', type_='foreignkey')
        batch_op.drop_column('mulaid_payer_id')
        batch_op.drop_column('acct_mulaid_pay_fen')
