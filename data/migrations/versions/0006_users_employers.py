"""users, sign-in tokens, login attempts, employers; orders belong to an employer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:40:00

- ``employers`` (name, kind, 统一社会信用代码, county, address); ``orders.employer_id`` points to
  one. Existing orders migrate: one employer row per distinct (employer_name, employer_kind), its
  id the same stable hash the loaders give (:func:`data.credit_code.employer_id`, restated here so
  the migration never changes with the code), its county the smallest adcode of its orders;
- ``users`` (role, region prefix, the institution/employer/worker it acts for, active),
  ``auth_tokens`` (each issued token by jti, with expiry and revocation) and ``login_attempts``
  (the sign-in rate limit, shared by every server process);
- ``workers.active`` (a deactivated worker is kept, never recommended);
- ``programmes.status`` (``active`` or ``suspended`` by its institution; existing rows active).

Works on SQLite (batch mode) and PostgreSQL, up and down.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _employer_id(name: str, kind: str) -> str:
    return "E" + hashlib.sha256(f"{kind}\x1f{name.strip()}".encode()).hexdigest()[:10].upper()


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("adcode", sa.String(12), sa.ForeignKey("regions.adcode"), nullable=True),
        sa.Column("address", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("credit_code", name="uq_employers_credit_code"),
    )
    op.create_index("ix_employers_adcode", "employers", ["adcode"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("institution_id", sa.String(16), sa.ForeignKey("institutions.id"), nullable=True),
        sa.Column("employer_id", sa.String(16), sa.ForeignKey("employers.id"), nullable=True),
        sa.Column("worker_id", sa.String(16), sa.ForeignKey("workers.id"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_auth_tokens_user_id", "auth_tokens", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "at"])
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")))
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="active"))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_id", sa.String(16), nullable=True))
        batch_op.create_foreign_key("fk_orders_employer_id", "employers", ["employer_id"], ["id"])
        batch_op.create_index("ix_orders_employer_id", ["employer_id"])

    conn = op.get_bind()
    found = conn.execute(
        sa.text(
            "SELECT employer_name, employer_kind, MIN(adcode) FROM orders "
            "GROUP BY employer_name, employer_kind ORDER BY employer_name, employer_kind"
        )
    ).all()
    employers = sa.table(
        "employers",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("adcode", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    now = sa.func.current_timestamp()
    for name, kind, adcode in found:
        eid = _employer_id(name, kind)
        conn.execute(
            employers.insert().values(
                id=eid, name=name.strip(), kind=kind, adcode=adcode, created_at=now, updated_at=now
            )
        )
        conn.execute(
            sa.text(
                "UPDATE orders SET employer_id = :eid WHERE employer_name = :name AND employer_kind = :kind"
            ),
            {"eid": eid, "name": name, "kind": kind},
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_employer_id")
        batch_op.drop_constraint("fk_orders_employer_id", type_="foreignkey")
        batch_op.drop_column("employer_id")
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("status")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_column("active")
    op.drop_index("ix_login_attempts_address_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_username_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_auth_tokens_user_id", table_name="auth_tokens")
    op.drop_table("auth_tokens")
    op.drop_table("users")
    op.drop_index("ix_employers_adcode", table_name="employers")
    op.drop_table("employers")
