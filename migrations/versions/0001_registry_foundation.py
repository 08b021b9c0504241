"""Registry foundation: users, tokens, wards, audit log, producers, products, sites, batches.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 02:01:36.010368

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # users and producers refer to each other: users first, its producer FK once producers exist.
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('producer', 'officer', 'staff', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_producer_id'), ['producer_id'], unique=False)

    op.create_table('wards',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('former_province', sa.String(length=40), nullable=False),
    sa.Column('predecessors', sa.String(length=1000), nullable=False),
    sa.Column('rollout_phase', sa.Enum('pilot_2026', 'extension_2030', 'not_planned', name='rollout_phase', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('rollout_started_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_wards_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_wards_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_wards'))
    )
    op.create_table('producers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'cooperative', 'household', name='producer_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=False),
    sa.Column('gs1_company_prefix', sa.String(length=12), nullable=True),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('verification_state', sa.Enum('pending', 'verified', 'rejected', 'suspended', name='verification_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_producers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_producers_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_producers_verified_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ward_code'], ['wards.code'], name=op.f('fk_producers_ward_code_wards'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_producers')),
    sa.UniqueConstraint('tax_code', name=op.f('uq_producers_tax_code'))
    )
    with op.batch_alter_table('producers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_producers_ward_code'), ['ward_code'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_object', ['object_type', 'object_id'], unique=False)

    op.create_table('officer_wards',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_officer_wards_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ward_code'], ['wards.code'], name=op.f('fk_officer_wards_ward_code_wards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'ward_code', name=op.f('pk_officer_wards'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.Enum('ocop', 'key_product', 'agricultural', 'other', name='product_category', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ocop_group', sa.Enum('food', 'drinks', 'herbal', 'handicrafts', 'ornamentals', 'tourism', name='ocop_group', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('ocop_stars', sa.Integer(), nullable=True),
    sa.Column('ocop_certificate_no', sa.String(length=60), nullable=False),
    sa.Column('ocop_decision_no', sa.String(length=60), nullable=False),
    sa.Column('ocop_valid_from', sa.Date(), nullable=True),
    sa.Column('ocop_valid_to', sa.Date(), nullable=True),
    sa.Column('standards', sa.JSON(), nullable=False),
    sa.Column('ip_status', sa.Enum('none', 'filed', 'protected', name='ip_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ip_kind', sa.Enum('trademark', 'geographical_indication', 'collective_mark', 'certification_mark', name='ip_kind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('ip_number', sa.String(length=60), nullable=False),
    sa.Column('portal_state', sa.Enum('not_submitted', 'submitted', 'listed', 'rejected', name='portal_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('portal_reference', sa.String(length=80), nullable=False),
    sa.Column('portal_state_on', sa.Date(), nullable=True),
    sa.Column('review_state', sa.Enum('draft', 'submitted', 'verified', 'rejected', name='review_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ocop_stars IS NULL OR (ocop_stars BETWEEN 3 AND 5)', name=op.f('ck_products_ocop_stars')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_products_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_products_producer_id_producers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_products_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_products_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('gtin', name=op.f('uq_products_gtin'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_producer_id'), ['producer_id'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('growing_area', 'farming_area', 'processing', name='site_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('planting_area_code', sa.String(length=40), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('area_ha', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('crop_or_species', sa.String(length=120), nullable=False),
    sa.Column('certifications', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name=op.f('ck_sites_latitude')),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name=op.f('ck_sites_longitude')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sites_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_sites_producer_id_producers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sites_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ward_code'], ['wards.code'], name=op.f('fk_sites_ward_code_wards'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_ward_code'), ['ward_code'], unique=False)

    op.create_table('ward_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('xa', 'phuong', name='ward_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['ward_code'], ['wards.code'], name=op.f('fk_ward_statuses_ward_code_wards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_statuses')),
    sa.UniqueConstraint('ward_code', 'valid_from', name=op.f('uq_ward_statuses_ward_code'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('lot_code', sa.String(length=20), nullable=False),
    sa.Column('produced_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_batches_quantity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_batches_producer_id_producers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_batches_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_batches_site_id_sites'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_batches_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('product_id', 'lot_code', name=op.f('uq_batches_product_id'))
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_site_id'), ['site_id'], unique=False)

    op.create_table('product_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_images_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images')),
    sa.UniqueConstraint('key', name=op.f('uq_product_images_key'))
    )
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_images_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_users_producer_id_producers'), 'producers', ['producer_id'], ['id'],
            ondelete='CASCADE',
        )


def downgrade():
    # Reverse dependency order; the users -> producers FK goes first to break the cycle.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_producer_id_producers'), type_='foreignkey')
    for table in (
        'product_images', 'batches', 'ward_statuses', 'sites', 'products', 'officer_wards',
        'audit_log', 'api_tokens', 'producers', 'wards', 'users',
    ):
        op.drop_table(table)
