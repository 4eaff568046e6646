"""Who may call what, on SQLite and PostgreSQL: every route × role × in-scope/out-of-scope answers
the status of one table (a route missing from the table fails), lists cover the caller's region
only, and the masked worker view cannot be narrowed below 10,000 身份证号 (counted the way the
attack of issue 12 works).

The factory sample: W1 lives in 临县 (141124), W2 in 小店区 (140105); order O1 is in 小店区, posted by
山西晋建建筑工程有限公司. "In scope" accounts cover the province (or are W1 / O1's employer);
"out of scope" ones cover 忻州 (1409) or are another worker or employer.
"""

from __future__ import annotations

import calendar
import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from data.credit_code import employer_id
from data.db.models import Employer
from data.db.session import transaction
from tests import factories
from tests.apps import engine_of
from tests.auth_helpers import bearer, make_user

O1_EMPLOYER = employer_id("山西晋建建筑工程有限公司", "企业")
OTHER_EMPLOYER = "EOTHER1"

#: caller name → account (role and what it acts for)
CALLERS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin", "region": "14"},
    "admin_out": {"role": "admin", "region": "1409"},
    "counselor": {"role": "counselor", "region": "14"},
    "counselor_out": {"role": "counselor", "region": "1409"},
    "worker": {"role": "worker", "region": "141124", "worker_id": "W1"},
    "worker_out": {"role": "worker", "region": "140105", "worker_id": "W2"},
    "employer": {"role": "employer", "region": "1401", "employer_id": O1_EMPLOYER},
    "employer_out": {"role": "employer", "region": "1401", "employer_id": OTHER_EMPLOYER},
    "institution": {"role": "institution", "region": "1411", "institution_id": "I1"},
    "institution_out": {"role": "institution", "region": "1401", "institution_id": "I2"},
}
NAMES = ["anonymous", *CALLERS]

PUBLIC = dict.fromkeys(NAMES, 200)
SIGNED_IN = {"anonymous": 401, **dict.fromkeys(CALLERS, 200)}
WORKER_FILE = {
    "anonymous": 401,
    "admin": 200,
    "admin_out": 404,
    "counselor": 200,
    "counselor_out": 404,
    "worker": 200,
    "worker_out": 404,
    "employer": 403,
    "employer_out": 403,
    "institution": 403,
    "institution_out": 403,
}
STAFF_LIST = {
    **{k: 403 for k in CALLERS},
    "anonymous": 401,
    "admin": 200,
    "admin_out": 200,
    "counselor": 200,
    "counselor_out": 200,
}
ORDER_CANDIDATES = {
    **WORKER_FILE,
    "worker": 403,
    "worker_out": 403,
    "employer": 200,
    "employer_out": 404,
}

NONE = {"anonymous": 401, **dict.fromkeys(CALLERS, 403)}


def only(**status: int) -> dict[str, int]:
    """401 for anonymous, 403 for every caller not named, the given status for those named."""
    return {**NONE, **status}


def _worker(name: str) -> dict:
    seq = f"{NAMES.index(name) * 2 + 1:03d}"  # a person of their own per caller (odd: 男)
    return {
        "id_number": factories.id_number("141124", "19800101", seq),
        "education": "初中",
        "home_address": "临县",
        "skills_text": "会砌墙",
    }


def _employer(name: str) -> dict:
    from data.credit_code import credit_code_check_char

    head = f"91140105MA0K{NAMES.index(name):05d}"
    return {
        "name": f"用人单位{name}",
        "kind": "企业",
        "credit_code": head + credit_code_check_char(head),
        "county": "小店区",
    }


def _upload(name: str) -> bytes:
    """A one-worker file (in 临县) as Excel saves it, in GBK."""
    seq = f"{NAMES.index(name) * 2 + 101:03d}"
    number = factories.id_number("141124", "19810101", seq)
    return f"id,id_number,education,home_address\nWU{seq},{number},初中,临县\n".encode("gbk")


ORDER_BODY = {
    "occupation_code": "6-29-01-01",
    "head_count": 3,
    "county": "小店区",
    "wage_min": 5000,
    "wage_max": 6000,
    "start_date": "2027-02-01",
}
PROGRAMME_BODY = {
    "title": "砌筑工培训",
    "occupation_code": "6-29-01-01",
    "level": 5,
    "training_type": "就业技能培训",
    "delivery": "线下",
    "start_date": "2027-02-01",
    "end_date": "2027-02-20",
    "hours": 80,
    "seats": 20,
    "fee": 1000,
}

