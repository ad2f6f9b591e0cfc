"""Clearing tables (issue 6): runs, pair/hospital lines, province positions, netting, advance funds,
items (the settlements behind each month), confirmations and disputes.

Revision ID: 0004_clearing
Revises: 0003_claims
Create Date: 2026-11-25 17:03:46.151121
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_clearing'
down_revision: str | None = '0003_claims'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clearing_runs',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('engine', sa.String(length=10), nullable=False),
    sa.Column('advance_months', sa.Integer(), nullable=False),
    sa.Column('warning_pct', sa.String(length=10), nullable=False),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('cleared_fen', sa.BigInteger(), nullable=False),
    sa.Column('adjust_fen', sa.BigInteger(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_by', sa.String(length=40), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_clearing_runs'))
    )
    op.create_table('clearing_advance_funds',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('holder_province', sa.String(length=6), nullable=False),
    sa.Column('payer_province', sa.String(length=6), nullable=False),
    sa.Column('base_year', sa.Integer(), nullable=False),
    sa.Column('base_year_fen', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('sized_fen', sa.BigInteger(), nullable=False),
    sa.Column('previous_sized_fen', sa.BigInteger(), nullable=True),
    sa.Column('review_delta_fen', sa.BigInteger(), nullable=False),
    sa.Column('used_fen', sa.BigInteger(), nullable=False),
    sa.Column('used_pct', sa.String(length=12), nullable=False),
    sa.Column('warning_pct', sa.String(length=10), nullable=False),
    sa.Column('alert', sa.Boolean(), nullable=False),
    sa.Column('topup_request_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_advance_funds_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'holder_province', 'payer_province', name=op.f('pk_clearing_advance_funds'))
    )
    op.create_table('clearing_confirmations',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_confirmations_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'region', name=op.f('pk_clearing_confirmations'))
    )
    op.create_table('clearing_disputes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('raised_by', sa.String(length=40), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=40), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('effective_month', sa.String(length=7), nullable=True),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_disputes_month_clearing_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearing_disputes'))
    )
    with op.batch_alter_table('clearing_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearing_disputes_month'), ['month'], unique=False)

    op.create_table('clearing_hospital_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('treatment_region', sa.String(length=6), nullable=False),
    sa.Column('institution', sa.String(length=30), nullable=False),
    sa.Column('n_settle', sa.Integer(), nullable=False),
    sa.Column('n_revoke', sa.Integer(), nullable=False),
    sa.Column('n_adjust', sa.Integer(), nullable=False),
    sa.Column('medfee_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_fen', sa.BigInteger(), nullable=False),
    sa.Column('cash_fen', sa.BigInteger(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('adjust_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_hospital_lines_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearing_hospital_lines'))
    )
    with op.batch_alter_table('clearing_hospital_lines', schema=None) as batch_op:
        batch_op.create_index('ix_clearing_hospital_lines_key', ['month', 'institution'], unique=True)

    op.create_table('clearing_netting',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('payer_province', sa.String(length=6), nullable=False),
    sa.Column('payee_province', sa.String(length=6), nullable=False),
    sa.Column('gross_fen', sa.BigInteger(), nullable=False),
    sa.Column('bilateral_net_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_netting_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'payer_province', 'payee_province', name=op.f('pk_clearing_netting'))
    )
    op.create_table('clearing_pair_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('treatment_region', sa.String(length=6), nullable=False),
    sa.Column('insured_region', sa.String(length=6), nullable=False),
    sa.Column('treatment_province', sa.String(length=6), nullable=False),
    sa.Column('insured_province', sa.String(length=6), nullable=False),
    sa.Column('n_settle', sa.Integer(), nullable=False),
    sa.Column('n_revoke', sa.Integer(), nullable=False),
    sa.Column('n_adjust', sa.Integer(), nullable=False),
    sa.Column('medfee_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifp_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifob_fen', sa.BigInteger(), nullable=False),
    sa.Column('cvlserv_fen', sa.BigInteger(), nullable=False),
    sa.Column('hifmi_fen', sa.BigInteger(), nullable=False),
    sa.Column('maf_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('acct_fen', sa.BigInteger(), nullable=False),
    sa.Column('cash_fen', sa.BigInteger(), nullable=False),
    sa.Column('cleared_fen', sa.BigInteger(), nullable=False),
    sa.Column('adjust_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_pair_lines_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearing_pair_lines'))
    )
    with op.batch_alter_table('clearing_pair_lines', schema=None) as batch_op:
        batch_op.create_index('ix_clearing_pair_lines_key', ['month', 'treatment_region', 'insured_region'], unique=True)

    op.create_table('clearing_province_positions',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('receivable_fen', sa.BigInteger(), nullable=False),
    sa.Column('payable_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('intra_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_province_positions_month_clearing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'province', name=op.f('pk_clearing_province_positions'))
    )
    op.create_table('clearing_dispute_items',
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('setl_id', sa.String(length=32), nullable=False),
    sa.Column('cleared_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['clearing_disputes.id'], name=op.f('fk_clearing_dispute_items_dispute_id_clearing_disputes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_clearing_dispute_items_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('dispute_id', 'settlement_id', name=op.f('pk_clearing_dispute_items'))
    )
    with op.batch_alter_table('clearing_dispute_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearing_dispute_items_settlement_id'), ['settlement_id'], unique=False)

    op.create_table('clearing_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('setl_id', sa.String(length=32), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=12), nullable=False),
    sa.Column('adjustment', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['month'], ['clearing_runs.month'], name=op.f('fk_clearing_items_month_clearing_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_clearing_items_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearing_items'))
    )
    with op.batch_alter_table('clearing_items', schema=None) as batch_op:
        batch_op.create_index('ix_clearing_items_month_settlement', ['month', 'settlement_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_clearing_items_settlement_id'), ['settlement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('clearing_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearing_items_settlement_id'))
        batch_op.drop_index('ix_clearing_items_month_settlement')

    op.drop_table('clearing_items')
    with op.batch_alter_table('clearing_dispute_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearing_dispute_items_settlement_id'))

    op.drop_table('clearing_dispute_items')
    op.drop_table('clearing_province_positions')
    with op.batch_alter_table('clearing_pair_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_clearing_pair_lines_key')

    op.drop_table('clearing_pair_lines')
    op.drop_table('clearing_netting')
    with op.batch_alter_table('clearing_hospital_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_clearing_hospital_lines_key')

    op.drop_table('clearing_hospital_lines')
    with op.batch_alter_table('clearing_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearing_disputes_month'))

    op.drop_table('clearing_disputes')
    op.drop_table('clearing_confirmations')
    op.drop_table('clearing_advance_funds')
    op.drop_table('clearing_runs')
