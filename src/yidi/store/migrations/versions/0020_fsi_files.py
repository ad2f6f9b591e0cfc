"""Files uploaded through the national envelope (9101 文件上传): a hospital's settlement detail for 3202.

Revision ID: 0020_fsi_files
Revises: 0019_mid_stay_settlement
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_fsi_files'
down_revision: str | None = '0019_mid_stay_settlement'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fsi_files',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('file_qury_no', sa.String(length=40), nullable=False),
        sa.Column('institution', sa.String(length=30), nullable=False),
        sa.Column('msgid', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institution'], ['institutions.code'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_qury_no'),
        sa.UniqueConstraint('institution', 'msgid'),
    )
    op.create_index(op.f('ix_fsi_files_institution'), 'fsi_files', ['institution'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_fsi_files_institution'), table_name='fsi_files')
    op.drop_table('fsi_files')
