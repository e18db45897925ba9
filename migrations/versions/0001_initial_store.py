"""Initial store: synced records, cursors, audit log, outbox, plans, webhooks.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestrator.store.types


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('window_start', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('window_end', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_appointments_account_platform_external_id'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_account_job_id'), ['account', 'job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_account_window_start'), ['account', 'window_start'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=256), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('correlation_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_subject_at'), ['subject', 'at'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_customers_account_platform_external_id'))
    )
    op.create_table('gps_pings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('technician_id', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gps_pings')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_gps_pings_account_platform_external_id'))
    )
    with op.batch_alter_table('gps_pings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gps_pings_account_technician_id_recorded_at'), ['account', 'technician_id', 'recorded_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('job_type', sa.String(length=64), nullable=False),
    sa.Column('urgency', sa.String(length=32), nullable=True),
    sa.Column('customer_id', sa.String(length=128), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_jobs_account_platform_external_id'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_account_status'), ['account', 'status'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_locations_account_platform_external_id'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('provider_id', sa.String(length=128), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_idempotency_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_status_available_at'), ['status', 'available_at'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('objective', sa.Float(), nullable=True),
    sa.Column('created_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('correlation_id', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_account_service_date_created_at'), ['account', 'service_date', 'created_at'], unique=False)

    op.create_table('status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_events')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_status_events_account_platform_external_id'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_events_account_occurred_at'), ['account', 'occurred_at'], unique=False)

    op.create_table('sync_cursors',
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    sa.Column('cursor', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account', 'platform', 'resource', name=op.f('pk_sync_cursors'))
    )
    op.create_table('technicians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('modified_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technicians')),
    sa.UniqueConstraint('account', 'platform', 'external_id', name=op.f('uq_technicians_account_platform_external_id'))
    )
    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('received_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('processed_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('platform', 'account', 'event_id', name=op.f('uq_webhook_events_platform_account_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_events_status_received_at'), ['status', 'received_at'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('job_external_id', sa.String(length=128), nullable=False),
    sa.Column('appointment_external_id', sa.String(length=128), nullable=True),
    sa.Column('technician_external_id', sa.String(length=128), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('planned_start', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('planned_end', orchestrator.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('written_at', orchestrator.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_assignments_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('plan_id', 'job_external_id', name=op.f('uq_assignments_plan_id_job_external_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_plan_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_status_received_at'))

    op.drop_table('webhook_events')
    op.drop_table('technicians')
    op.drop_table('sync_cursors')
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_events_account_occurred_at'))

    op.drop_table('status_events')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_account_service_date_created_at'))

    op.drop_table('plans')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status_available_at'))

    op.drop_table('outbox')
    op.drop_table('locations')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_account_status'))

    op.drop_table('jobs')
    with op.batch_alter_table('gps_pings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gps_pings_account_technician_id_recorded_at'))

    op.drop_table('gps_pings')
    op.drop_table('customers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_subject_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_account_window_start'))
        batch_op.drop_index(batch_op.f('ix_appointments_account_job_id'))

    op.drop_table('appointments')