#: (method, route template) → (the path called, the JSON body, expected status per caller)
MATRIX: dict[tuple[str, str], tuple[str, dict | None, dict[str, int]]] = {
    ("GET", "/healthz"): ("/healthz", None, PUBLIC),
    ("GET", "/readyz"): ("/readyz", None, PUBLIC),
    ("GET", "/metrics"): ("/metrics", None, PUBLIC),
    ("GET", "/docs"): ("/docs", None, PUBLIC),
    ("GET", "/openapi.json"): ("/openapi.json", None, PUBLIC),
    ("GET", "/api/v1/programmes"): ("/api/v1/programmes", None, PUBLIC),
    ("GET", "/api/v1/institutions"): ("/api/v1/institutions", None, PUBLIC),
    ("GET", "/api/v1/orders"): ("/api/v1/orders", None, PUBLIC),
    ("GET", "/api/v1/regions"): ("/api/v1/regions", None, PUBLIC),
    ("GET", "/api/v1/programmes/export"): ("/api/v1/programmes/export?format=csv", None, PUBLIC),
    ("GET", "/api/v1/institutions/export"): ("/api/v1/institutions/export?format=csv", None, PUBLIC),
    ("GET", "/api/v1/orders/export"): ("/api/v1/orders/export?format=xlsx", None, PUBLIC),
    ("GET", "/api/v1/policies/{city}"): ("/api/v1/policies/1401?today=2026-12-01", None, PUBLIC),
    ("GET", "/api/v1/occupations/search"): ("/api/v1/occupations/search?q=瓦工", None, PUBLIC),
    # the web pages (issue 14) sign in by cookie: every page route × caller is in the table of
    # tests/test_pages_access.py
    ("POST", "/api/v1/auth/login"): (
        "/api/v1/auth/login",
        {"username": "nobody", "password": "wrong-password"},
        dict.fromkeys(NAMES, 401),
    ),
    ("GET", "/api/v1/auth/me"): ("/api/v1/auth/me", None, SIGNED_IN),
    ("POST", "/api/v1/auth/logout"): (
        "/api/v1/auth/logout",
        None,
        {**SIGNED_IN, **dict.fromkeys(CALLERS, 204)},
    ),
    ("GET", "/api/v1/workers"): ("/api/v1/workers", None, STAFF_LIST),
    ("GET", "/api/v1/workers/{worker_id}"): ("/api/v1/workers/W1", None, WORKER_FILE),
    ("GET", "/api/v1/workers/export"): ("/api/v1/workers/export?format=csv", None, STAFF_LIST),
    ("GET", "/api/v1/workers/{worker_id}/recommendations"): (
        "/api/v1/workers/W1/recommendations?today=2026-12-01",
        None,
        WORKER_FILE,
    ),
    ("GET", "/api/v1/workers/{worker_id}/why-not/{item_id}"): (
        "/api/v1/workers/W1/why-not/P1?today=2026-12-01",
        None,
        WORKER_FILE,
    ),
    ("GET", "/api/v1/orders/{order_id}/candidates"): (
        "/api/v1/orders/O1/candidates?today=2026-12-01",
        None,
        ORDER_CANDIDATES,
    ),
    ("POST", "/api/v1/workers"): ("/api/v1/workers", _worker, only(counselor=201, counselor_out=422)),
    ("POST", "/api/v1/workers/search"): (
        "/api/v1/workers/search",
        {"q": "临县"},
        only(counselor=200, counselor_out=200),
    ),
    ("PATCH", "/api/v1/workers/{worker_id}"): (
        "/api/v1/workers/W1",
        {"expected_wage": 6000},
        only(counselor=200, counselor_out=404),
    ),
    ("PUT", "/api/v1/workers/{worker_id}/consent"): (
        "/api/v1/workers/W1/consent",
        {"consent_share": True},
        only(counselor=200, counselor_out=404, worker=200, worker_out=404),
    ),
    ("PUT", "/api/v1/workers/{worker_id}/orders/{order_id}/consent"): (
        "/api/v1/workers/W1/orders/O1/consent",
        {"name": "张三", "phone": "13812345678"},
        only(counselor=200, counselor_out=404, worker=200, worker_out=404),
    ),
    ("DELETE", "/api/v1/workers/{worker_id}/orders/{order_id}/consent"): (
        "/api/v1/workers/W1/orders/O1/consent",
        None,
        only(counselor=200, counselor_out=404, worker=200, worker_out=404),
    ),
    ("POST", "/api/v1/employers"): (
        "/api/v1/employers",
        _employer,
        only(admin=201, admin_out=422, counselor=201, counselor_out=422),
    ),
    ("GET", "/api/v1/employers/{employer_id}"): (
        f"/api/v1/employers/{O1_EMPLOYER}",
        None,
        only(admin=200, admin_out=404, counselor=200, counselor_out=404, employer=200, employer_out=404),
    ),
    ("POST", "/api/v1/orders"): ("/api/v1/orders", ORDER_BODY, only(employer=201, employer_out=201)),
    ("PATCH", "/api/v1/orders/{order_id}"): (
        "/api/v1/orders/O1",
        {"head_count": 21},
        only(employer=200, employer_out=404),
    ),
    ("POST", "/api/v1/institutions"): (
        "/api/v1/institutions",
        {"name": "新机构", "kind": "民办培训机构", "county": "临县"},
        only(admin=201, admin_out=422),
    ),
    ("POST", "/api/v1/programmes"): (
        "/api/v1/programmes",
        PROGRAMME_BODY,
        only(institution=201, institution_out=201),
    ),
    ("PATCH", "/api/v1/programmes/{programme_id}"): (
        "/api/v1/programmes/P1",
        {"seats": 41},
        only(institution=200, institution_out=404),
    ),
    ("POST", "/api/v1/imports/{kind}"): (
        "/api/v1/imports/workers",
        "upload",
        only(counselor=200, counselor_out=422, admin=403, admin_out=403),
    ),
}


