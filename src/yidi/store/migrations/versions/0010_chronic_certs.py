"""门诊慢特病 certification (issue 17): applications, their papers and history; validity on a certified disease.

Revision ID: 0010_chronic_certs
Revises: 0009_above_cap_fund
Create Date: 2026-12-06 10:56:57.342773
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_chronic_certs'
down_revision: str | None = '0009_above_cap_fund'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chronic_certifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('cert_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('disease', sa.String(length=20), nullable=False),
    sa.Column('hospital', sa.String(length=200), nullable=False),
    sa.Column('diagnosed_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('APPLIED', 'RETURNED', 'APPROVED', 'REJECTED', 'WITHDRAWN', name='certstate', native_enum=False, length=32), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['insured_region'], ['regions.code'], name=op.f('fk_chronic_certifications_insured_region_regions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_chronic_certifications_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronic_certifications')),
    sa.UniqueConstraint('cert_id', name=op.f('uq_chronic_certifications_cert_id'))
    )
    with op.batch_alter_table('chronic_certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronic_certifications_insured_region'), ['insured_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronic_certifications_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chronic_certifications_state'), ['state'], unique=False)
        batch_op.create_index('uq_chronic_cert_open', ['person_id', 'disease'], unique=True, sqlite_where=sa.text("state IN ('APPLIED', 'RETURNED')"), postgresql_where=sa.text("state IN ('APPLIED', 'RETURNED')"))

    op.create_table('chronic_cert_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('cert_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Enum('APPLIED', 'RETURNED', 'APPROVED', 'REJECTED', 'WITHDRAWN', name='certstate', native_enum=False, length=32), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['cert_id'], ['chronic_certifications.cert_id'], name=op.f('fk_chronic_cert_events_cert_id_chronic_certifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronic_cert_events')),
    sa.UniqueConstraint('cert_id', 'seq', name=op.f('uq_chronic_cert_events_cert_id'))
    )
    with op.batch_alter_table('chronic_cert_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronic_cert_events_cert_id'), ['cert_id'], unique=False)

    op.create_table('chronic_cert_papers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('cert_id', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cert_id'], ['chronic_certifications.cert_id'], name=op.f('fk_chronic_cert_papers_cert_id_chronic_certifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronic_cert_papers'))
    )
    with op.batch_alter_table('chronic_cert_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronic_cert_papers_cert_id'), ['cert_id'], unique=False)

    with op.batch_alter_table('person_diseases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('person_diseases', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('chronic_cert_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronic_cert_papers_cert_id'))

    op.drop_table('chronic_cert_papers')
    with op.batch_alter_table('chronic_cert_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronic_cert_events_cert_id'))

    op.drop_table('chronic_cert_events')
    with op.batch_alter_table('chronic_certifications', schema=None) as batch_op:
        batch_op.drop_index('uq_chronic_cert_open', sqlite_where=sa.text("state IN ('APPLIED', 'RETURNED')"), postgresql_where=sa.text("state IN ('APPLIED', 'RETURNED')"))
        batch_op.drop_index(batch_op.f('ix_chronic_certifications_state'))
        batch_op.drop_index(batch_op.f('ix_chronic_certifications_person_id'))
        batch_op.drop_index(batch_op.f('ix_chronic_certifications_insured_region'))

    op.drop_table('chronic_certifications')
