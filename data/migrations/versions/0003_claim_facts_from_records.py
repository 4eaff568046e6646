"""claim facts from records: certificates with provenance, completion, hires, insurance and group
facts, living-allowance days, risk flags with follow-up, used policy versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00

Existing rows keep working:

- ``certificates`` rows become worker-file history (``source = 'worker_file'``): the recommender
  reads them as before; they pay nothing and certify no course (no number, body or date);
- ``subsidy_claims.claim_year`` becomes ``event_year`` (the year of the subsidised event; for an
  existing row the year it was recorded under), ``event_date`` starts as ``claim_date``,
  ``duplicate_key`` is the occupation code (``code/工种`` where the row names a 工种), rows of
  ``rule_version = 'imported-history'`` are marked ``history``, and 评价补贴 rows no longer count
  toward the once-per-year rule (clause 十's bracket names only 技能提升补贴);
- each worker's ``groups`` become group facts of source ``登记`` (registered, version 1).

Downgrade restores 0002's tables and indexes; it fails if claims exist that 0002's index would
take for duplicates (e.g. two 工种 of one occupation in one year), rather than drop them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LIVE = "status <> '驳回'"
_YEARLY = "counts_as_training AND status <> '驳回'"


def _new_tables() -> None:
    op.create_table(
        "hires",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.String(length=16), nullable=True),
        sa.Column("employer_name", sa.String(length=128), nullable=False),
        sa.Column("employer_kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("monthly_wage", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hires_worker_id", "hires", ["worker_id"])
    op.create_index("ix_hires_order_id", "hires", ["order_id"])
    op.create_table(
        "insurance_facts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.String(length=16), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("employer_name", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("worker_id", "scheme", "as_of", name="uq_insurance_fact"),
    )
    op.create_index("ix_insurance_facts_worker_id", "insurance_facts", ["worker_id"])
    op.create_table(
        "group_facts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.String(length=16), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("graduation_year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("worker_id", "group", "version", name="uq_group_fact_version"),
    )
    op.create_index("ix_group_facts_worker_id", "group_facts", ["worker_id"])
    op.create_table(
        "policy_versions",
        sa.Column("city_code", sa.String(length=4), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=256), nullable=False),
        sa.Column("first_used_at", sa.DateTime(), nullable=False),
        sa.Column("first_used_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("city_code", "version"),
    )
    op.create_table(
        "risk_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=8), nullable=False),
        sa.Column("institution_id", sa.String(length=16), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("state_by", sa.String(length=64), nullable=True),
        sa.Column("state_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_risk_flags_city", "risk_flags", ["city"])
    op.create_index("ix_risk_flags_institution_state", "risk_flags", ["institution_id", "state"])


def _certificates_up() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_certificate", type_="unique")
        batch_op.add_column(sa.Column("number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("issuing_body", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("work_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("enrollment_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="worker_file")
        )
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_certificates_enrollment_id", "enrollments", ["enrollment_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_certificates_import_batch_id", "import_batches", ["import_batch_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_certificate_number", ["number"])
        batch_op.create_index(
            "uq_certificate_history",
            ["worker_id", "occupation_code", "level"],
            unique=True,
            postgresql_where=sa.text("source = 'worker_file'"),
            sqlite_where=sa.text("source = 'worker_file'"),
        )


def _claims_up() -> None:
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_claim_once_per_year", postgresql_where=sa.text(_YEARLY), sqlite_where=sa.text(_YEARLY)
        )
        batch_op.alter_column("claim_year", new_column_name="event_year", existing_type=sa.Integer())
        for column in (
            sa.Column("duplicate_key", sa.String(length=96), nullable=True),
            sa.Column("event_date", sa.Date(), nullable=True),
            sa.Column("policy_hash", sa.String(length=64), nullable=True),
            sa.Column("certificate_id", sa.Integer(), nullable=True),
            sa.Column("hire_id", sa.Integer(), nullable=True),
            sa.Column("group_fact_id", sa.Integer(), nullable=True),
            sa.Column("insurance_fact_id", sa.Integer(), nullable=True),
            sa.Column("days", sa.Integer(), nullable=True),
            sa.Column("history", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("submitted_by", sa.String(length=64), nullable=True),
            sa.Column("reviewed_by", sa.String(length=64), nullable=True),
            sa.Column("approved_by", sa.String(length=64), nullable=True),
            sa.Column("paid_by", sa.String(length=64), nullable=True),
        ):
            batch_op.add_column(column)
    op.execute(
        "UPDATE subsidy_claims SET event_date = claim_date, "
        "duplicate_key = CASE WHEN work_type IS NOT NULL AND work_type <> '' "
        "THEN occupation_code || '/' || work_type ELSE occupation_code END, "
        "history = CASE WHEN rule_version = 'imported-history' THEN true ELSE false END, "
        "counts_as_training = CASE WHEN kind IN ('training', 'skill_upgrade') THEN true ELSE false END"
    )
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.alter_column("duplicate_key", existing_type=sa.String(length=96), nullable=False)
        batch_op.alter_column("event_date", existing_type=sa.Date(), nullable=False)
        batch_op.create_foreign_key("fk_claims_certificate_id", "certificates", ["certificate_id"], ["id"])
        batch_op.create_foreign_key("fk_claims_hire_id", "hires", ["hire_id"], ["id"])
        batch_op.create_foreign_key("fk_claims_group_fact_id", "group_facts", ["group_fact_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_claims_insurance_fact_id", "insurance_facts", ["insurance_fact_id"], ["id"]
        )
        batch_op.create_index(
            "uq_claim_once_per_year",
            ["worker_id", "duplicate_key", "level", "event_year"],
            unique=True,
            postgresql_where=sa.text(_YEARLY),
            sqlite_where=sa.text(_YEARLY),
        )
        batch_op.create_index(
            "uq_claim_once_per_certificate",
            ["certificate_id", "kind"],
            unique=True,
            postgresql_where=sa.text(_LIVE),
            sqlite_where=sa.text(_LIVE),
        )


def _groups_to_facts() -> None:
    """Each worker's registered groups become version-1 group facts of source 登记."""
    bind = op.get_bind()
    workers = sa.table("workers", sa.column("id", sa.String), sa.column("groups", sa.JSON))
    facts = sa.table(
        "group_facts",
        sa.column("worker_id", sa.String),
        sa.column("group", sa.String),
        sa.column("source", sa.String),
        sa.column("version", sa.Integer),
        sa.column("recorded_at", sa.DateTime),
    )
    rows: list[dict[str, object]] = []
    now = sa.func.current_timestamp()
    for worker_id, groups in bind.execute(sa.select(workers.c.id, workers.c.groups)):
        rows.extend(
            {"worker_id": worker_id, "group": g, "source": "登记", "version": 1} for g in groups or ()
        )
        if len(rows) >= 10_000:
            bind.execute(facts.insert().values(recorded_at=now), rows)
            rows = []
    if rows:
        bind.execute(facts.insert().values(recorded_at=now), rows)