def _only(allowed: dict[str, int]) -> dict[str, int]:
    """Statuses of a records route: 401 anonymous, 403 for every caller not named in ``allowed``."""
    return {"anonymous": 401, **dict.fromkeys(CALLERS, 403), **allowed}


# The records routes (issue 12), asked about the records :func:`_seed_records` makes: enrollment
# 1 of W1 in I1's P1 (completed), and claim 2 (申请) on it. Each request changes nothing, except
# the last two noted: a request of W2's own, and the review (申请 → 审核) after every other claim step.
E1, C1 = "/api/v1/enrollments/1", "/api/v1/claims/2"  # claim 1 is W1's imported 2020 claim
MATRIX.update(
    {
        ("POST", "/api/v1/enrollments"): (
            "/api/v1/enrollments",
            {"worker_id": "W1", "programme_id": "P1"},
            _only({"counselor": 409, "counselor_out": 404}),  # W1 is enrolled already
        ),
        ("POST", "/api/v1/enrollments/requests"): (
            "/api/v1/enrollments/requests",
            {"programme_id": "P1"},
            _only({"worker": 409, "worker_out": 201}),  # W1 is enrolled; W2 asks (a pending request)
        ),
        ("POST", "/api/v1/enrollments/{enrollment_id}/confirm"): (
            f"{E1}/confirm",
            None,
            _only({"institution": 409, "institution_out": 404}),
        ),
        ("POST", "/api/v1/enrollments/{enrollment_id}/withdraw"): (
            f"{E1}/withdraw",
            {"reason": "测试"},
            _only({"institution": 409, "institution_out": 404, "counselor": 409, "counselor_out": 404}),
        ),
        ("POST", "/api/v1/enrollments/{enrollment_id}/completion"): (
            f"{E1}/completion",
            {"completed_on": "2027-01-25", "hours_attended": 1},
            _only({"institution": 409, "institution_out": 404}),
        ),
        ("POST", "/api/v1/enrollments/{enrollment_id}/certificate"): (
            f"{E1}/certificate",
            {"occupation_code": "6-29-01-01", "level": 5, "number": "S0000000001", "issued_on": "2027-01-01"},
            _only({"institution": 422, "institution_out": 404}),  # issued before the course started
        ),
        ("GET", "/api/v1/workers/{worker_id}/enrollments"): (
            "/api/v1/workers/W1/enrollments",
            None,
            WORKER_FILE,
        ),
        ("GET", "/api/v1/programmes/{programme_id}/enrollments"): (
            "/api/v1/programmes/P1/enrollments",
            None,
            _only({"institution": 200, "institution_out": 404}),
        ),
        ("POST", "/api/v1/orders/{order_id}/hires"): (
            "/api/v1/orders/O1/hires",
            {"worker_id": "W1", "start_date": "2099-01-01", "monthly_wage": 6500},
            _only({"employer": 422, "employer_out": 404}),  # a start after today
        ),
        ("POST", "/api/v1/claims"): (
            "/api/v1/claims",
            {"worker_id": "W1", "kind": "training", "enrollment_id": 1},
            _only({"counselor": 409, "counselor_out": 404}),  # refused: claimed already
        ),
        ("GET", "/api/v1/claims"): ("/api/v1/claims", None, STAFF_LIST),
        ("GET", "/api/v1/claims/export"): ("/api/v1/claims/export?format=csv", None, STAFF_LIST),
        ("GET", "/api/v1/enrollments/export"): (
            "/api/v1/enrollments/export?format=csv",
            None,
            {**SIGNED_IN, "employer": 403, "employer_out": 403},  # each sees its own (or none)
        ),
        ("GET", "/api/v1/claims/{claim_id}"): (
            C1,
            None,
            _only({"admin": 200, "admin_out": 404, "counselor": 200, "counselor_out": 404}),
        ),
        ("POST", "/api/v1/claims/{claim_id}/approve"): (
            f"{C1}/approve",
            None,
            _only({"admin": 409, "admin_out": 404}),  # not reviewed yet
        ),
        ("POST", "/api/v1/claims/{claim_id}/pay"): (
            f"{C1}/pay",
            None,
            _only({"admin": 409, "admin_out": 404}),
        ),
        ("POST", "/api/v1/claims/{claim_id}/reject"): (
            f"{C1}/reject",
            {"note": ""},
            _only({"admin": 409, "admin_out": 404}),  # a rejection needs a reason
        ),
        ("POST", "/api/v1/claims/{claim_id}/review"): (
            f"{C1}/review",
            None,
            _only({"admin": 200, "admin_out": 404}),
        ),
        ("GET", "/api/v1/workers/{worker_id}/audit"): (
            "/api/v1/workers/W1/audit",
            None,
            _only({"admin": 200, "admin_out": 404, "counselor": 200, "counselor_out": 404}),
        ),
    }
)

