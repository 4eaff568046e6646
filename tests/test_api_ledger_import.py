"""An institution's training ledger uploaded over HTTP (issue 12 item 5), on SQLite and PostgreSQL:
every row stored through the records services (seats, statuses, certificate provenance, audit),
all or nothing with every bad row's line and field, the same file again changing nothing, another
institution's programme read as unknown; and a refused file's errors as an XLSX that says what the
JSON says.

The factory sample: P1 is I1's 砌筑工 五级 course (2027-01-05 … 01-25, 120 hours, 12 seats left),
P2 is I2's; W1 lives in 临县, W2 in 小店区. The app's day is 2027-02-01.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from api.services import enrollments
from data.db.models import AuditEvent, Certificate, Enrollment, Programme
from data.db.session import transaction
from tests.apps import engine_of
from tests.auth_helpers import bearer, make_user
from tests.record_factories import caller

URL = "/api/v1/imports/ledger"
HEADER = (
    "worker_id,programme_id,enrolled_on,completed_on,hours_attended,certificate_number,certificate_date\n"
)
DAY = dt.date(2027, 2, 1)


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("gbk")


@pytest.fixture
def app_client(sample_apps, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _school(client: TestClient, institution_id: str = "I1") -> tuple[str, dict[str, str]]:
    name, password = make_user(engine_of(client), "institution", region="1411", institution_id=institution_id)
    return name, bearer(client, name, password)


def _post(client: TestClient, headers: dict, content: bytes, query: str = ""):  # type: ignore[no-untyped-def]
    return client.post(URL + query, files={"file": ("台账.csv", content)}, headers=headers)


def _records(client: TestClient) -> dict[str, tuple]:
    """Worker → (status, enrolled_on, completed_on, hours, certified) of their P1 enrollment."""
    with transaction(engine_of(client)) as s:
        rows = s.scalars(select(Enrollment).where(Enrollment.programme_id == "P1"))
        return {
            e.worker_id: (e.status, e.enrolled_on.isoformat(), e.completed_on, e.hours_attended, e.certified)
            for e in rows
        }


def _seats_left(client: TestClient) -> int:
    with transaction(engine_of(client)) as s:
        programme = s.get(Programme, "P1")
        assert programme is not None
        return programme.seats_left


def test_a_ledger_is_stored_through_the_records_services_once(app_client: TestClient) -> None:
    client = app_client
    # W2 was enrolled by a counselor before the course; the ledger confirms them
    enrollments.enroll(
        engine_of(client),
        caller("counselor", "c1"),
        worker_id="W2",
        programme_id="P1",
        today=dt.date(2026, 12, 1),
    )
    school, headers = _school(client)
    ledger = _csv("W1,P1,2027-01-05,2027-01-25,116,S2027000001,2027-01-28", "W2,P1,2026-12-01,,,,")
    r = _post(client, headers, ledger)
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "ledger", "rows": 2, "inserted": 1, "updated": 1}
    assert _records(client) == {
        "W1": ("结业", "2027-01-05", dt.date(2027, 1, 25), 116, True),
        "W2": ("在训", "2026-12-01", None, None, False),
    }
    assert _seats_left(client) == 10  # 12, less the counselor's place and the ledger's
    with transaction(engine_of(client)) as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == "S2027000001")).one()
        assert (cert.worker_id, cert.source, cert.occupation_code, cert.level, cert.issued_on) == (
            "W1",
            "registry",
            "6-29-01-01",
            5,
            dt.date(2027, 1, 28),
        )
        assert cert.issuing_body == "临县职业技能培训学校"
        trail = [
            (a, actor)
            for a, actor in s.execute(
                select(AuditEvent.action, AuditEvent.actor)
                .where(AuditEvent.action.not_like("import.%"), AuditEvent.actor == school)
                .order_by(AuditEvent.id)
            )
        ]
    assert trail == [
        ("enrollment.enrolled", school),
        ("enrollment.confirmed", school),
        ("enrollment.completed", school),
        ("certificate.recorded", school),
        ("enrollment.confirmed", school),
    ]
    # the same file again changes nothing
    again = _post(client, headers, ledger)
    assert again.json() == {"kind": "ledger", "rows": 2, "inserted": 0, "updated": 0}
    assert _seats_left(client) == 10
    with transaction(engine_of(client)) as s:
        events = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("import.%"))
        )
        imports = list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("import.%"))))
    assert imports == ["import.ledger", "import.ledger"]
    # a later ledger records W2's completion
    later = _csv("W1,P1,2027-01-05,2027-01-25,116,S2027000001,2027-01-28", "W2,P1,2026-12-01,2027-01-25,98,,")
    assert _post(client, headers, later).json() == {"kind": "ledger", "rows": 2, "inserted": 0, "updated": 1}
    assert _records(client)["W2"] == ("结业", "2026-12-01", dt.date(2027, 1, 25), 98, False)
    with transaction(engine_of(client)) as s:
        after = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("import.%"))
        )
    assert after == (events or 0) + 1


BAD = _csv(
    "W1,P1,2027-01-05,2027-01-25,116,S2027000001,2027-01-28",  # 2: good
    "W2,P2,2027-02-01,,,,",  # 3: I2's course
    "W404,P1,2027-01-05,,,,",  # 4: no such worker
    "W2,P1,2027-01-05,2027-01-20,500,,",  # 5: more hours than the course has
    "W1,P1,2027-01-05,,,,",  # 6: W1 twice
    "W2,P1,2027-13-01,,,,",  # 7: no such date, and W2 twice
    "W3,P1,2027-01-05,,,S12345678,",  # 8: a certificate without its date
    "W1,P999,2027-01-05,2027-01-25,,,",  # 9: a completion without its hours
)
BAD_ERRORS = [
    (2, "certificate_number", "证书编号 S2027000001 已登记"),
    (3, "programme_id", "未找到培训项目 P2"),
    (4, "worker_id", "未找到劳动者 W404"),
    (5, "hours_attended", "出勤学时应在 0 至 120（课程总学时）之间"),
    (6, "programme_id", "W1/P1 在文件中重复（见第2行）"),
    (7, "enrolled_on", "应为日期（YYYY-MM-DD），实际为 '2027-13-01'"),
    (7, "programme_id", "W2/P1 在文件中重复（见第5行）"),
    (8, "certificate_date", "证书编号与发证日期须同时填写"),
    (9, "hours_attended", "结业日期与出勤学时须同时填写"),
]


def _seed_certificate(client: TestClient) -> None:
    """Certificate number S2027000001 already held by someone (an earlier registry import)."""
    with transaction(engine_of(client)) as s:
        s.add(
            Certificate(
                worker_id="W2",
                occupation_code="6-29-01-01",
                level=5,
                year=2026,
                number="S2027000001",
                issuing_body="别的机构",
                issued_on=dt.date(2026, 6, 1),
                source="import",
            )
        )


def test_every_bad_row_is_reported_and_nothing_is_stored(app_client: TestClient) -> None:
    client = app_client
    _seed_certificate(client)
    _school_name, headers = _school(client)
    r = _post(client, headers, BAD)
    assert r.status_code == 422, r.text
    body = r.json()
    got = [(e["loc"][1], e["loc"][2], e["msg"]) for e in body["errors"]]
    assert got == BAD_ERRORS
    assert all(e["loc"][0] == "file" for e in body["errors"])
    assert body["detail"].startswith("文件有9处错误，未导入任何数据")
    assert _records(client) == {}
    assert _seats_left(client) == 12
    with transaction(engine_of(client)) as s:
        assert (
            s.scalar(select(func.count()).select_from(Certificate).where(Certificate.number == "S2027000001"))
            == 1
        )
        assert not list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("enrollment.%"))))

    # the same errors as a spreadsheet
    x = _post(client, headers, BAD, query="?errors=xlsx")
    assert x.status_code == 422
    assert x.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert x.headers["content-disposition"] == 'attachment; filename="ledger-errors.xlsx"'
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["行号", "字段", "错误说明"]
    assert cells[1:] == [[str(e["loc"][1]), e["loc"][2], e["msg"]] for e in body["errors"]]
    assert _records(client) == {}
    # a good file with errors=xlsx is stored as without it
    ok = _post(client, headers, _csv("W1,P1,2027-01-05,,,,"), query="?errors=xlsx")
    assert ok.status_code == 200 and ok.json()["inserted"] == 1


def test_recorded_values_are_never_overwritten_and_scope_reads_as_unknown(app_client: TestClient) -> None:
    client = app_client
    _school_name, headers = _school(client)
    first = _csv("W1,P1,2027-01-05,2027-01-25,116,S2027000001,2027-01-28", "W2,P1,2027-01-05,,,,")
    assert _post(client, headers, first).status_code == 200
    changed = _csv(
        "W1,P1,2027-01-05,2027-01-24,116,S2027000001,2027-01-28",
        "W2,P1,2027-01-06,,,,",
    )
    r = _post(client, headers, changed)
    assert r.status_code == 422
    assert [(e["loc"][1], e["loc"][2], e["msg"]) for e in r.json()["errors"]] == [
        (2, "completed_on", "已登记结业（2027-01-25，出勤116学时），与文件不同，不能修改"),
        (3, "enrolled_on", "已登记的报名日期为 2027-01-05，与文件不同"),
    ]
    other = _csv("W1,P1,2027-01-05,2027-01-25,116,S2027000009,2027-01-28")
    assert [e["msg"] for e in _post(client, headers, other).json()["errors"]] == [
        "该学员已登记证书 S2027000001，与文件不同，不能修改"
    ]
    # a withdrawn trainee is not enrolled again by an old file
    with transaction(engine_of(client)) as s:
        w2 = s.scalars(select(Enrollment.id).where(Enrollment.worker_id == "W2")).one()
    assert (
        client.post(
            f"/api/v1/enrollments/{w2}/withdraw", json={"reason": "退学"}, headers=headers
        ).status_code
        == 200
    )
    r = _post(client, headers, _csv("W2,P1,2027-01-05,,,,"))
    assert r.json()["errors"][0]["msg"] == "该劳动者已退出培训项目 P1，不能通过台账重新报名"
    # another institution's course answers as an unknown one does; nothing of it is shown
    _other, elsewhere = _school(client, "I2")
    r = _post(client, elsewhere, _csv("W1,P1,2027-01-05,,,,", "W1,P999,2027-01-05,,,,"))
    assert r.status_code == 422
    assert [e["msg"] for e in r.json()["errors"]] == ["未找到培训项目 P1", "未找到培训项目 P999"]
    # the ledger is the institution's
    counselor = bearer(client, *make_user(engine_of(client), "counselor", region="14"))
    assert _post(client, counselor, first).status_code == 403
    assert _records(client)["W1"] == ("结业", "2027-01-05", dt.date(2027, 1, 25), 116, True)