def upgrade() -> None:
    _new_tables()
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_employer", sa.String(length=128), nullable=True))
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("hours_attended", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fee_payer", sa.String(length=16), nullable=True))
    _certificates_up()
    _claims_up()
    op.create_table(
        "living_allowance_days",
        sa.Column("worker_id", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["subsidy_claims.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("worker_id", "day"),
    )
    op.create_index("ix_living_allowance_days_claim_id", "living_allowance_days", ["claim_id"])
    _groups_to_facts()


def downgrade() -> None:
    op.drop_index("ix_living_allowance_days_claim_id", table_name="living_allowance_days")
    op.drop_table("living_allowance_days")
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_claim_once_per_certificate", postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE)
        )
        batch_op.drop_index(
            "uq_claim_once_per_year", postgresql_where=sa.text(_YEARLY), sqlite_where=sa.text(_YEARLY)
        )
        for name in (
            "fk_claims_certificate_id",
            "fk_claims_hire_id",
            "fk_claims_group_fact_id",
            "fk_claims_insurance_fact_id",
        ):
            batch_op.drop_constraint(name, type_="foreignkey")
        for name in (
            "duplicate_key",
            "event_date",
            "policy_hash",
            "certificate_id",
            "hire_id",
            "group_fact_id",
            "insurance_fact_id",
            "days",
            "history",
            "submitted_by",
            "reviewed_by",
            "approved_by",
            "paid_by",
        ):
            batch_op.drop_column(name)
        batch_op.alter_column("event_year", new_column_name="claim_year", existing_type=sa.Integer())
    # 0002 counted 评价补贴 toward the once-per-year rule
    op.execute(
        "UPDATE subsidy_claims SET counts_as_training = CASE WHEN kind <> 'living' THEN true ELSE false END"
    )
    with op.batch_alter_table("subsidy_claims", schema=None) as batch_op:
        batch_op.create_index(
            "uq_claim_once_per_year",
            ["worker_id", "occupation_code", "level", "claim_year"],
            unique=True,
            postgresql_where=sa.text(_YEARLY),
            sqlite_where=sa.text(_YEARLY),
        )
    # 0002 held one certificate per worker, occupation and level: keep the oldest row of each
    op.execute(
        "DELETE FROM certificates WHERE id NOT IN (SELECT MIN(id) FROM certificates "
        "GROUP BY worker_id, occupation_code, level)"
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificate_history",
            postgresql_where=sa.text("source = 'worker_file'"),
            sqlite_where=sa.text("source = 'worker_file'"),
        )
        batch_op.drop_constraint("uq_certificate_number", type_="unique")
        batch_op.drop_constraint("fk_certificates_enrollment_id", type_="foreignkey")
        batch_op.drop_constraint("fk_certificates_import_batch_id", type_="foreignkey")
        for name in (
            "number",
            "issuing_body",
            "work_type",
            "issued_on",
            "enrollment_id",
            "source",
            "import_batch_id",
        ):
            batch_op.drop_column(name)
        batch_op.create_unique_constraint("uq_certificate", ["worker_id", "occupation_code", "level"])
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        for name in ("completed_on", "hours_attended", "fee_payer"):
            batch_op.drop_column(name)
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("owner_employer")
    op.drop_index("ix_risk_flags_institution_state", table_name="risk_flags")
    op.drop_index("ix_risk_flags_city", table_name="risk_flags")
    op.drop_table("risk_flags")
    op.drop_table("policy_versions")
    op.drop_index("ix_group_facts_worker_id", table_name="group_facts")
    op.drop_table("group_facts")
    op.drop_index("ix_insurance_facts_worker_id", table_name="insurance_facts")
    op.drop_table("insurance_facts")
    op.drop_index("ix_hires_order_id", table_name="hires")
    op.drop_index("ix_hires_worker_id", table_name="hires")
    op.drop_table("hires")
