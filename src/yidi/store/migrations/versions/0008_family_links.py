"""Family links (issue 13): who may act for whom — a link a relative confirmed, with its history.

Revision ID: 0008_family_links
Revises: 0007_row_log
Create Date: 2026-12-06 04:45:58.527562
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_family_links'
down_revision: str | None = '0007_row_log'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('link_id', sa.String(length=32), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('relative_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sa.Enum('PARENT', 'CHILD', 'SPOUSE', 'GRANDPARENT', 'GRANDCHILD', 'SIBLING', 'OTHER', name='relationship', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('REQUESTED', 'CONFIRMED', 'DECLINED', 'REVOKED', name='linkstate', native_enum=False, length=32), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=12), nullable=False),
    sa.Column('proof_kind', sa.String(length=32), nullable=False),
    sa.Column('proof_note', sa.String(length=100), nullable=False),
    sa.Column('proof_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['relative_id'], ['persons.id'], name=op.f('fk_family_links_relative_id_persons')),
    sa.ForeignKeyConstraint(['requester_id'], ['persons.id'], name=op.f('fk_family_links_requester_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_links')),
    sa.UniqueConstraint('link_id', name=op.f('uq_family_links_link_id'))
    )
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_links_relative_id'), ['relative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_links_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index('uq_family_links_live_pair', ['requester_id', 'relative_id'], unique=True, sqlite_where=sa.text("state IN ('REQUESTED', 'CONFIRMED')"), postgresql_where=sa.text("state IN ('REQUESTED', 'CONFIRMED')"))

    op.create_table('family_link_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('link_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Enum('REQUESTED', 'CONFIRMED', 'DECLINED', 'REVOKED', name='linkstate', native_enum=False, length=32), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['family_links.link_id'], name=op.f('fk_family_link_events_link_id_family_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_link_events')),
    sa.UniqueConstraint('link_id', 'seq', name=op.f('uq_family_link_events_link_id'))
    )
    with op.batch_alter_table('family_link_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_link_events_link_id'), ['link_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('family_link_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_link_events_link_id'))

    op.drop_table('family_link_events')
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.drop_index('uq_family_links_live_pair', sqlite_where=sa.text("state IN ('REQUESTED', 'CONFIRMED')"), postgresql_where=sa.text("state IN ('REQUESTED', 'CONFIRMED')"))
        batch_op.drop_index(batch_op.f('ix_family_links_requester_id'))
        batch_op.drop_index(batch_op.f('ix_family_links_relative_id'))

    op.drop_table('family_links')
