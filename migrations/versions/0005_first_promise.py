"""Appointments keep the first arrival window promised, for on-time KPIs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import orchestrator.store.types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_start', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('promised_end', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True))
    # Rows stored before this revision: their current window is the best promise known.
    appointments = sa.table(
        'appointments',
        sa.column('id', sa.Integer()),
        sa.column('data', sa.JSON()),
        sa.column('promised_start', orchestrator.store.types.UtcDateTime(timezone=True)),
        sa.column('promised_end', orchestrator.store.types.UtcDateTime(timezone=True)),
    )
    bind = op.get_bind()
    for row_id, data in bind.execute(sa.select(appointments.c.id, appointments.c.data)).all():
        window = (json.loads(data) if isinstance(data, str) else data or {}).get('arrival_window')
        if not window:
            continue
        bind.execute(
            appointments.update()
            .where(appointments.c.id == row_id)
            .values(
                promised_start=datetime.fromisoformat(window['start']),
                promised_end=datetime.fromisoformat(window['end']),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('promised_end')
        batch_op.drop_column('promised_start')
