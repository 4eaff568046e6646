"""The employer, institution and administrator pages over HTTP, on SQLite and PostgreSQL, over the
factory sample with a few records added: an enrollment and a completion in I1's course, three
claims (one per queue) and a risk flag."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from data.db.models import Enrollment, Order, RiskFlagRecord, SubsidyClaim
from data.db.session import transaction
from tests.auth_helpers import make_user

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        _records(c.app.state.engine)
        yield c


def _claim(worker: str, status: str, amount: int, **who: str) -> SubsidyClaim:
    return SubsidyClaim(
        worker_id=worker,
        kind="training",
        occupation_code="6-29-01-01",
        level=5,
        duplicate_key=f"6-29-01-01/{status}",
        event_date=dt.date(2026, 11, 20),
        event_year=2026,
        claim_date=dt.date(2026, 11, 25),
        amount=amount,
        payee="worker",
        status=status,
        city="1411",
        **who,
    )


def _records(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.add(
            Enrollment(
                worker_id="W1",
                programme_id="P1",
                status="结业",
                enrolled_on=dt.date(2026, 11, 1),
                completed=True,
                completed_on=dt.date(2026, 11, 20),
                hours_attended=118,
            )
        )
        s.add(Enrollment(worker_id="W2", programme_id="P1", status="在训", enrolled_on=dt.date(2026, 11, 2)))
        s.add(_claim("W1", "申请", 1200, submitted_by="counselor-a"))
        s.add(_claim("W2", "审核", 1000, submitted_by="counselor-a", reviewed_by="admin-b"))
        s.add(
            _claim(
                "W1", "通过", 800, submitted_by="counselor-a", reviewed_by="admin-b", approved_by="admin-c"
            )
        )
        s.add(
            RiskFlagRecord(
                key="k1",
                kind="near_full_rates",
                subject="I1",
                city="1411",
                institution_id="I1",
                message="结业率和取证率接近100%",
                evidence={"结业率": "100%"},
                state="待核查",
                first_seen=DAY,
                last_seen=DAY,
            )
        )


def _sign_in(client, role: str, **account: str) -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(client.app.state.engine, role, **account)
    r = client.post(
        f"/login/{role}", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303


def test_institution_sees_its_programmes_enrollments_and_completions(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "institution", institution_id="I1")
    home = client.get("/institution")
    assert re.findall(r'data-programme="([^"]+)"', home.text) == ["P1"]
    row = re.search(r'data-programme="P1">(.*?)</tr>', home.text, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["40（12）", "2", "1", "0"]
    page = client.get("/institution/programmes/P1")
    assert len(re.findall(r"data-enrollment=", page.text)) == 2
    assert "118" in page.text and "2026年11月20日" in page.text
    # another institution's course reads as missing
    assert client.get("/institution/programmes/P2").status_code == 404


def test_admin_sees_three_queues_with_who_did_each_step_and_the_flags(client) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, "admin", region="1411")
    page = client.get("/admin")
    assert page.status_code == 200
    queues = dict(re.findall(r'data-queue="([^"]+)".*?<tbody>(.*?)</tbody>', page.text, re.S))
    assert [len(re.findall(r"data-claim=", queues[q])) for q in ("申请", "审核", "通过")] == [1, 1, 1]
    assert "审核：admin-b<br>审批：admin-c" in queues["通过"]
    assert "1,200 元" in queues["申请"]
    assert "结业率和取证率接近100%" in page.text and "待核查" in page.text
    # an admin of another city sees none of them
    _sign_in(client, "admin", region="1401")
    other = client.get("/admin")
    assert "data-claim=" not in other.text and "data-flag=" not in other.text


def test_employer_sees_its_orders_and_candidates(client) -> None:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        employer_id = s.scalar(select(Order.employer_id).where(Order.id == "O1"))
    assert employer_id
    _sign_in(client, "employer", employer_id=employer_id)
    home = client.get("/employer")
    assert re.findall(r'data-order="([^"]+)"', home.text) == ["O1"]
    assert "砌筑工" in home.text and "6000–8000 元" in home.text
    page = client.get("/employer/orders/O1")
    assert page.status_code == 200
    found = client.app.state.recommender.candidates_for_order("O1", top=30, today=DAY)
    assert re.findall(r'data-candidate="([^"]+)"', page.text) == [c.worker_id for c in found.candidates]


def test_ledger_counts_stages_from_the_records_and_exports_xlsx(client) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    from data.db.models import Hire

    _sign_in(client, "counselor", region="1411")
    page = client.get("/workbench/ledger")
    # W1 (脱贫劳动力, 返乡农民工) completed P1; W2 has no group and lives in 太原: not in the ledger
    assert re.findall(r'data-worker="([^"]+)"', page.text) == ["W1"]
    row = re.search(r'data-group="脱贫劳动力">(.*?)</tr>', page.text, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["0", "0", "1", "0", "0"]
    with transaction(client.app.state.engine) as s:
        s.add(
            Hire(
                worker_id="W1",
                employer_name="山西晋建建筑工程有限公司",
                employer_kind="企业",
                start_date=dt.date(2026, 11, 28),
            )
        )
    hired = client.get("/workbench/ledger", params={"stage": "已就业", "group": "返乡农民工"})
    assert re.findall(r'data-worker="([^"]+)"', hired.text) == ["W1"]
    assert client.get("/workbench/ledger", params={"stage": "已结业"}).text.count('data-worker="') == 0
    outside = client.get("/workbench/ledger", params={"county": "140105"})
    assert '<span class="msg" id="e-county">所选区县不在您负责的地区</span>' in outside.text
    export = client.get("/workbench/ledger.xlsx", params={"stage": "已就业"})
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    assert [list(r) for r in book["台账"].iter_rows(values_only=True)] == [
        ["劳动者编号", "姓名", "户籍地", "重点群体", "培训就业阶段"],
        ["W1", "张*", "吕梁市临县", "脱贫劳动力、返乡农民工", "已就业"],
    ]
    assert [list(r) for r in book["统计"].iter_rows(values_only=True)] == [
        ["重点群体", "未培训", "已报名", "已结业", "已取证", "已就业", "合计"],
        ["脱贫劳动力", 0, 0, 0, 0, 1, 1],
        ["返乡农民工", 0, 0, 0, 0, 1, 1],
    ]


def test_institution_directory_rates_come_from_the_records(client) -> None:  # type: ignore[no-untyped-def]
    # I1's typed-in completion rate is 0.92 and no certification rate; its records (W1 completed,
    # W2 still in training, no certificate) give 100% and 0%, as the JSON catalogue does
    page = client.get("/catalogue/institutions", params={"city": "1411"})
    card = re.search(r'data-institution="I1">(.*?)</li>', page.text, re.S).group(1)
    api = client.get("/api/v1/institutions", params={"city": "1411"}).json()["items"][0]
    assert (api["completion_rate"], api["certification_rate"]) == (1.0, 0.0)
    assert "<dt>结业率</dt><dd>100%</dd>" in card and "<dt>取证率</dt><dd>0%</dd>" in card