# these change what every row above reads (W2 deactivated, O1 closed, P1 suspended), so they run last
MATRIX.update(
    {
        ("POST", "/api/v1/workers/{worker_id}/deactivate"): (
            "/api/v1/workers/W2/deactivate",
            None,
            only(counselor=200, counselor_out=404),
        ),
        ("POST", "/api/v1/orders/{order_id}/close"): (
            "/api/v1/orders/O1/close",
            None,
            only(employer=200, employer_out=404),
        ),
        ("POST", "/api/v1/programmes/{programme_id}/suspend"): (
            "/api/v1/programmes/P1/suspend",
            None,
            only(institution=200, institution_out=404),
        ),
    }
)


#: further calls of a route in MATRIX whose parameters choose another service: (method, route
#: template, the path called, the body, expected status per caller)
VARIANTS: list[tuple[str, str, str, object, dict[str, int]]] = [
    # W1's ledger row as the records already hold it (no change); I2's school does not own P1
    (
        "POST",
        "/api/v1/imports/{kind}",
        "/api/v1/imports/ledger",
        "ledger",
        only(institution=200, institution_out=422),
    ),
    (
        "POST",
        "/api/v1/imports/{kind}",
        "/api/v1/imports/workers?errors=xlsx",
        "upload",
        only(counselor=200, counselor_out=422, admin=403, admin_out=403),
    ),
]
LEDGER = (
    "worker_id,programme_id,enrolled_on,completed_on,hours_attended\nW1,P1,2026-12-01,2027-01-25,116\n"
).encode("gbk")


def _seed_records(client: TestClient) -> None:
    """Enrollment 1: W1 in I1's P1 (2027-01-05 … 01-25), completed; claim 2 on it, filed (申请)."""
    import datetime as dt

    from api.services import enrollments, outcomes
    from api.services.subsidy import SubsidyService
    from tests.record_factories import caller

    engine = engine_of(client)
    school = caller("institution", "seed-school", institution_id="I1")
    e = enrollments.enroll(
        engine,
        caller("counselor", "seed-counselor"),
        worker_id="W1",
        programme_id="P1",
        today=dt.date(2026, 12, 1),
    )
    enrollments.confirm(engine, school, e.id)
    outcomes.record_completion(
        engine, school, e.id, completed_on=dt.date(2027, 1, 25), hours_attended=116, today=dt.date(2027, 2, 1)
    )
    filed = SubsidyService(engine, clock=lambda: dt.date(2027, 2, 1)).submit(
        worker_id="W1", kind="training", actor="seed-counselor", enrollment_id=e.id
    )
    assert (e.id, filed.claim_id) == (1, 2), filed.message


