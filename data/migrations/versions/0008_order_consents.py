"""order consents: a worker's consent to share their contact with one order's employer

Revision ID: 0008_order_consents
Revises: 0007_login_links
Create Date: 2026-12-02 12:00:00

- ``order_consents`` (worker, order, the contact given while the consent stands, who gave it and
  whether a counselor did on the worker's behalf, when given and withdrawn), one row per
  (worker, order).

Works on SQLite and PostgreSQL, up and down.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_order_consents"
down_revision = "0007_login_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_consents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("worker_id", sa.String(16), sa.ForeignKey("workers.id"), nullable=False),
        sa.Column("order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("contact_name", sa.String(32), nullable=True),
        sa.Column("contact_phone", sa.String(11), nullable=True),
        sa.Column("given_by", sa.String(64), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("worker_id", "order_id", name="uq_order_consent"),
    )
    op.create_index("ix_order_consents_worker_id", "order_consents", ["worker_id"])
    op.create_index("ix_order_consents_order_id", "order_consents", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_consents_order_id", table_name="order_consents")
    op.drop_index("ix_order_consents_worker_id", table_name="order_consents")
    op.drop_table("order_consents")
