"""one live subsidy claim of each kind per enrollment

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:00:00

Adds the partial unique index ``uq_claim_once_per_enrollment`` on subsidy_claims
(enrollment_id, kind) where status <> '驳回': a course gives at most one living allowance (and one
claim of each other kind), even when two requests arrive together. Works on SQLite (batch mode)
and PostgreSQL, up and down.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_WHERE = "status <> '驳回'"


def upgrade() -> None:
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.create_index(
            "uq_claim_once_per_enrollment",
            ["enrollment_id", "kind"],
            unique=True,
            postgresql_where=sa.text(_WHERE),
            sqlite_where=sa.text(_WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_claim_once_per_enrollment",
            postgresql_where=sa.text(_WHERE),
            sqlite_where=sa.text(_WHERE),
        )
