"""The settlement's and the claim's breakdown and the stored answer compressed with lz4 on PostgreSQL (issue 15).

Each settlement stores its breakdown (~13 KB of JSON) and its first answer (~10 KB) and PostgreSQL compresses
both when the row is written. With the default method (pglz) that cost ~0.7-0.9 ms of the server's CPU per
settlement, against ~0.1 ms with lz4 (benchmarks/README.md, "lz4"); the stored rows are ~30 % larger. Only new
values are compressed the new way: a row written before reads as it always did, and no table is rewritten.
A server built without lz4 (or older than PostgreSQL 14) keeps pglz: the change is skipped, not an error.

Revision ID: 0021_lz4_breakdowns
Revises: 0020_fsi_files
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_lz4_breakdowns'
down_revision: str | None = '0020_fsi_files'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("settlements", "breakdown"), ("settlements", "answer"), ("claims", "breakdown"))


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return
    for table, column in COLUMNS:
        try:
            with bind.begin_nested():  # a server without lz4 refuses the first one: keep pglz
                bind.execute(sa.text(f'ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}'))
        except sa.exc.DBAPIError:
            return


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("default")