def _app_routes(client: TestClient) -> set[tuple[str, str]]:
    out = set()
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        methods = getattr(route, "methods", None)
        if not methods:
            continue  # the /static mount
        if getattr(route, "endpoint", None) and route.endpoint.__module__.startswith("api.pages."):  # type: ignore[attr-defined]
            continue  # the web pages sign in by cookie: their table is tests/test_pages_access.py
        out.update((m, route.path) for m in methods if m != "HEAD")
    return out


def _tokens(client: TestClient) -> dict[str, dict[str, str]]:
    engine = engine_of(client)
    with transaction(engine) as s:
        s.add(Employer(id=OTHER_EMPLOYER, name="另一家公司", kind="企业", adcode="140105"))
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, account in CALLERS.items():
        acct = dict(account)
        role = acct.pop("role")
        headers[name] = bearer(client, *make_user(engine, role, **acct))
    return headers


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    assert _app_routes(client) == set(MATRIX), "add the new route to MATRIX with its statuses"


def test_route_role_scope_matrix(client: TestClient) -> None:
    headers = _tokens(client)
    _seed_records(client)
    got: dict[tuple[str, str, str], int] = {}
    want: dict[tuple[str, str, str], int] = {}
    calls = [(m, t, t, p, b, e) for (m, t), (p, b, e) in MATRIX.items()]
    variants = [(m, t, p, p, b, e) for m, t, p, b, e in VARIANTS]  # asserted under their path
    # the variants before the last three rows, which change what the others read
    for method, template, key, path, body, expected in [*calls[:-3], *variants, *calls[-3:]]:
        if template == "/api/v1/auth/logout":
            continue  # last: it ends the tokens
        for name in NAMES:
            files = None
            if body == "upload":
                sent, files = None, {"file": ("workers.csv", _upload(name), "text/csv")}
            elif body == "ledger":
                sent, files = None, {"file": ("ledger.csv", LEDGER, "text/csv")}
            elif callable(body):
                sent = body(name)
            elif body and template == "/api/v1/auth/login":
                # a name of its own per caller: five failures of one account would be 429
                sent = {**body, "username": f"nobody-{name}"}
            else:
                sent = body
            r = client.request(method, path, json=sent, files=files, headers=headers[name])
            got[(method, key, name)] = r.status_code
            want[(method, key, name)] = expected[name]
            if r.status_code == 401:
                assert r.headers["www-authenticate"] == "Bearer"
                assert not r.json()["detail"].isascii()
            if r.status_code == 404:
                assert r.json()["detail"].startswith("未找到")
    for name in NAMES:
        r = client.post("/api/v1/auth/logout", headers=headers[name])
        got[("POST", "/api/v1/auth/logout", name)] = r.status_code
        want[("POST", "/api/v1/auth/logout", name)] = MATRIX[("POST", "/api/v1/auth/logout")][2][name]
    assert got == want


def test_out_of_scope_404_reads_as_unknown(client: TestClient) -> None:
    headers = _tokens(client)
    outside = client.get("/api/v1/workers/W1", headers=headers["counselor_out"])
    unknown = client.get("/api/v1/workers/W404", headers=headers["counselor_out"])
    assert outside.status_code == unknown.status_code == 404
    assert outside.json()["detail"] == "未找到劳动者 W1" and unknown.json()["detail"] == "未找到劳动者 W404"
    denied = client.get("/api/v1/workers", headers=headers["employer"])
    assert denied.status_code == 403 and denied.json()["detail"] == "无权访问：此功能仅限管理员、就业指导员"


@pytest.mark.parametrize(
    ("region", "city", "ids"),
    [
        ("14", None, ["W1", "W2"]),
        ("14", "140100", ["W2"]),  # 太原's own code as /regions lists it
        ("14", "1411", ["W1"]),
        ("141124", None, ["W1"]),  # a 临县 counselor sees 临县's workers only
        ("141124", "14", ["W1"]),
        ("141124", "140100", []),
        ("1409", None, []),
    ],
)
def test_worker_lists_cover_the_callers_region(client: TestClient, region: str, city, ids) -> None:  # type: ignore[no-untyped-def]
    h = bearer(client, *make_user(engine_of(client), "counselor", region=region))
    r = client.get("/api/v1/workers", params={"city": city} if city else {}, headers=h)
    assert r.status_code == 200
    assert [w["id"] for w in r.json()["items"]] == ids and r.json()["total"] == len(ids)


