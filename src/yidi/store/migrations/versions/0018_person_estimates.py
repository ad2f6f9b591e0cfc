"""A signed-in person's bill estimates, kept to be set beside the settlement (issue 19).

Revision ID: 0018_person_estimates
Revises: 0017_audit_lanes
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_person_estimates'
down_revision: str | None = '0017_audit_lanes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_estimates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('visit_type', sa.Enum('INPATIENT', 'OUTPATIENT', 'CHRONIC_OUTPATIENT', name='visittype', native_enum=False, length=32), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('situation', sa.JSON(), nullable=False),
    sa.Column('estimate', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_estimates_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_estimates'))
    )
    with op.batch_alter_table('person_estimates', schema=None) as batch_op:
        batch_op.create_index('ix_person_estimates_person_inst', ['person_id', 'institution', 'made_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_estimates', schema=None) as batch_op:
        batch_op.drop_index('ix_person_estimates_person_inst')
    op.drop_table('person_estimates')
