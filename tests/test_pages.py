"""The public pages over HTTP (no browser) and the services behind them, on SQLite and PostgreSQL,
over the factory sample (2 institutions, 2 programmes, 1 order, 2 workers; see tests/factories)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import Engine

from api.services.catalogue import ProgrammeQuery
from api.services.directory import institution_rows, programme_rows, subsidised_occupations
from api.services.supply_demand import Flow, OccupationBalance, supply_demand
from data.db.session import session_factory

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    """An HTTP client of an app over a copy of the factory sample, the pages' today pinned."""
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _cards(html: str, kind: str) -> list[str]:
    return re.findall(rf'data-{kind}="([^"]+)"', html)


def test_supply_demand_of_the_province_and_of_a_city(sample_engine: Engine) -> None:
    with session_factory(sample_engine)() as session:
        province = supply_demand(session, "14", DAY)
        taiyuan = supply_demand(session, "1401", DAY)
        after_p1_started = supply_demand(session, "14", dt.date(2027, 1, 6))
    assert province.region_name == "山西省"
    assert province.occupations == [
        OccupationBalance("6-29-01-01", "砌筑工", demand=20, interested=1, seats=12),
        OccupationBalance("6-18-02-04", "焊工", demand=0, interested=0, seats=30),
    ]
    assert province.occupations[0].gap == 19
    assert province.flows == [Flow("吕梁市临县", "本地", 1), Flow("太原市小店区", "本地", 1)]
    assert (province.residents, province.away) == (2, 0)
    assert taiyuan.region_name == "太原市"
    assert taiyuan.occupations == [
        OccupationBalance("6-18-02-04", "焊工", demand=0, interested=0, seats=30),
        OccupationBalance("6-29-01-01", "砌筑工", demand=20, interested=0, seats=0),
    ]
    assert taiyuan.flows == [Flow("太原市小店区", "本地", 1)]
    # P1 (砌筑工, 临县) starts on 2027-01-05: its seats no longer count
    assert after_p1_started.occupations == [
        OccupationBalance("6-18-02-04", "焊工", 0, 0, 30),
        OccupationBalance("6-29-01-01", "砌筑工", 20, 1, 0),
    ]


def test_programme_rows_carry_names_and_filter(sample_engine: Engine) -> None:
    with session_factory(sample_engine)() as session:
        total, rows = programme_rows(session, ProgrammeQuery(city="1411", level=5))
        none_total, _ = programme_rows(session, ProgrammeQuery(city="1411", level=4))
        worded, worded_rows = programme_rows(session, ProgrammeQuery(text="焊工 技能"))
        window, window_rows = programme_rows(
            session, ProgrammeQuery(start_from=dt.date(2027, 1, 10), start_to=dt.date(2027, 2, 1))
        )
        inst_total, inst = institution_rows(session, "1401", "技工院校", 10, 0)
    assert (total, none_total) == (1, 0)
    p1 = rows[0]
    assert (p1.id, p1.institution_name, p1.occupation_name, p1.level_name, p1.place) == (
        "P1",
        "临县职业技能培训学校",
        "砌筑工",
        "初级工",
        "吕梁市临县",
    )
    assert (worded, [r.id for r in worded_rows]) == (1, ["P2"])
    assert (window, [r.id for r in window_rows]) == (1, ["P2"])
    assert inst_total == 1 and (inst[0].id, inst[0].programmes, inst[0].place) == ("I2", 1, "太原市小店区")


def test_subsidised_occupations_follow_the_version_in_force() -> None:
    label_2024, rows_2024 = subsidised_occupations("1401", dt.date(2024, 6, 1))
    label_2025, rows_2025 = subsidised_occupations("1401", dt.date(2025, 6, 1))
    assert label_2024.startswith("太原市 2024.1（2024-03-01 起施行）：示例数值")
    assert label_2025.startswith("太原市 2025.1")
    bricklayer = next(r for r in rows_2024 if r.code == "6-29-01-01")
    assert bricklayer.amounts == (("专项职业能力", 600), ("初级工", 1200), ("中级工", 1600), ("高级工", 2000))
    assert "电梯安装维修工" not in {r.name for r in rows_2024}
    assert "电梯安装维修工" in {r.name for r in rows_2025}
    assert subsidised_occupations("1401", dt.date(2020, 1, 1)) == ("", [])
    assert subsidised_occupations("9999", DAY) == ("", [])


def test_catalogue_page_filters_and_keeps_the_filter(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/catalogue")
    assert page.status_code == 200
    assert _cards(page.text, "programme") == ["P1", "P2"]
    filtered = client.get("/catalogue", params={"city": "1401", "training_type": "岗位技能提升培训"})
    assert _cards(filtered.text, "programme") == ["P2"]
    assert '<option value="1401" selected>太原市</option>' in filtered.text
    assert "焊工中级技能提升" in filtered.text and "太原市建筑技工学校" in filtered.text


def test_catalogue_page_shows_errors_by_the_field(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(
        "/catalogue",
        params={"start_from": "2027-02-01", "start_to": "2027-01-01", "county": "140105", "city": "1411"},
    )
    assert page.status_code == 200
    assert '<span class="msg" id="e-start_to">截止日期不能早于起始日期</span>' in page.text
    assert '<span class="msg" id="e-county">所选区县不属于所选城市</span>' in page.text
    assert 'value="2027-01-01"' in page.text
    assert _cards(page.text, "programme") == []
    bad_level = client.get("/catalogue", params={"level": "九级"})
    assert '<span class="msg" id="e-level">应为整数</span>' in bad_level.text


def test_institution_and_subsidy_pages(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/catalogue/institutions", params={"city": "1411"})
    assert _cards(page.text, "institution") == ["I1"]
    assert "92%" in page.text
    subsidies = client.get("/catalogue/subsidies")
    assert subsidies.status_code == 200
    assert subsidies.text.count('<h2 id="city-') == 11


def test_supply_demand_page_and_csv(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/supply-demand", params={"city": "1401"})
    assert page.status_code == 200
    assert "太原市：供需与流向" in page.text
    table = client.get("/supply-demand/occupations.csv", params={"city": "1401"})
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows[0] == ["职业编码", "职业", "订单需求人数", "有意向的劳动者", "未开班剩余名额", "需求减意向"]
    assert rows[1:] == [
        ["6-18-02-04", "焊工", "0", "0", "30", "0"],
        ["6-29-01-01", "砌筑工", "20", "0", "0", "20"],
    ]
    flows = client.get("/supply-demand/flows.csv")
    assert list(csv.reader(io.StringIO(flows.text.lstrip("\ufeff"))))[1:] == [
        ["吕梁市临县", "本地", "1"],
        ["太原市小店区", "本地", "1"],
    ]
