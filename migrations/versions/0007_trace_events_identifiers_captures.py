"""trace events: EPCIS 2.0 events, identifiers, captures; batches' first event and shipping

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:15:25.966147

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('epcis_captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('running', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=True),
    sa.Column('error_behaviour', sa.String(length=10), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('stored_count', sa.Integer(), nullable=False),
    sa.Column('duplicate_count', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('producer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_epcis_captures_producer_id_producers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_epcis_captures_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_captures')),
    sa.UniqueConstraint('capture_id', name=op.f('uq_epcis_captures_capture_id'))
    )
    with op.batch_alter_table('epcis_captures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_captures_producer_id'), ['producer_id'], unique=False)

    op.create_table('trace_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.String(length=400), nullable=False),
    sa.Column('event_hash', sa.String(length=100), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('event_type', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=True),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_time_offset', sa.String(length=6), nullable=False),
    sa.Column('record_time', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('biz_step', sa.String(length=400), nullable=True),
    sa.Column('disposition', sa.String(length=400), nullable=True),
    sa.Column('read_point', sa.String(length=400), nullable=True),
    sa.Column('biz_location', sa.String(length=400), nullable=True),
    sa.Column('erroneous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('capture_pk', sa.Integer(), nullable=True),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['capture_pk'], ['epcis_captures.id'], name=op.f('fk_trace_events_capture_pk_epcis_captures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_trace_events_producer_id_producers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_trace_events_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_events')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_trace_events_dedupe_key'))
    )
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_events_biz_location'), ['biz_location'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_biz_step'), ['biz_step'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_event_hash'), ['event_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_trace_events_event_time', ['event_time', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index('ix_trace_events_producer_time', ['producer_id', 'event_time'], unique=False)
        batch_op.create_index('ix_trace_events_record_time', ['record_time', 'id'], unique=False)

    op.create_table('event_identifiers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_pk', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=400), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('serial', sa.String(length=20), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_event_identifiers_batch_id_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_pk'], ['trace_events.id'], name=op.f('fk_event_identifiers_event_pk_trace_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_identifiers'))
    )
    with op.batch_alter_table('event_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_event_identifiers_batch', ['batch_id', 'event_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_identifiers_event_pk'), ['event_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_identifiers_gtin'), ['gtin'], unique=False)
        batch_op.create_index('ix_event_identifiers_identifier', ['identifier', 'role'], unique=False)

    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_event_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True))

    


def downgrade():
    
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('shipped_at')
        batch_op.drop_column('first_event_at')

    with op.batch_alter_table('event_identifiers', schema=None) as batch_op:
        batch_op.drop_index('ix_event_identifiers_identifier')
        batch_op.drop_index(batch_op.f('ix_event_identifiers_gtin'))
        batch_op.drop_index(batch_op.f('ix_event_identifiers_event_pk'))
        batch_op.drop_index('ix_event_identifiers_batch')

    op.drop_table('event_identifiers')
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index('ix_trace_events_record_time')
        batch_op.drop_index('ix_trace_events_producer_time')
        batch_op.drop_index(batch_op.f('ix_trace_events_producer_id'))
        batch_op.drop_index('ix_trace_events_event_time')
        batch_op.drop_index(batch_op.f('ix_trace_events_event_id'))
        batch_op.drop_index(batch_op.f('ix_trace_events_event_hash'))
        batch_op.drop_index(batch_op.f('ix_trace_events_biz_step'))
        batch_op.drop_index(batch_op.f('ix_trace_events_biz_location'))

    op.drop_table('trace_events')
    with op.batch_alter_table('epcis_captures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_epcis_captures_producer_id'))

    op.drop_table('epcis_captures')
    
