"""The audit chain in lanes (issue 15): a lane and a place in it per record; the records so far become lane 0.

Revision ID: 0017_audit_lanes
Revises: 0016_mutual_aid
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from yidi.store.audit_lanes import entry_hash

revision: str = '0017_audit_lanes'
down_revision: str | None = '0016_mutual_aid'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lane_seq', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_records_lane'), ['lane', 'lane_seq'])
    # the one chain so far is lane 0, its places unchanged (its hashes, which cover `seq`, still hold: a record
    # whose lane is 0 and lane_seq equals seq is hashed as before — yidi.store.audit_chain.entry_hash)
    op.execute("UPDATE audit_records SET lane_seq = seq")
    # the head of that chain was the row with id 1: it is lane 0's now
    op.execute("UPDATE audit_chain_head SET id = 0 WHERE id = 1")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_record_seq")
        op.execute("SELECT setval('audit_record_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_records), false)")


def downgrade() -> None:
    # back to one chain: the records in their global order become places 1..N of it, each hashed again as the
    # one chain hashed them, linked to the one before (the row log follows their new numbers). This re-makes
    # the proof, so run `yidi audit verify` before going down.
    conn = op.get_bind()
    recs = sa.table('audit_records', sa.column('at', sa.DateTime(timezone=True)), sa.column('detail', sa.JSON()),
                    *(sa.column(c) for c in ('id', 'seq', 'actor_role', 'actor', 'action', 'object_type', 'object_id',
                                             'prev_hash', 'entry_hash', 'before_digest', 'after_digest')))
    log = sa.table('audit_row_log', sa.column('seq'))
    has_log = sa.inspect(conn).has_table('audit_row_log')
    rows = conn.execute(sa.select(recs).where(recs.c.seq.is_not(None)).order_by(recs.c.seq)).all()
    conn.execute(sa.update(recs).values(seq=-recs.c.seq))  # out of the way of the unique numbers
    if has_log:
        conn.execute(sa.update(log).values(seq=-log.c.seq))
    prev = ''
    for n, row in enumerate(rows, start=1):
        rec = SimpleNamespace(**row._mapping)
        rec.seq, rec.lane, rec.lane_seq, rec.prev_hash = n, 0, n, prev
        prev = entry_hash(rec)  # type: ignore[arg-type]
        conn.execute(sa.update(recs).where(recs.c.id == row.id).values(seq=n, prev_hash=rec.prev_hash,
                                                                        entry_hash=prev))
        if has_log:
            conn.execute(sa.update(log).where(log.c.seq == -row.seq).values(seq=n))
    if conn.dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS audit_record_seq")
    op.execute("DELETE FROM audit_chain_head")
    if rows:
        conn.execute(sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, :n, :h)"),
                     {"n": len(rows), "h": prev})
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_records_lane'), type_='unique')
        batch_op.drop_column('lane_seq')
        batch_op.drop_column('lane')
