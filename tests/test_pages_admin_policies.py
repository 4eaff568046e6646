"""The administrator's view of the cities' policy versions (/admin/policies), over the shipped
policy files (太原 1401 has two example versions: 2024.1 from 2024-03-01 and 2025.1 from
2025-01-01, which raises the amounts and adds 电梯安装维修工), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from sqlalchemy import Engine

from api.services.policy_overview import city_policies, version_changes
from api.services.policy_versions import register_use
from data.db.models import PolicyVersion
from data.db.session import transaction
from data.policy_loader import DEFAULT_POLICY_DIR, load_city_policy
from tests.auth_helpers import make_user

DAY = dt.date(2026, 12, 1)


def test_what_2025_changes_in_taiyuan() -> None:
    old, new = load_city_policy("1401").versions
    assert version_changes(old, new) == (
        "新增补贴职业：电梯安装维修工",
        "砌筑工、养老护理员、家政服务员、婴幼儿发展引导员、汽车维修工、电工、焊工、中式烹调师："
        "专项职业能力 600 → 700 元；初级工 1200 → 1400 元；中级工 1600 → 1800 元；高级工 2000 → 2300 元；"
        "技师 新增 3000 元",
        "互联网营销师：专项职业能力 600 → 700 元；初级工 1000 → 1200 元；中级工 1400 → 1600 元",
        "生活费补贴每天 50 → 60 元",
        "生活费补贴每期上限 1500 → 1800 元",
        "评价补贴 技师 新增 500 元",
    )
    assert version_changes(new, new) == ()


def test_the_cities_of_the_region_and_the_version_in_force(engine: Engine) -> None:
    province = city_policies(engine, "14", DAY)
    assert [c.code for c in province] == [f"14{n:02d}" for n in range(1, 12)]
    (taiyuan,) = city_policies(engine, "1401", DAY)
    assert [c.code for c in city_policies(engine, "141124", DAY)] == ["1411"]
    assert [(v.version, v.in_force, v.effective_from, v.effective_to) for v in taiyuan.versions] == [
        ("2025.1", True, dt.date(2025, 1, 1), None),
        ("2024.1", False, dt.date(2024, 3, 1), dt.date(2024, 12, 31)),
    ]
    newest, first = taiyuan.versions
    assert newest.content_hash == load_city_policy("1401").versions[1].content_hash
    assert newest.rule_version == "1401/2025.1" and first.changes == ()
    assert (
        "电梯安装维修工",
        (("专项职业能力", 700), ("初级工", 1400), ("中级工", 1800), ("高级工", 2300), ("技师", 3000)),
    ) in [(o.name, o.amounts) for o in newest.occupations]
    # in 2024 the first version is in force; before it, none
    assert [v.in_force for v in city_policies(engine, "1401", dt.date(2024, 6, 1))[0].versions] == [
        False,
        True,
    ]
    assert city_policies(engine, "1401", dt.date(2024, 1, 1))[0].in_force is None


def test_versions_used_by_decisions_and_edited_since(engine: Engine) -> None:
    old, new = load_city_policy("1401").versions
    assert register_use(engine, new, "test") is None
    with transaction(engine) as s:
        s.add(
            PolicyVersion(
                city_code="1401", version="2024.1", content_hash="0" * 64, source="x", first_used_by="t"
            )
        )
    (taiyuan,) = city_policies(engine, "1401", DAY)
    assert [(v.version, v.used, v.edited) for v in taiyuan.versions] == [
        ("2025.1", True, False),
        ("2024.1", True, True),
    ]


def test_an_invalid_file_shows_its_error(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DEFAULT_POLICY_DIR / "1402-datong.toml", tmp_path)
    (tmp_path / "1401-broken.toml").write_text('city_code = "1401"\ncity_name = "太原市"\n', encoding="utf-8")
    cities = city_policies(engine, "14", DAY, policy_dir=tmp_path)
    assert [(c.code, bool(c.versions), c.problem) for c in cities] == [
        ("1401", False, "1401-broken.toml: example: 缺少必填字段"),
        ("1402", True, ""),
    ]


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _admin(client, region: str) -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(client.app.state.engine, "admin", region=region)
    r = client.post("/login/admin", data={"username": username, "password": password}, follow_redirects=False)
    assert r.status_code == 303


def test_the_page_lists_the_admins_cities(client) -> None:  # type: ignore[no-untyped-def]
    _admin(client, "1401")
    page = client.get("/admin/policies")
    assert page.status_code == 200
    assert re.findall(r'data-city="(\d+)"', page.text) == ["1401"]
    assert re.findall(r'data-version="([^"]+)"', page.text) == ["2025.1", "2024.1"]
    in_force = page.text.split('data-version="2025.1"', 1)[1].split('data-version="2024.1"', 1)[0]
    assert "施行中" in in_force and "2025年1月1日起，至今" in in_force
    assert "新增补贴职业：电梯安装维修工" in in_force and "电梯安装维修工" in in_force
    assert load_city_policy("1401").versions[1].content_hash[:16] in in_force
    assert "2024年3月1日起至2024年12月31日" in page.text and "首个版本" in page.text
    client.cookies.clear()
    _admin(client, "14")
    assert len(re.findall(r'data-city="(\d+)"', client.get("/admin/policies").text)) == 11