def test_a_chinese_name_where_an_id_goes_is_a_chinese_422(client: TestClient) -> None:
    h = bearer(client, *make_user(engine_of(client), "counselor"))
    r = client.get("/api/v1/workers/张三", headers=h)
    assert r.status_code == 422
    assert (
        r.json()["errors"][0]["loc"] == ["path", "worker_id"] and r.json()["errors"][0]["msg"] == "格式不正确"
    )


# --- re-identification ------------------------------------------------------------------------


def id_candidates(shown_id: str, home_adcode: str, birth_year: int, gender: str) -> int:
    """How many valid 身份证号 agree with everything a view shows: the masked ID (``*`` unknown),
    the home county as the address code, the birth year and the gender (the parity of digit 17).
    A full ID's check character follows from its first 17, so it never adds a candidate."""
    from data.personal import id_check_char

    pattern = re.compile("^" + shown_id.replace("*", ".") + "$")
    n = 0
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(birth_year, month)[1] + 1):
            for seq in range(1000):
                if (seq % 2 == 1) != (gender == "男"):
                    continue
                first17 = f"{home_adcode}{birth_year}{month:02d}{day:02d}{seq:03d}"
                if pattern.match(first17 + id_check_char(first17)):
                    n += 1
    return n


def test_masked_view_leaves_at_least_10000_candidates(client: TestClient) -> None:
    headers = _tokens(client)
    raw = factories.workers()["id_number"][0]
    full = client.get("/api/v1/workers/W1", headers=headers["counselor"]).json()
    masked = client.get("/api/v1/workers/W1", headers=headers["admin"]).json()
    fields = (full["home_adcode"], full["birth_year"], full["gender"])
    # the whole record (its counselor): the ID's tail beside county and birth year narrows it
    assert full["id_number_masked"] == "141***********" + raw[-4:]
    assert id_candidates(full["id_number_masked"], *fields) < 100
    # everyone else: the tail is gone
    assert masked["id_number_masked"] == "141***************"
    assert (masked["home_adcode"], masked["birth_year"], masked["gender"]) == fields
    assert id_candidates(masked["id_number_masked"], *fields) == 365 * 500
    assert masked["phone_masked"] == "138******78" and full["phone_masked"] == "138****5678"
    assert masked["name_masked"] == full["name_masked"] == "张**"
    assert masked["skills_text"] is None and full["skills_text"] == "在工地干过十年瓦工，会贴砖"
    assert raw not in str(masked) and raw not in str(full)
    listing = client.get("/api/v1/workers", headers=headers["admin"]).json()["items"]
    assert {w["id_number_masked"] for w in listing} == {"141***************", "140***************"}


def test_a_worker_gives_and_withdraws_consent_themself(client: TestClient) -> None:
    from sqlalchemy import select

    from data.db.models import AuditEvent, Worker

    name, password = make_user(engine_of(client), "worker", region="141124", worker_id="W1")
    h = bearer(client, name, password)
    assert (
        client.put("/api/v1/workers/W1/consent", json={"consent_share": False}, headers=h).status_code == 200
    )
    assert (
        client.put("/api/v1/workers/W2/consent", json={"consent_share": True}, headers=h).status_code == 404
    )
    assert client.patch("/api/v1/workers/W1", json={"expected_wage": 1}, headers=h).status_code == 403
    with transaction(engine_of(client)) as s:
        worker = s.get(Worker, "W1")
        assert worker is not None and worker.consent_share is False
        trail = s.execute(
            select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.entity_id == "W1")
        ).all()
    assert [tuple(t) for t in trail] == [("worker.update", name)]


def test_a_citys_policy_summary_is_public(client: TestClient) -> None:
    r = client.get("/api/v1/policies/1401", params={"today": "2026-12-01"})
    assert r.status_code == 200
    body = r.json()
    assert (body["city_name"], body["example"]) == ("太原市", True)
    mason = next(o for o in body["occupations"] if o["code"] == "6-29-01-01")
    assert mason["name"] == "砌筑工" and mason["amounts"]["5"] == 1400
    assert client.get("/api/v1/policies/1499").json()["detail"] == "未找到城市 1499 的补贴政策"
