"""Manual reimbursement tables (issue 5): claims, invoices, fee lines, scanned documents, history, payment
batches, payments and the claims' ledger entries.

Revision ID: 0003_claims
Revises: 0002_settlement
Create Date: 2026-11-25 17:01:17.775849
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_claims'
down_revision: str | None = '0002_settlement'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('claim_batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_no', sa.String(length=32), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_by', sa.String(length=40), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_batches')),
    sa.UniqueConstraint('batch_no', name=op.f('uq_claim_batches_batch_no'))
    )
    with op.batch_alter_table('claim_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_batches_insured_region'), ['insured_region'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_no', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('state', sa.Enum('DRAFT', 'SUBMITTED', 'IN_REVIEW', 'RETURNED', 'APPROVED', 'PAID', 'REJECTED', name='claimstate', native_enum=False, length=32), nullable=False),
    sa.Column('filed_by', sa.String(length=60), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=True),
    sa.Column('hospital_name', sa.String(length=200), nullable=False),
    sa.Column('hospital_region', sa.String(length=6), nullable=False),
    sa.Column('hospital_level', sa.Enum('L1', 'L2', 'L3', 'UNRATED', name='level', native_enum=False, length=32), nullable=False),
    sa.Column('networked', sa.Boolean(), nullable=False),
    sa.Column('visit_type', sa.Enum('INPATIENT', 'OUTPATIENT', 'CHRONIC_OUTPATIENT', name='visittype', native_enum=False, length=32), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=False),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('referral', sa.Boolean(), nullable=False),
    sa.Column('diagnosis_code', sa.String(length=30), nullable=False),
    sa.Column('diagnosis_name', sa.String(length=200), nullable=False),
    sa.Column('reason_not_direct', sa.Text(), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=40), nullable=False),
    sa.Column('account_holder', sa.String(length=50), nullable=False),
    sa.Column('asked', sa.JSON(), nullable=False),
    sa.Column('asked_note', sa.Text(), nullable=False),
    sa.Column('scheme', sa.Enum('EMPLOYEE', 'RESIDENT', name='scheme', native_enum=False, length=32), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('pack', sa.String(length=100), nullable=False),
    sa.Column('policy_version', sa.String(length=20), nullable=False),
    sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=True),
    sa.Column('fund_pay_sumamt_fen', sa.BigInteger(), nullable=True),
    sa.Column('psn_part_amt_fen', sa.BigInteger(), nullable=True),
    sa.Column('excluded_fen', sa.BigInteger(), nullable=True),
    sa.Column('breakdown', sa.JSON(), nullable=True),
    sa.Column('accumulators_before', sa.JSON(), nullable=True),
    sa.Column('accumulators_after', sa.JSON(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['claim_batches.id'], name=op.f('fk_claims_batch_id_claim_batches')),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_claims_institution_institutions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_claims_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('claim_no', name=op.f('uq_claims_claim_no'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_claims_person', ['person_id', 'created_at'], unique=False)
        batch_op.create_index('ix_claims_region_state', ['insured_region', 'state', 'submitted_at'], unique=False)

    op.create_table('claim_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('material', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.String(length=60), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_documents_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_documents'))
    )
    with op.batch_alter_table('claim_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_documents_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_documents_sha256'), ['sha256'], unique=False)

    op.create_table('claim_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_events_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_events')),
    sa.UniqueConstraint('claim_id', 'seq', name=op.f('uq_claim_events_claim_id'))
    )
    with op.batch_alter_table('claim_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_events_claim_id'), ['claim_id'], unique=False)

    op.create_table('claim_invoices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('invoice_no', sa.String(length=40), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('payer', sa.String(length=50), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_invoices_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_invoices')),
    sa.UniqueConstraint('claim_id', 'invoice_no', name=op.f('uq_claim_invoices_claim_id'))
    )
    with op.batch_alter_table('claim_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_invoices_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('uq_claim_invoices_held', ['invoice_no'], unique=True, sqlite_where=sa.text('held'), postgresql_where=sa.text('held'))

    op.create_table('claim_ledger_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('posting', sa.String(length=48), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['claim_batches.id'], name=op.f('fk_claim_ledger_entries_batch_id_claim_batches')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_ledger_entries_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_ledger_entries')),
    sa.UniqueConstraint('claim_id', 'kind', 'account', name=op.f('uq_claim_ledger_entries_claim_id'))
    )
    with op.batch_alter_table('claim_ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_ledger_entries_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_ledger_entries_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_ledger_entries_posting'), ['posting'], unique=False)

    op.create_table('claim_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.String(length=32), nullable=False),
    sa.Column('unit_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('line_date', sa.Date(), nullable=True),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('exclude_reason', sa.Text(), nullable=False),
    sa.Column('excluded_by', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_lines_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_lines')),
    sa.UniqueConstraint('claim_id', 'line_id', name=op.f('uq_claim_lines_claim_id'))
    )
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_lines_claim_id'), ['claim_id'], unique=False)

    op.create_table('claim_payments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('payee_name', sa.String(length=50), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['claim_batches.id'], name=op.f('fk_claim_payments_batch_id_claim_batches')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_payments_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_payments')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_claim_payments_claim_id'))
    )
    with op.batch_alter_table('claim_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_payments_batch_id'), ['batch_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('claim_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_payments_batch_id'))

    op.drop_table('claim_payments')
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_lines_claim_id'))

    op.drop_table('claim_lines')
    with op.batch_alter_table('claim_ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_ledger_entries_posting'))
        batch_op.drop_index(batch_op.f('ix_claim_ledger_entries_claim_id'))
        batch_op.drop_index(batch_op.f('ix_claim_ledger_entries_account'))

    op.drop_table('claim_ledger_entries')
    with op.batch_alter_table('claim_invoices', schema=None) as batch_op:
        batch_op.drop_index('uq_claim_invoices_held', sqlite_where=sa.text('held'), postgresql_where=sa.text('held'))
        batch_op.drop_index(batch_op.f('ix_claim_invoices_claim_id'))

    op.drop_table('claim_invoices')
    with op.batch_alter_table('claim_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_events_claim_id'))

    op.drop_table('claim_events')
    with op.batch_alter_table('claim_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_claim_documents_claim_id'))

    op.drop_table('claim_documents')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_region_state')
        batch_op.drop_index('ix_claims_person')
        batch_op.drop_index(batch_op.f('ix_claims_batch_id'))

    op.drop_table('claims')
    with op.batch_alter_table('claim_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_batches_insured_region'))

    op.drop_table('claim_batches')
