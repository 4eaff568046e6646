"""Storage of the records claims are read from (migration 0003), on SQLite and PostgreSQL: existing
rows migrate and keep working, the migration downgrades cleanly, and the importable facts
(certificates, insurance, group facts, hires) load all-or-nothing with row and field errors in
Chinese, idempotently.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, inspect, text

from data.db.models import Certificate, GroupFact, Hire, InsuranceFact, SubsidyClaim
from data.db.session import current_revision, downgrade, make_engine, transaction, upgrade
from data.fact_loaders import FACT_KINDS, load_facts
from data.tabular import ValidationFailed
from tests.subsidy_factories import (
    BRICKLAYER,
    NANNY,
    add_enrollment,
    add_institution,
    add_order,
    add_programme,
    add_worker,
    seed_reference,
)

PG_ADMIN_URL = os.environ.get("SKILLBRIDGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """An empty database of its own (not migrated): a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield eng
        eng.dispose()
        return
    request.getfixturevalue("pg_url")  # skips (or fails under SKILLBRIDGE_REQUIRE_PG) without a server
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"sb_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    yield eng
    eng.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _insert(conn, table: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    columns = ", ".join(values)
    conn.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"), values
    )


def _rows_of_0002(engine: Engine) -> None:
    """What a database of revision 0002 holds: a worker with registered groups, a worker-file
    certificate, an imported-history claim, a live training claim with a 工种 and an
    evaluation-subsidy claim (which 0002 counted toward the yearly rule)."""
    now = dt.datetime(2025, 1, 1, 8, 0)
    groups = dict(
        major_code="M", major_name="M", middle_code="m", middle_name="m", minor_code="n", minor_name="n"
    )
    with engine.begin() as conn:
        _insert(conn, "occupations", code=BRICKLAYER, name="砌筑工", **groups)
        _insert(conn, "occupations", code=NANNY, name="婴幼儿发展引导员", **groups)
        _insert(conn, "regions", adcode="141124", name="临县", level="county", lat=37.9, lon=111.0)
        _insert(
            conn,
            "workers",
            id="W1",
            id_number_hash="h1",
            id_number_masked="m",
            birth_year=1985,
            gender="男",
            education="初中",
            home_adcode="141124",
            home_lat=37.9,
            home_lon=111.0,
            skills_text="",
            work_history="",
            desired_occupations="[]",
            desired_place="local",
            max_commute_km=30.0,
            entrepreneurship=False,
            groups='["脱贫劳动力", "返乡农民工"]',
            consent_share=False,
            created_at=now,
            updated_at=now,
        )
        _insert(conn, "certificates", worker_id="W1", occupation_code=BRICKLAYER, level=5, year=2019)
        base = dict(
            worker_id="W1", counts_as_training=True, level=5, payee="worker", city="1411", created_at=now
        )
        for kind, code, work_type, year, day, amount, status, version in (
            ("training", BRICKLAYER, None, 2022, dt.date(2022, 12, 31), 0, "发放", "imported-history"),
            ("training", NANNY, "育婴员", 2024, dt.date(2024, 6, 1), 1000, "通过", "1411/2024.1"),
            ("certification", NANNY, "育婴员", 2025, dt.date(2025, 1, 5), 150, "申请", "1411/2024.1"),
        ):
            _insert(
                conn,
                "subsidy_claims",
                kind=kind,
                occupation_code=code,
                work_type=work_type,
                claim_year=year,
                claim_date=day,
                amount=amount,
                status=status,
                rule_version=version,
                **base,
            )


