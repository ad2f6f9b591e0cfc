"""Direct settlement tables: visit details, fee lines, settlements, year accumulators, ledger, hospital
messages, audit records and hospital API keys (issue 4).

Revision ID: 0002_settlement
Revises: 0001
Create Date: 2026-11-25 16:54:28.231608
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_settlement'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records'))
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_records_at'), ['at'], unique=False)

    op.create_table('hospital_keys',
    sa.Column('key_id', sa.String(length=24), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_hospital_keys_institution_institutions')),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_hospital_keys'))
    )
    with op.batch_alter_table('hospital_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_keys_institution'), ['institution'], unique=False)

    op.create_table('person_year_accumulators',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.Enum('EMPLOYEE', 'RESIDENT', name='scheme', native_enum=False, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_year_accumulators_person_id_persons')),
    sa.PrimaryKeyConstraint('person_id', 'scheme', 'year', name=op.f('pk_person_year_accumulators'))
    )
    op.create_table('fee_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.String(length=32), nullable=False),
    sa.Column('unit_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('line_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('item_status', sa.String(length=24), nullable=False),
    sa.Column('chrgitm_lv', sa.String(length=2), nullable=False),
    sa.Column('selfpay_prop', sa.String(length=16), nullable=False),
    sa.Column('fulamt_ownpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('overlmt_fen', sa.BigInteger(), nullable=False),
    sa.Column('preselfpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('inscp_scp_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_fee_lines_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_lines')),
    sa.UniqueConstraint('visit_id', 'line_id', name=op.f('uq_fee_lines_visit_id'))
    )
    with op.batch_alter_table('fee_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_lines_visit_id'), ['visit_id'], unique=False)

    op.create_table('hospital_visits',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('mdtrt_id', sa.String(length=32), nullable=False),
    sa.Column('chronic_disease', sa.String(length=20), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('msgid', sa.String(length=64), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_hospital_visits_visit_id_visits')),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_hospital_visits')),
    sa.UniqueConstraint('mdtrt_id', name=op.f('uq_hospital_visits_mdtrt_id'))
    )
    op.create_table('settlements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('setl_id', sa.String(length=32), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('treatment_region', sa.String(length=6), nullable=False),
    sa.Column('visit_type', sa.Enum('INPATIENT', 'OUTPATIENT', 'CHRONIC_OUTPATIENT', name='visittype', native_enum=False, length=32), nullable=False),
    sa.Column('scheme', sa.Enum('EMPLOYEE', 'RESIDENT', name='scheme', native_enum=False, length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('msgid', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('filing_id', sa.String(length=32), nullable=True),
    sa.Column('filing_type', sa.String(length=32), nullable=True),
    sa.Column('pack', sa.String(length=100), nullable=False),
    sa.Column('policy_version', sa.String(length=20), nullable=False),
    sa.Column('visit_revision', sa.Integer(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('medfee_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('fulamt_ownpay_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('overlmt_selfpay_fen', sa.BigInteger(), nullable=False),
    sa.Column('preselfpay_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('inscp_scp_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('cross_region_selfpay_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('act_pay_dedc_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifp_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('above_cap_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifob_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('cvlserv_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifmi_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('maf_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_pay_sumamt_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_part_amt_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('psn_cash_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('balc_fen', sa.BigInteger(), nullable=False),
    sa.Column('pool_prop_selfpay', sa.String(length=16), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('accumulators_before', sa.JSON(), nullable=False),
    sa.Column('accumulators_after', sa.JSON(), nullable=False),
    sa.Column('settlement_date', sa.Date(), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.Column('acc_version_after', sa.Integer(), nullable=False),
    sa.Column('revoked_acc_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], name=op.f('fk_settlements_institution_institutions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_settlements_person_id_persons')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_settlements_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements')),
    sa.UniqueConstraint('institution', 'idempotency_key', name=op.f('uq_settlements_institution')),
    sa.UniqueConstraint('setl_id', name=op.f('uq_settlements_setl_id'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.create_index('ix_settlements_institution_date', ['institution', 'settlement_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlements_insured_region'), ['insured_region'], unique=False)
        batch_op.create_index('ix_settlements_person_year', ['person_id', 'scheme', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlements_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index('uq_settlements_visit_settled', ['visit_id'], unique=True, sqlite_where=sa.text("status = 'SETTLED'"), postgresql_where=sa.text("status = 'SETTLED'"))

    op.create_table('hospital_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('msgid', sa.String(length=64), nullable=False),
    sa.Column('infno', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_hospital_messages_settlement_id_settlements')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_hospital_messages_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_messages')),
    sa.UniqueConstraint('institution', 'msgid', name=op.f('uq_hospital_messages_institution'))
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('posting', sa.String(length=48), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_ledger_entries_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_account'), ['account'], unique=False)
        batch_op.create_index('ix_ledger_entries_posting', ['posting'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_settlement_id'), ['settlement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_settlement_id'))
        batch_op.drop_index('ix_ledger_entries_posting')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_account'))

    op.drop_table('ledger_entries')
    op.drop_table('hospital_messages')
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_index('uq_settlements_visit_settled', sqlite_where=sa.text("status = 'SETTLED'"), postgresql_where=sa.text("status = 'SETTLED'"))
        batch_op.drop_index(batch_op.f('ix_settlements_visit_id'))
        batch_op.drop_index('ix_settlements_person_year')
        batch_op.drop_index(batch_op.f('ix_settlements_insured_region'))
        batch_op.drop_index('ix_settlements_institution_date')

    op.drop_table('settlements')
    op.drop_table('hospital_visits')
    with op.batch_alter_table('fee_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_lines_visit_id'))

    op.drop_table('fee_lines')
    op.drop_table('person_year_accumulators')
    with op.batch_alter_table('hospital_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_keys_institution'))

    op.drop_table('hospital_keys')
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_records_at'))

    op.drop_table('audit_records')
