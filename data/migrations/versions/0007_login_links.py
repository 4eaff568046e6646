"""login_links: one-time sign-in links for workers

Revision ID: 0007_login_links
Revises: 0006
Create Date: 2026-12-02 11:40:00

``login_links``: a link a counselor gives a worker (a QR code on the printed sheet) that signs
the worker's account in once. Only the SHA-256 of the link's code is stored (unique), with the
account and worker it is for, who issued it, when it expires, and when it was used or revoked.
Works on SQLite and PostgreSQL, up and down.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_login_links"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "worker_id", sa.String(16), sa.ForeignKey("workers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("code_hash", name="uq_login_links_code_hash"),
    )
    op.create_index("ix_login_links_user_id", "login_links", ["user_id"])
    op.create_index("ix_login_links_worker_id", "login_links", ["worker_id"])


def downgrade() -> None:
    op.drop_index("ix_login_links_worker_id", table_name="login_links")
    op.drop_index("ix_login_links_user_id", table_name="login_links")
    op.drop_table("login_links")