def test_existing_rows_migrate_to_0003_and_back(blank_engine: Engine) -> None:
    upgrade(blank_engine, "0002")
    _rows_of_0002(blank_engine)
    upgrade(blank_engine, "0003")
    assert current_revision(blank_engine) == "0003"
    with transaction(blank_engine) as s:
        (cert,) = s.query(Certificate).all()
        assert (cert.source, cert.year, cert.number, cert.issued_on) == ("worker_file", 2019, None, None)
        claims = s.query(SubsidyClaim).order_by(SubsidyClaim.id).all()
        assert [(c.kind, c.history, c.counts_as_training, c.event_year, c.duplicate_key) for c in claims] == [
            ("training", True, True, 2022, BRICKLAYER),
            ("training", False, True, 2024, f"{NANNY}/育婴员"),
            ("certification", False, False, 2025, f"{NANNY}/育婴员"),
        ]
        assert [c.event_date for c in claims] == [
            dt.date(2022, 12, 31),
            dt.date(2024, 6, 1),
            dt.date(2025, 1, 5),
        ]
        groups = sorted((g.group, g.source, g.version) for g in s.query(GroupFact))
        assert groups == [("脱贫劳动力", "登记", 1), ("返乡农民工", "登记", 1)]
    tables = set(inspect(blank_engine).get_table_names())
    assert {
        "hires",
        "insurance_facts",
        "group_facts",
        "living_allowance_days",
        "risk_flags",
        "policy_versions",
    } <= tables

    downgrade(blank_engine, "0002")
    assert current_revision(blank_engine) == "0002"
    tables = set(inspect(blank_engine).get_table_names())
    assert (
        not {
            "hires",
            "insurance_facts",
            "group_facts",
            "living_allowance_days",
            "risk_flags",
            "policy_versions",
        }
        & tables
    )
    with blank_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, claim_year, counts_as_training FROM subsidy_claims ORDER BY id")
        ).all()
        assert [(k, y, bool(c)) for k, y, c in rows] == [
            ("training", 2022, True),
            ("training", 2024, True),
            ("certification", 2025, True),
        ]
        assert conn.execute(text("SELECT COUNT(*) FROM certificates")).scalar_one() == 1
    upgrade(blank_engine, "0003")  # and up again
    assert current_revision(blank_engine) == "0003"


def _facts_world(engine: Engine) -> int:
    with transaction(engine) as s:
        seed_reference(s)
        add_worker(s, "W1")
        add_worker(s, "W2")
        add_institution(s)
        add_programme(s, "P1")
        add_order(s, "O1")
        return add_enrollment(s, "W1", "P1", completed_on=dt.date(2024, 5, 25))


def test_certificate_file_loads_with_provenance_and_refuses_bad_rows(engine: Engine) -> None:
    enr = _facts_world(engine)
    good = pl.DataFrame(
        {
            "worker_id": ["W1", "W2"],
            "number": ["S000014110000240001", "S000014110000240002"],
            "issuing_body": ["吕梁市职业技能鉴定中心", "吕梁市职业技能鉴定中心"],
            "occupation_code": [BRICKLAYER, NANNY],
            "work_type": ["建筑瓦工", "育婴员"],
            "level": ["初级工", "5"],
            "issued_on": ["2024-06-05", "2024/07/01"],
            "enrollment_id": [str(enr), None],
        }
    )
    report = load_facts(engine, "certificates", good, source="certs.csv")
    assert (report.rows, report.inserted, report.updated) == (2, 2, 0)
    again = load_facts(engine, "certificates", good, source="certs.csv")
    assert (again.inserted, again.updated) == (0, 0)
    with transaction(engine) as s:
        certs = s.query(Certificate).order_by(Certificate.id).all()
    assert [(c.number, c.source, c.issued_on, c.enrollment_id, c.work_type) for c in certs] == [
        ("S000014110000240001", "import", dt.date(2024, 6, 5), enr, "建筑瓦工"),
        ("S000014110000240002", "import", dt.date(2024, 7, 1), None, "育婴员"),
    ]
    bad = good.with_columns(
        pl.Series("work_type", ["育婴师", "育婴员"]),
        pl.Series("worker_id", ["W1", "W9"]),
        pl.Series("number", ["S000014110000240002", "S000014110000240009"]),
    )
    with pytest.raises(ValidationFailed) as caught:
        load_facts(engine, "certificates", bad, source="bad.csv")
    shown = [str(e) for e in caught.value.errors]
    assert "第2行 [work_type]: “育婴师”不是砌筑工的工种" in shown
    assert "第2行 [number]: 证书编号已登记给劳动者 W2" in shown
    assert "第3行 [worker_id]: 未知的劳动者编号: W9" in shown
    with transaction(engine) as s:
        assert s.query(Certificate).count() == 2  # nothing of the bad file stored


