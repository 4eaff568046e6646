"""The public catalogue's lists as spreadsheets (issue 12 item 5): the same rows and fields as the
lists, through the workers export's code, with spreadsheet formulas neutralised."""

from __future__ import annotations

import io

import polars as pl
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from data.db.models import Programme
from data.db.session import transaction
from tests.apps import engine_of, refresh


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
