"""programmes.employer_funded: courses an employer pays for

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00

Adds ``programmes.employer_funded`` (boolean, not null, default false): the course is paid by an
employer (企业新型学徒制, 岗前培训), so the worker is charged nothing (``fee`` is 0) and the employer
claims any subsidy. Existing rows read as worker-paid. Works on SQLite (batch mode) and
PostgreSQL, up and down.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("employer_funded", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("employer_funded")
