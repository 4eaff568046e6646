"""Lists as spreadsheets (issue 12 item 5): the public catalogue's, and the enrollments and subsidy
claims a signed-in caller may see — the same rows and fields as the lists, within the caller's
scope, no full 身份证号 or phone, with spreadsheet formulas neutralised."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from data.db.models import Programme
from data.db.session import transaction
from tests import factories
from tests.apps import engine_of, refresh
from tests.auth_helpers import bearer, make_user


def test_programmes_export_is_the_list_with_formulas_neutralised(client: TestClient) -> None:
    with transaction(engine_of(client)) as s:
        s.execute(update(Programme).where(Programme.id == "P1").values(title='=HYPERLINK("x")'))
    refresh(client)
    listed = client.get("/api/v1/programmes").json()
    r = client.get("/api/v1/programmes/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(r.content[3:]), infer_schema_length=0)  # after the BOM
    assert frame.height == listed["total"] > 0
    assert set(frame.columns) == set(listed["items"][0])
    titles = dict(zip(frame["id"], frame["title"], strict=True))
    assert titles["P1"] == '\'=HYPERLINK("x")'


def test_orders_export_as_xlsx(client: TestClient) -> None:
    listed = client.get("/api/v1/orders").json()
    r = client.get("/api/v1/orders/export")
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="orders.xlsx"'
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(rows) - 1 == listed["total"] > 0
    header = list(rows[0])
    assert set(header) == set(listed["items"][0])
    assert [row[header.index("id")] for row in rows[1:]] == [o["id"] for o in listed["items"]]


def test_institutions_export_is_the_directory_of_the_city(client: TestClient) -> None:
    listed = client.get("/api/v1/institutions", params={"city": "1411"}).json()
    everywhere = client.get("/api/v1/institutions").json()["total"]
    r = client.get("/api/v1/institutions/export", params={"city": "1411"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="institutions.xlsx"'
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    header = list(rows[0])
    assert set(header) == set(listed["items"][0])
    assert [row[header.index("id")] for row in rows[1:]] == [i["id"] for i in listed["items"]]
    assert 0 < listed["total"] < everywhere


# --- records the caller may see (issue 12 item 5) ----------------------------------------------

RAW_ID = factories.workers()["id_number"][0]
RAW_PHONE = "13812345678"


def _seed_enrollments(client: TestClient) -> None:
    """W1 (临县) in I1's P1, completed on 2027-01-25 with claim 2 filed on it; W2 (小店区) in I2's P2."""
    from api.services import enrollments, outcomes
    from api.services.subsidy import SubsidyService
    from tests.record_factories import caller

    engine = engine_of(client)
    counselor = caller("counselor", "seed-counselor")
    before = dt.date(2026, 12, 1)
    e1 = enrollments.enroll(engine, counselor, worker_id="W1", programme_id="P1", today=before)
    enrollments.enroll(engine, counselor, worker_id="W2", programme_id="P2", today=before)
    school = caller("institution", "seed-school", institution_id="I1")
    enrollments.confirm(engine, school, e1.id)
    outcomes.record_completion(
        engine,
        school,
        e1.id,
        completed_on=dt.date(2027, 1, 25),
        hours_attended=116,
        today=dt.date(2027, 2, 1),
    )
    filed = SubsidyService(engine, clock=lambda: dt.date(2027, 2, 1)).submit(
        worker_id="W1", kind="training", actor="seed-counselor", enrollment_id=e1.id
    )
    assert filed.accepted, filed.message


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _as_cells(item: dict) -> dict[str, str]:
    """A JSON list item as the CSV holds it (every value as text, empty for none)."""
    return {
        k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in item.items()
    }


def test_enrollments_export_is_what_the_caller_may_see(client: TestClient) -> None:
    _seed_enrollments(client)
    with transaction(engine_of(client)) as s:
        s.execute(update(Programme).where(Programme.id == "P1").values(title='=HYPERLINK("x")'))
    school = bearer(client, *make_user(engine_of(client), "institution", region="1411", institution_id="I1"))
    r = client.get("/api/v1/enrollments/export", params={"format": "csv"}, headers=school)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="enrollments.csv"'
    rows = _csv_rows(r.content)
    listed = client.get("/api/v1/programmes/P1/enrollments", headers=school).json()
    assert [row["programme_id"] for row in rows] == ["P1"]  # I2's P2 is not the school's
    assert rows == [{**_as_cells(e), "programme_title": '\'=HYPERLINK("x")'} for e in listed]
    assert RAW_ID not in r.content.decode("utf-8-sig") and RAW_PHONE not in r.content.decode("utf-8-sig")

    def ids(role: str, fmt: str = "csv", **scope: str) -> list[tuple[str, str]]:
        h = bearer(client, *make_user(engine_of(client), role, **scope))  # type: ignore[arg-type]
        got = client.get("/api/v1/enrollments/export", params={"format": fmt}, headers=h)
        assert got.status_code == 200, got.text
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(got.content)).active
            assert sheet is not None
            cells = list(sheet.iter_rows(values_only=True))
            head = list(cells[0])
            return [(row[head.index("worker_id")], row[head.index("programme_id")]) for row in cells[1:]]  # type: ignore[misc]
        return [(row["worker_id"], row["programme_id"]) for row in _csv_rows(got.content)]

    assert ids("counselor", region="14") == [("W1", "P1"), ("W2", "P2")]
    assert ids("counselor", "xlsx", region="1411") == [("W1", "P1")]
    assert ids("admin", region="1401") == [("W2", "P2")]
    assert ids("worker", region="140105", worker_id="W2") == [("W2", "P2")]
    assert ids("institution", region="1401", institution_id="I2") == [("W2", "P2")]
    from data.credit_code import employer_id

    own = employer_id("山西晋建建筑工程有限公司", "企业")
    employer = bearer(client, *make_user(engine_of(client), "employer", region="1401", employer_id=own))
    assert client.get("/api/v1/enrollments/export", headers=employer).status_code == 403


def test_claims_export_is_the_list_of_the_callers_region(client: TestClient) -> None:
    from data.db.models import SubsidyClaim

    _seed_enrollments(client)
    with transaction(engine_of(client)) as s:
        s.execute(update(SubsidyClaim).where(SubsidyClaim.worker_id == "W1").values(payee_name="=1+1"))
    admin = bearer(client, *make_user(engine_of(client), "admin", region="14"))
    listed = client.get("/api/v1/claims", headers=admin).json()
    assert listed["total"] == 1
    r = client.get("/api/v1/claims/export", headers=admin)
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="claims.xlsx"'
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    head = [str(c) for c in cells[0]]
    assert head == list(listed["items"][0])
    got = [dict(zip(head, row, strict=True)) for row in cells[1:]]
    # an XLSX cell holds no empty text: what is empty in the CSV is no value here
    assert got == [
        {**{k: v or None for k, v in _as_cells(c).items()}, "payee_name": "'=1+1"} for c in listed["items"]
    ]
    assert got[0]["worker_id"] == "W1" and got[0]["status"] == "申请"
    text = r.content.decode("latin-1")
    assert RAW_ID not in text and RAW_PHONE not in text
    csv_rows = _csv_rows(client.get("/api/v1/claims/export", params={"format": "csv"}, headers=admin).content)
    assert RAW_ID not in str(csv_rows) and RAW_PHONE not in str(csv_rows)
    assert [row["payee_name"] for row in csv_rows] == ["'=1+1"]
    # 太原's staff do not see the 临县 worker's claim; 临县's counselor does
    for role, region, want in (
        ("counselor", "1401", []),
        ("admin", "1401", []),
        ("counselor", "141124", ["W1"]),
    ):
        h = bearer(client, *make_user(engine_of(client), role, region=region))
        rows = _csv_rows(client.get("/api/v1/claims/export", params={"format": "csv"}, headers=h).content)
        assert [row["worker_id"] for row in rows] == want, (role, region)
    institution = bearer(client, *make_user(engine_of(client), "institution", institution_id="I1"))
    assert client.get("/api/v1/claims/export", headers=institution).status_code == 403
