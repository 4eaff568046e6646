"""Who may open which page, on SQLite and PostgreSQL: every page route × caller answers the status
of one table (a page route missing from the table fails). The pages' sign-in is the cookie, so
this is the pages' counterpart of tests/test_api_access.py (which covers the JSON API's routes):
an anonymous visitor of a signed-in page is sent to sign in (303), another role gets 403, an object
outside the caller's scope 404 (as a missing one).

The factory sample: W1 lives in 临县 (141124); order O1 is posted by 山西晋建建筑工程有限公司; P1 is
I1's course.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from data.credit_code import employer_id
from data.db.models import Employer
from data.db.session import transaction
from tests.auth_helpers import make_user

O1_EMPLOYER = employer_id("山西晋建建筑工程有限公司", "企业")
DAY = dt.date(2026, 12, 1)

CALLERS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin", "region": "14"},
    "counselor": {"role": "counselor", "region": "14"},
    "counselor_out": {"role": "counselor", "region": "1409"},
    "worker": {"role": "worker", "region": "141124", "worker_id": "W1"},
    "employer": {"role": "employer", "region": "1401", "employer_id": O1_EMPLOYER},
    "employer_out": {"role": "employer", "region": "1401", "employer_id": "EOTHER1"},
    "institution": {"role": "institution", "region": "1411", "institution_id": "I1"},
    "institution_out": {"role": "institution", "region": "1401", "institution_id": "I2"},
}
NAMES = ["anonymous", *CALLERS]
PUBLIC = dict.fromkeys(NAMES, 200)


def only(*allowed: str, out: tuple[str, ...] = ()) -> dict[str, int]:
    """200 for ``allowed``, 404 for ``out`` (same role, out of scope), 303 for the anonymous
    visitor, 403 for everyone else."""
    return {
        name: 303 if name == "anonymous" else 200 if name in allowed else 404 if name in out else 403
        for name in NAMES
    }


#: (method, route template) → (the path called, the form posted, expected status per caller)
PAGES: dict[tuple[str, str], tuple[str, dict[str, str] | None, dict[str, int]]] = {
    ("GET", "/"): ("/", None, PUBLIC),
    ("GET", "/catalogue"): ("/catalogue?city=1411", None, PUBLIC),
    ("GET", "/catalogue/institutions"): ("/catalogue/institutions", None, PUBLIC),
    ("GET", "/catalogue/subsidies"): ("/catalogue/subsidies", None, PUBLIC),
    ("GET", "/supply-demand"): ("/supply-demand?city=1411", None, PUBLIC),
    ("GET", "/supply-demand/occupations.csv"): ("/supply-demand/occupations.csv", None, PUBLIC),
    ("GET", "/supply-demand/flows.csv"): ("/supply-demand/flows.csv", None, PUBLIC),
    ("GET", "/login"): ("/login", None, PUBLIC),
    ("GET", "/login/{role}"): ("/login/worker", None, PUBLIC),
    ("POST", "/login/{role}"): ("/login/worker", {"username": "nobody", "password": "wrong"}, PUBLIC),
    ("GET", "/me"): ("/me", None, only("worker")),
    ("GET", "/workbench"): ("/workbench", None, only("counselor", "counselor_out")),
    ("GET", "/workbench/workers/{worker_id}"): (
        "/workbench/workers/W1",
        None,
        only("counselor", out=("counselor_out",)),
    ),
    ("GET", "/workbench/workers/{worker_id}/sheet"): (
        "/workbench/workers/W1/sheet",
        None,
        only("counselor", out=("counselor_out",)),
    ),
    ("GET", "/workbench/workers/{worker_id}/edit"): (
        "/workbench/workers/W1/edit",
        None,
        only("counselor", out=("counselor_out",)),
    ),
    # a form with a wrong box: the counselor gets it back with the message (200), nothing stored
    ("POST", "/workbench/workers/{worker_id}/edit"): (
        "/workbench/workers/W1/edit",
        {"education": "博士后", "max_commute_km": "30"},
        only("counselor", out=("counselor_out",)),
    ),
    # a new one-time sign-in link of the worker, shown once (200)
    ("POST", "/workbench/workers/{worker_id}/login-link"): (
        "/workbench/workers/W1/login-link",
        {},
        only("counselor", out=("counselor_out",)),
    ),
    ("POST", "/workbench/workers/{worker_id}/sheet"): (
        "/workbench/workers/W1/sheet",
        {},
        only("counselor", out=("counselor_out",)),
    ),
    # anyone may open a link; a code never issued is the refusal page (404) for everyone
    ("GET", "/login/link/{code}"): ("/login/link/" + "A" * 32, None, dict.fromkeys(NAMES, 404)),
    ("POST", "/login/link/{code}"): ("/login/link/" + "A" * 32, {}, dict.fromkeys(NAMES, 404)),
    ("GET", "/workbench/register"): ("/workbench/register", None, only("counselor", "counselor_out")),
    # an empty form: the counselor gets it back with the messages (200), nothing is stored
    ("POST", "/workbench/register"): (
        "/workbench/register",
        {"name": ""},
        only("counselor", "counselor_out"),
    ),
    ("GET", "/workbench/ledger"): ("/workbench/ledger", None, only("counselor", "counselor_out")),
    ("GET", "/workbench/ledger.xlsx"): ("/workbench/ledger.xlsx", None, only("counselor", "counselor_out")),
    ("GET", "/employer"): ("/employer", None, only("employer", "employer_out")),
    ("GET", "/employer/orders/{order_id}"): (
        "/employer/orders/O1",
        None,
        only("employer", out=("employer_out",)),
    ),
    ("GET", "/employer/orders/new"): ("/employer/orders/new", None, only("employer", "employer_out")),
    # an empty form: the employer gets it back with the messages (200), nothing is stored
    ("POST", "/employer/orders/new"): ("/employer/orders/new", {}, only("employer", "employer_out")),
    ("GET", "/employer/orders/{order_id}/edit"): (
        "/employer/orders/O1/edit",
        None,
        only("employer", out=("employer_out",)),
    ),
    # an empty form answers the form again with its messages; another employer's order 404
    ("POST", "/employer/orders/{order_id}/edit"): (
        "/employer/orders/O1/edit",
        {},
        only("employer", out=("employer_out",)),
    ),
    # done for its employer (303); the order is then closed for the rows after it
    ("POST", "/employer/orders/{order_id}/close"): (
        "/employer/orders/O1/close",
        {},
        {**only(out=("employer_out",)), "employer": 303},
    ),
    ("GET", "/institution"): ("/institution", None, only("institution", "institution_out")),
    ("GET", "/institution/programmes/{programme_id}"): (
        "/institution/programmes/P1",
        None,
        only("institution", out=("institution_out",)),
    ),
    ("GET", "/institution/programmes/new"): (
        "/institution/programmes/new",
        None,
        only("institution", "institution_out"),
    ),
    # an empty form: the institution gets it back with the messages (200), nothing is stored
    ("POST", "/institution/programmes/new"): (
        "/institution/programmes/new",
        {},
        only("institution", "institution_out"),
    ),
    ("GET", "/institution/programmes/{programme_id}/edit"): (
        "/institution/programmes/P1/edit",
        None,
        only("institution", out=("institution_out",)),
    ),
    # an empty form answers the form again with its messages; another institution's course 404
    ("POST", "/institution/programmes/{programme_id}/edit"): (
        "/institution/programmes/P1/edit",
        {},
        only("institution", out=("institution_out",)),
    ),
    ("GET", "/admin"): ("/admin", None, only("admin")),
    ("GET", "/admin/policies"): ("/admin/policies", None, only("admin")),
    # the buttons (api/pages/actions.py): done (303), or missing for the caller (404)
    ("POST", "/me/enroll/{programme_id}"): ("/me/enroll/P2", {}, {**only("worker"), "worker": 303}),
    ("POST", "/workbench/workers/{worker_id}/enroll"): (
        "/workbench/workers/W1/enroll",
        {"programme_id": "P2"},
        {**only(out=("counselor_out",)), "counselor": 303},
    ),
    ("POST", "/institution/enrollments/{enrollment_id}/confirm"): (
        "/institution/enrollments/999/confirm",
        {},
        only(out=("institution", "institution_out")),
    ),
    ("POST", "/institution/enrollments/{enrollment_id}/complete"): (
        "/institution/enrollments/999/complete",
        {"completed_on": "2026-11-30", "hours_attended": "10"},
        only(out=("institution", "institution_out")),
    ),
    ("POST", "/institution/enrollments/{enrollment_id}/certify"): (
        "/institution/enrollments/999/certify",
        {"number": "S000001", "issued_on": "2026-11-30"},
        only(out=("institution", "institution_out")),
    ),
    ("POST", "/institution/programmes/{programme_id}/suspend"): (
        "/institution/programmes/P1/suspend",
        {},
        {**only(out=("institution_out",)), "institution": 303},
    ),
    ("POST", "/admin/claims/{claim_id}/{step}"): ("/admin/claims/999/review", {}, only(out=("admin",))),
    ("POST", "/logout"): ("/logout", None, dict.fromkeys(NAMES, 303)),
}


@pytest.fixture
def client(sample_apps, tmp_path):  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path, today=DAY) as c:
        yield c


def page_routes(client: TestClient) -> set[tuple[str, str]]:
    """(method, template) of every route served by a module of api.pages."""
    out = set()
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None or not endpoint.__module__.startswith("api.pages."):
            continue
        out.update((m, route.path) for m in route.methods if m != "HEAD")  # type: ignore[attr-defined]
    return out


def _cookies(client: TestClient) -> dict[str, dict[str, str]]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        s.add(Employer(id="EOTHER1", name="另一家公司", kind="企业", adcode="140105"))
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, account in CALLERS.items():
        acct = dict(account)
        role = acct.pop("role")
        username, password = make_user(engine, role, **acct)
        r = client.post(
            f"/login/{role}", data={"username": username, "password": password}, follow_redirects=False
        )
        assert r.status_code == 303, (name, r.text)
        headers[name] = {"Cookie": f"sb_token={r.cookies['sb_token']}"}
        client.cookies.clear()
    return headers


def test_every_page_route_is_in_the_table(client: TestClient) -> None:
    assert page_routes(client) == set(PAGES), "add the new page to PAGES with its statuses"


def test_page_role_scope_table(client: TestClient) -> None:
    headers = _cookies(client)
    got: dict[tuple[str, str, str], int] = {}
    want: dict[tuple[str, str, str], int] = {}
    for (method, template), (path, form, expected) in PAGES.items():
        if template == "/logout":
            continue  # last: it ends the tokens
        for name in NAMES:
            r = client.request(method, path, data=form, headers=headers[name], follow_redirects=False)
            got[(method, template, name)] = r.status_code
            want[(method, template, name)] = expected[name]
            if r.status_code == 303 and name == "anonymous":
                assert r.headers["location"].startswith("/login/")
            if r.status_code in (403, 404):
                assert r.headers["content-type"].startswith("text/html")
            client.cookies.clear()
    for name in NAMES:
        r = client.post("/logout", headers=headers[name], follow_redirects=False)
        got[("POST", "/logout", name)] = r.status_code
        want[("POST", "/logout", name)] = 303
        client.cookies.clear()
    assert got == want
    # signed out: the tokens no longer open anything
    assert client.get("/me", headers=headers["worker"], follow_redirects=False).status_code == 303
