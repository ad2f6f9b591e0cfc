"""Initial tables: regions, institutions, persons, filings with history, visits.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 16:51:22.428010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('regions',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('province_name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('institutions',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('level', sa.Enum('L1', 'L2', 'L3', 'UNRATED', name='level', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['region'], ['regions.code'], name=op.f('fk_institutions_region_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_institutions'))
    )
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institutions_region'), ['region'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('citizen_id', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('scheme', sa.Enum('EMPLOYEE', 'RESIDENT', name='scheme', native_enum=False, length=32), nullable=False),
    sa.Column('category', sa.Enum('ACTIVE', 'RETIRED', name='category', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'LAPSED', 'TERMINATED', 'WAITING', 'TRANSFERRING', name='insurancestatus', native_enum=False, length=32), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('account_balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('assistance_group', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['insured_region'], ['regions.code'], name=op.f('fk_persons_insured_region_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('citizen_id', name=op.f('uq_persons_citizen_id'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_insured_region'), ['insured_region'], unique=False)

    op.create_table('filings',
    sa.Column('filing_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('type', sa.Enum('RETIREE_RESETTLED', 'LONG_TERM_RESIDENT', 'RESIDENT_WORKER', 'REFERRAL', 'EMERGENCY', 'OTHER_TEMPORARY', name='filingtype', native_enum=False, length=32), nullable=False),
    sa.Column('treatment_area', sa.String(length=6), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('PENDING_REVIEW', 'ACTIVE', 'REJECTED', 'CANCELLED', 'SUPERSEDED', name='filingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('commitment', sa.Boolean(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('institutions', sa.JSON(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('supersedes', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=True),
    sa.Column('filed_by', sa.String(length=100), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=30), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['insured_region'], ['regions.code'], name=op.f('fk_filings_insured_region_regions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_filings_person_id_persons')),
    sa.ForeignKeyConstraint(['supersedes'], ['filings.filing_id'], name=op.f('fk_filings_supersedes_filings')),
    sa.PrimaryKeyConstraint('filing_id', name=op.f('pk_filings'))
    )
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filings_insured_region'), ['insured_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_filings_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filings_status'), ['status'], unique=False)

    op.create_table('institution_diseases',
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('disease', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_institution_diseases_institution_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('institution', 'disease', name=op.f('pk_institution_diseases'))
    )
    op.create_table('institution_visit_types',
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('visit_type', sa.Enum('INPATIENT', 'OUTPATIENT', 'CHRONIC_OUTPATIENT', name='visittype', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_institution_visit_types_institution_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('institution', 'visit_type', name=op.f('pk_institution_visit_types'))
    )
    with op.batch_alter_table('institution_visit_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_visit_types_visit_type'), ['visit_type'], unique=False)

    op.create_table('person_diseases',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('disease', sa.String(length=20), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_diseases_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'disease', name=op.f('pk_person_diseases'))
    )
    op.create_table('filing_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('filing_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('PENDING_REVIEW', 'ACTIVE', 'REJECTED', 'CANCELLED', 'SUPERSEDED', name='filingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=30), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filings.filing_id'], name=op.f('fk_filing_events_filing_id_filings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_events')),
    sa.UniqueConstraint('filing_id', 'seq', name=op.f('uq_filing_events_filing_id'))
    )
    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_events_filing_id'), ['filing_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('visit_type', sa.Enum('INPATIENT', 'OUTPATIENT', 'CHRONIC_OUTPATIENT', name='visittype', native_enum=False, length=32), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=False),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filing_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filings.filing_id'], name=op.f('fk_visits_filing_id_filings')),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_visits_institution_institutions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_visits_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_institution'), ['institution'], unique=False)
        batch_op.create_index('ix_visits_person_status', ['person_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_person_status')
        batch_op.drop_index(batch_op.f('ix_visits_institution'))

    op.drop_table('visits')
    with op.batch_alter_table('filing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_events_filing_id'))

    op.drop_table('filing_events')
    op.drop_table('person_diseases')
    with op.batch_alter_table('institution_visit_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_visit_types_visit_type'))

    op.drop_table('institution_visit_types')
    op.drop_table('institution_diseases')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filings_status'))
        batch_op.drop_index(batch_op.f('ix_filings_person_id'))
        batch_op.drop_index(batch_op.f('ix_filings_insured_region'))

    op.drop_table('filings')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_insured_region'))

    op.drop_table('persons')
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institutions_region'))

    op.drop_table('institutions')
    op.drop_table('regions')
