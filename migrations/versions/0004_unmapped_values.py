"""Unmapped vendor values seen by syncs, for `fsm-dispatch mappings check`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestrator.store.types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unmapped_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('mapping_table', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.Column('last_seen', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmapped_values')),
    sa.UniqueConstraint('account', 'platform', 'mapping_table', 'value', name=op.f('uq_unmapped_values_account_platform_mapping_table_value'))
    )


def downgrade() -> None:
    op.drop_table('unmapped_values')