def test_insurance_and_group_fact_files_are_versioned_facts(engine: Engine) -> None:
    _facts_world(engine)
    insurance = pl.DataFrame(
        {
            "worker_id": ["W1", "W2"],
            "status": ["参保", "停保"],
            "months": ["24", "3"],
            "as_of": ["2024-06-01", "2024-06-01"],
        }
    )
    assert load_facts(engine, "insurance", insurance).inserted == 2
    assert (
        load_facts(engine, "insurance", insurance.with_columns(pl.Series("months", ["25", "3"]))).updated == 1
    )
    with pytest.raises(ValidationFailed, match=r"第2行 \[months\]: 参保状态下累计缴费月数不能为0"):
        load_facts(engine, "insurance", insurance.with_columns(pl.Series("months", ["0", "3"])))
    groups = pl.DataFrame(
        {
            "worker_id": ["W1", "W2"],
            "group": ["脱贫劳动力", "未升学应届初高中毕业生(农村)"],
            "source": ["名单导入", "大数据比对"],
            "effective_from": ["2023-01-01", "2024-06-01"],
            "graduation_year": [None, "2024"],
        }
    )
    assert load_facts(engine, "group_facts", groups).inserted == 2
    assert load_facts(engine, "group_facts", groups).inserted == 0  # the same facts again: nothing new
    ended = groups.head(1).with_columns(pl.lit("2024-12-31").alias("effective_until"))
    assert load_facts(engine, "group_facts", ended).inserted == 1  # a changed fact: the next version
    with transaction(engine) as s:
        w1 = s.query(GroupFact).filter_by(worker_id="W1").order_by(GroupFact.version).all()
        assert [(f.version, f.effective_until) for f in w1] == [(1, None), (2, dt.date(2024, 12, 31))]
        assert s.query(InsuranceFact).filter_by(worker_id="W1").one().months == 25
    with pytest.raises(ValidationFailed) as caught:
        load_facts(engine, "group_facts", groups.with_columns(pl.Series("graduation_year", [None, None])))
    assert [str(e) for e in caught.value.errors] == [
        "第3行 [graduation_year]: 未升学应届初高中毕业生(农村)须填写毕业年份"
    ]


def test_hire_file_loads_and_checks_its_order(engine: Engine) -> None:
    _facts_world(engine)
    hires = pl.DataFrame(
        {
            "worker_id": ["W1"],
            "order_id": ["O1"],
            "employer_name": ["吕梁示例建筑有限公司"],
            "employer_kind": ["企业"],
            "start_date": ["2024-05-01"],
            "monthly_wage": ["6500"],
        }
    )
    assert load_facts(engine, "hires", hires).inserted == 1
    assert load_facts(engine, "hires", hires).inserted == 0
    with pytest.raises(ValidationFailed) as caught:
        load_facts(
            engine,
            "hires",
            hires.with_columns(pl.lit("O9").alias("order_id"), pl.lit("2024-04-01").alias("end_date")),
        )
    assert sorted(str(e) for e in caught.value.errors) == [
        "第2行 [end_date]: 离职日期 2024-04-01 早于 2024-05-01",
        "第2行 [order_id]: 未知的订单编号: O9",
    ]
    with transaction(engine) as s:
        assert s.query(Hire).count() == 1


@pytest.mark.parametrize("kind", sorted(FACT_KINDS))
def test_every_fact_column_is_documented(kind: str) -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split(f"## {kind}\n", 1)[1].split("\n## ", 1)[0]
    for field in FACT_KINDS[kind]:
        assert f"`{field.name}`" in section, f"{kind}.{field.name} missing from docs/formats.md"
