"""The counselor edits a worker's profile (/workbench/workers/{id}/edit), on SQLite and PostgreSQL,
over the factory sample (W1: 临县, holds 砌筑工 初级工 2020 in their file, wishes for 砌筑工): the form
filled from the file, errors by the field with everything typed kept and nothing stored, a save
through the service of PATCH /api/v1/workers/{id} after which the pathways follow the new profile."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from data.db.models import AuditEvent, Certificate, Worker
from data.db.session import transaction
from tests.auth_helpers import make_user, sign_in

DAY = dt.date(2026, 12, 1)
MSG = re.compile(r'<span class="msg" id="e-(\w+)">([^<]*)</span>')


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def _counselor(client, region: str = "1411") -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(client.app.state.engine, "counselor", region=region)
    r = client.post(
        "/login/counselor", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303


def _form(**fields: str | list[str]) -> dict[str, str | list[str]]:
    return {
        "education": "初中",
        "skills_text": "在工地干过十年瓦工，会贴砖",
        "work_history": "",
        "desired_place": "local",
        "max_commute_km": "30",
        "groups": ["脱贫劳动力", "返乡农民工"],
        "consent_share": "1",
        "desired_occupations": "砌筑工（6-29-01-01）",
        "certificates": "砌筑工（6-29-01-01） 初级工 2020",
        **fields,
    }


def _pathways(client, worker: str = "W1") -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'data-pathway="([^"]+)"', client.get(f"/workbench/workers/{worker}").text)


def _stored(client) -> tuple:  # type: ignore[no-untyped-def]
    with transaction(client.app.state.engine) as s:
        w = s.get(Worker, "W1")
        assert w is not None
        certs = s.execute(
            select(Certificate.occupation_code, Certificate.level, Certificate.year, Certificate.source)
            .where(Certificate.worker_id == "W1")
            .order_by(Certificate.id)
        ).all()
        return (
            w.skills_text,
            w.desired_occupations,
            w.groups,
            w.max_commute_km,
            w.entrepreneurship,
            [tuple(c) for c in certs],
        )


def test_the_form_is_filled_from_the_file(client) -> None:  # type: ignore[no-untyped-def]
    _counselor(client)
    page = client.get("/workbench/workers/W1/edit")
    assert page.status_code == 200
    assert "在工地干过十年瓦工，会贴砖</textarea>" in page.text
    assert 'value="砌筑工（6-29-01-01）"' in page.text
    assert ">砌筑工（6-29-01-01） 初级工 2020</textarea>" in page.text
    assert 'value="脱贫劳动力" checked' in page.text and 'value="返乡农民工" checked' in page.text
    assert 'value="就业困难人员" >' in page.text
    assert '<option value="初中" selected>' in page.text and 'value="30"' in page.text


def test_errors_by_the_field_keep_what_was_typed_and_store_nothing(client) -> None:  # type: ignore[no-untyped-def]
    _counselor(client)
    before = _stored(client)
    bad = client.post(
        "/workbench/workers/W1/edit",
        data=_form(
            skills_text="会开挖掘机",
            desired_occupations="火箭工、焊工",
            certificates="砌筑工 2020\n焊工 中级工 2019",
            max_commute_km="很远",
            groups=["脱贫劳动力", "外星人"],
        ),
    )
    assert bad.status_code == 200
    assert dict(MSG.findall(bad.text)) == {
        "max_commute_km": "应为数字",
        "desired_occupations": "职业分类大典中没有“火箭工”，请写大典中的职业名称或编码",
        "certificates": "“砌筑工 2020”缺少等级（初级工、中级工、高级工、技师、高级技师或专项职业能力）",
    }
    assert "会开挖掘机</textarea>" in bad.text and 'value="火箭工、焊工"' in bad.text
    assert ">砌筑工 2020\n焊工 中级工 2019</textarea>" in bad.text and 'value="很远"' in bad.text
    # a group outside the notice's list: refused by the PATCH service, by its field
    groups = client.post("/workbench/workers/W1/edit", data=_form(groups=["外星人"]))
    assert dict(MSG.findall(groups.text)) == {"groups": "未知的人员类别: 外星人"}
    unknown = client.post("/workbench/workers/W1/edit", data=_form(certificates="9-99-99-99 初级工 2020"))
    assert dict(MSG.findall(unknown.text)) == {"certificates": "未知的职业编码: 9-99-99-99"}
    assert _stored(client) == before
    with transaction(client.app.state.engine) as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "worker.update")) is None


def test_a_save_rederives_the_profile_and_the_pathways_follow(client) -> None:  # type: ignore[no-untyped-def]
    _counselor(client)
    # W1 holds 砌筑工 初级工: the sample's only course (P1, 砌筑工 初级) is nothing new for them
    assert _pathways(client) == []
    saved = client.post(
        "/workbench/workers/W1/edit",
        data=_form(
            certificates="焊工 中级工 2019年",
            desired_occupations="砌筑工、6-18-02-04",
            groups=["就业困难人员"],
            max_commute_km="45",
            entrepreneurship="1",
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/workbench/workers/W1?saved=1"
    assert _stored(client) == (
        "在工地干过十年瓦工，会贴砖",
        ["6-29-01-01", "6-18-02-04"],
        ["就业困难人员"],
        45.0,
        True,
        [("6-18-02-04", 4, 2019, "worker_file")],
    )
    rec = client.app.state.recommender.recommend_worker("W1", top=10, today=DAY)
    expected = [p.programme_id or p.order_id for p in rec.pathways]
    assert _pathways(client) == expected and "P1" in expected
    page = client.get(saved.headers["location"])
    assert "档案已保存" in page.text and "6-18-02-04 中级工 2019" in page.text
    with transaction(client.app.state.engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "worker.update")).one()
    assert event.actor.startswith("counselor-") and "certificates" in event.payload["fields"]


def test_the_json_patch_takes_the_same_fields(client) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "counselor", region="1411")
    bad = client.patch(
        "/api/v1/workers/W1",
        json={
            "groups": ["外星人"],
            "certificates": [{"occupation_code": "6-18-02-04", "level": 7, "year": 2019}],
        },
    )
    assert bad.status_code == 422
    assert {tuple(e["loc"][:2]) for e in bad.json()["errors"]} == {("body", "certificates")}
    ok = client.patch(
        "/api/v1/workers/W1",
        json={
            "groups": ["就业困难人员"],
            "certificates": [{"occupation_code": "6-18-02-04", "level": 4, "year": 2019}],
        },
    )
    assert ok.status_code == 200, ok.text
    assert _stored(client)[2] == ["就业困难人员"] and _stored(client)[5] == [
        ("6-18-02-04", 4, 2019, "worker_file")
    ]


def test_the_desired_city_is_edited_by_its_box(client) -> None:  # type: ignore[no-untyped-def]
    _counselor(client)
    missing = client.post("/workbench/workers/W1/edit", data=_form(desired_place="city"))
    assert dict(MSG.findall(missing.text)) == {"desired_city": "选择“指定城市”须填写求职城市"}
    ok = client.post(
        "/workbench/workers/W1/edit",
        data=_form(desired_place="city", desired_city="141100"),
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with transaction(client.app.state.engine) as s:
        w = s.get(Worker, "W1")
        assert w is not None and (w.desired_place, w.desired_city_adcode) == ("city", "141100")
    assert '<dd id="wish-place">指定城市：吕梁市</dd>' in client.get("/workbench/workers/W1").text
    # the JSON API's PATCH takes the same field: a name, or null to clear it
    sign_in(client, "counselor", region="1411")
    bad = client.patch("/api/v1/workers/W1", json={"desired_city": "火星市"})
    assert bad.status_code == 422
    assert [(e["loc"], e["msg"]) for e in bad.json()["errors"]] == [
        (["body", "desired_city"], "未知的城市: '火星市'")
    ]
    assert client.patch("/api/v1/workers/W1", json={"desired_city": "太原市"}).status_code == 200
    with transaction(client.app.state.engine) as s:
        assert s.get(Worker, "W1").desired_city_adcode == "140100"  # type: ignore[union-attr]
    refused = client.patch("/api/v1/workers/W1", json={"desired_city": None})
    assert refused.status_code == 422  # still "指定城市": a city must stay
    cleared = client.patch("/api/v1/workers/W1", json={"desired_place": "local", "desired_city": None})
    assert cleared.status_code == 200
    with transaction(client.app.state.engine) as s:
        w = s.get(Worker, "W1")
        assert w is not None and (w.desired_place, w.desired_city_adcode) == ("local", None)


def test_outside_the_region_the_form_is_not_found(client) -> None:  # type: ignore[no-untyped-def]
    _counselor(client, region="1401")
    assert client.get("/workbench/workers/W1/edit").status_code == 404
    r = client.post("/workbench/workers/W1/edit", data=_form(skills_text="改"))
    assert r.status_code == 404 and "未找到劳动者 W1" in r.text
    assert _stored(client)[0] == "在工地干过十年瓦工，会贴砖"
