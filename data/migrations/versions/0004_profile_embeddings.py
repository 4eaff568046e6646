"""profile embeddings in the database

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00

Worker profile embeddings and recognised occupations move from per-process index files into
``profile_embeddings`` (one row per worker and encoder model), so that any number of server
processes share them and a request never encodes the whole population. ``workers.updated_at``
gets an index: the background encoder finds changed profiles by it. On PostgreSQL the audit
log's append-only rule also refuses ``TRUNCATE`` (0001's row triggers cover UPDATE and DELETE only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_embeddings",
        sa.Column(
            "worker_id", sa.String(16), sa.ForeignKey("workers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("text_hash", sa.String(16), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("recogniser", sa.String(64), nullable=False),
        sa.Column("skill_codes", sa.JSON(), nullable=False),
        sa.Column("wish_codes", sa.JSON(), nullable=False),
        sa.Column("occupations", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", "model", name="pk_profile_embeddings"),
    )
    op.create_index("ix_profile_embeddings_updated_at", "profile_embeddings", ["updated_at"])
    op.create_index("ix_workers_updated_at", "workers", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    op.drop_index("ix_workers_updated_at", table_name="workers")
    op.drop_index("ix_profile_embeddings_updated_at", table_name="profile_embeddings")
    op.drop_table("profile_embeddings")
