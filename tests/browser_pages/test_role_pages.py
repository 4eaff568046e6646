"""Signed-in pages in Debian's Chromium (marker ``browser``): each role's sign-in page, the worker
page on a 375 px phone, the counselor workbench with why-not and the recommendation sheet printed
to PDF (its text read back). Same watch as the public pages: no console error, no request off
127.0.0.1."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import Engine, select

from data.db.models import Worker
from data.db.session import session_factory
from tests.apps import TODAY
from tests.auth_helpers import make_user
from tests.browser_pages.harness import (
    DESKTOP,
    PHONE,
    Browser,
    Site,
    axe_violations,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, engine: Engine, role: str, **account: str) -> None:  # type: ignore[no-untyped-def]
    username, password = make_user(engine, role, **account)
    page.goto(f"{base}/login/{role}")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _a_worker(site: Site) -> str:
    """The first worker of the world (by id) with at least three pathways with a course."""
    recommender = site.app.state.recommender
    with session_factory(site.engine)() as session:
        ids = list(session.scalars(select(Worker.id).order_by(Worker.id).limit(50)))
    for worker_id in ids:
        rec = recommender.recommend_worker(worker_id, top=5, today=TODAY)
        if sum(p.programme_id is not None for p in rec.pathways) >= 3:
            return worker_id
    raise AssertionError("no worker of the world's first 50 has three course pathways")


@pytest.mark.parametrize("role", ["worker", "counselor", "employer", "institution", "admin"])
def test_each_roles_sign_in_page_fits_and_errors_by_the_field(browser: Browser, site, role: str) -> None:  # type: ignore[no-untyped-def]
    base = site.base
    with browser.page(PHONE) as (page, _watch):
        page.goto(f"{base}/login/{role}")
        page.fill("#f-username", "nobody")
        page.fill("#f-password", "wrong-password")
        page.click("main form button[type=submit]")
        assert page.locator("#e-password").inner_text() == "用户名或密码错误"
        assert page.locator("#f-username").input_value() == "nobody"
        assert page.locator("#f-password").input_value() == ""
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner
        screenshot(page, f"sign-in-{role}-375")


def test_worker_signs_in_on_a_phone_and_sees_three_numbers(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    worker = _a_worker(site)
    with browser.page(PHONE) as (page, _watch):
        page.goto(base + "/me")  # sent to the worker's sign-in, then back
        assert "/login/worker" in page.url
        username, password = make_user(engine, "worker", worker_id=worker)
        page.fill("#f-username", username)
        page.fill("#f-password", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(base + "/me")
        cookie = next(c for c in page.context.cookies() if c["name"] == "sb_token")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""
        cards = page.locator("#pathways li[data-pathway]")
        assert cards.count() >= 1
        first = cards.first.inner_text()
        assert "我要花" in first and "离我家" in first and "月工资" in first
        font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 19
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner
        assert axe_violations(page) == []
        screenshot(page, "worker-me-375")
        programme = cards.first.get_attribute("data-pathway")
        cards.first.locator("button", has_text="我想报名").click()
        page.wait_for_url(re.compile(r"/me\?requested="))
        assert (
            page.locator(".ok-box").inner_text() == f"已提交 {programme} 的报名申请，就业服务站会联系您确认。"
        )


def test_counselor_workbench_pathways_why_not_and_printed_sheet(browser: Browser, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    base, engine = site.base, site.engine
    worker = _a_worker(site)
    with browser.page(DESKTOP) as (page, _watch):
        _sign_in(page, base, engine, "counselor", region="14")
        assert page.url == base + "/workbench"
        page.fill("#f-q", worker)
        page.click("main form button[type=submit]")
        assert page.locator("#workers tbody tr[data-worker]").count() == 1
        assert axe_violations(page) == []
        screenshot(page, "workbench-search-1280")
        page.click(f"a[href='/workbench/workers/{worker}']")
        page.wait_for_url(re.compile(rf"/workbench/workers/{worker}$"))
        cards = page.locator("#pathways li[data-pathway]")
        assert cards.count() >= 1
        assert "匹配度" in cards.first.inner_text()
        assert axe_violations(page) == []
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner
        screenshot(page, "workbench-worker-1280")
        page.fill("#f-item", "P999999")
        page.click("#why-not ~ form button[type=submit]")
        assert page.locator("#e-item").inner_text() == "未找到培训项目或用工订单 P999999"
        page.click("#print-sheet")
        page.wait_for_url(re.compile(r"/sheet$"))
        assert page.locator("#login-qr").count() == 0  # opening the sheet issues no link
        page.click("#sheet-link")  # prints it with a new one-time sign-in link
        page.wait_for_load_state("networkidle")
        assert page.locator("#login-qr svg").count() == 1
        first_title = page.locator("main ol li strong").first.inner_text()
        screenshot(page, "recommendation-sheet-1280")
        pdf = tmp_path / "sheet.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1

    # NFKC on both sides: the CJK font's text map names some characters by their Kangxi radical
    # forms (⼯ for 工), and NFKC also folds full-width punctuation
    def norm(t: str) -> str:
        return unicodedata.normalize("NFKC", "".join(t.split()))

    text = norm(reader.pages[0].extract_text())
    assert norm("技能通 培训与就业推荐单") in text
    assert norm(f"劳动者编号：{worker}") in text
    assert norm(first_title) in text
    assert "返回" not in text  # the screen-only link is not printed
    assert norm("用手机扫码登录“技能通”") in text and norm("二维码只能使用一次") in text


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_workbench_pages_fit_the_screen(browser: Browser, site, width: int) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    worker = _a_worker(site)
    pages = {
        f"/workbench?q={worker}": "workbench-search",
        f"/workbench/workers/{worker}": "workbench-worker",
        "/workbench/register": "workbench-register",
        f"/workbench/workers/{worker}/edit": "workbench-edit",
        "/workbench/ledger": "workbench-ledger",
    }
    with browser.page(width) as (page, _watch):
        _sign_in(page, base, engine, "counselor", region="14")
        for path, name in pages.items():
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            scroll_width, inner = no_horizontal_scroll(page)
            assert scroll_width <= inner, f"{path}: {scroll_width} > {inner}"
            screenshot(page, f"{name}-{width}")
        assert page.locator("#ledger-counts tbody tr[data-group]").count() >= 1


def _desk_accounts(site: Site) -> dict[str, tuple[dict[str, str], list[str]]]:
    """role → (account scope, pages to open) for the employer, institution and admin desks."""
    from data.db.models import Order, Programme

    with session_factory(site.engine)() as session:
        order = session.scalars(
            select(Order).where(Order.employer_id.is_not(None)).order_by(Order.id)
        ).first()
        programme = session.scalars(select(Programme).order_by(Programme.id)).first()
    assert order is not None and programme is not None
    return {
        "employer": ({"employer_id": order.employer_id}, ["/employer", f"/employer/orders/{order.id}"]),
        "institution": (
            {"institution_id": programme.institution_id},
            [
                "/institution",
                f"/institution/programmes/{programme.id}",
                "/institution/programmes/new",
                f"/institution/programmes/{programme.id}/edit",
            ],
        ),
        "admin": ({"region": "14"}, ["/admin"]),
    }


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("role", ["employer", "institution", "admin"])
def test_desk_pages_fit_the_screen(browser: Browser, site, role: str, width: int) -> None:  # type: ignore[no-untyped-def]
    account, paths = _desk_accounts(site)[role]
    with browser.page(width) as (page, _watch):
        _sign_in(page, site.base, site.engine, role, **account)
        assert page.url == site.base + paths[0]
        for n, path in enumerate(paths):
            response = page.goto(site.base + path)
            assert response is not None and response.status == 200, path
            scroll_width, inner = no_horizontal_scroll(page)
            assert scroll_width <= inner, f"{path} at {width}px: {scroll_width} > {inner}"
            screenshot(page, f"{role}-{n + 1}-{width}")


def test_counselor_registers_a_worker_and_sees_pathways(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import id_number

    with browser.page(DESKTOP) as (page, _watch):
        _sign_in(page, site.base, site.engine, "counselor", region="14")
        page.click("a[href='/workbench/register']")
        page.fill("#f-name", "赵六")
        page.fill("#f-id_number", id_number("141124", "19900303", "117"))
        page.fill("#f-home_address", "吕梁市临县")
        page.fill("#f-skills_text", "在工地干过十年瓦工，会贴砖，想学电工")
        page.check("input[name=groups][value=脱贫劳动力]")
        page.fill("#f-phone", "139")  # wrong first: the form comes back with the message
        page.click("main form button[type=submit]")
        assert page.locator("#e-phone").inner_text() == "手机号应为以1开头的11位数字"
        assert page.locator("#f-skills_text").input_value() == "在工地干过十年瓦工，会贴砖，想学电工"
        assert page.locator("input[name=groups][value=脱贫劳动力]").is_checked()
        assert axe_violations(page) == []
        screenshot(page, "workbench-register-error-1280")
        page.fill("#f-phone", "13912340000")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/workbench/workers/W[0-9A-F]+\?registered=1$"))
        assert page.locator(".ok-box").inner_text().startswith("已登记")
        assert page.locator("#pathways li[data-pathway]").count() >= 1


def test_employer_posts_an_order_and_sees_candidates(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    """20 砌筑工 in 太原 at 6000–8000 元 from next month: a wrong wage first (the message by the
    field, everything typed kept), then the order's candidates, trainable ones with the date they
    can start and the course that closes their gap."""
    import datetime as dt

    from data.db.models import Employer

    with session_factory(site.engine)() as session:
        employer = session.scalars(
            select(Employer).where(Employer.adcode.startswith("1401")).order_by(Employer.id)
        ).first()
    assert employer is not None, "the world has an employer in 太原"
    # what the service's background encoder does: every worker's profile stored (candidates are
    # drawn from stored profiles)
    site.app.state.recommender.sync_workers()
    start = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with browser.page(DESKTOP, javascript=False) as (page, _watch):
        _sign_in(page, site.base, site.engine, "employer", employer_id=employer.id)
        page.click("a[href='/employer/orders/new']")
        page.fill("#f-occupation", "砌筑工")
        page.fill("#f-head_count", "20")
        page.select_option("#f-county", label="太原市小店区")
        page.fill("#f-wage_min", "8000")
        page.fill("#f-wage_max", "6000")
        page.fill("#f-start_date", start.isoformat())
        page.fill("#f-required_skills", "会砌砖、抹灰，能吃苦")
        page.click("main form button[type=submit]")
        assert page.locator("#e-wage_max").inner_text() == "最高工资 6000 低于最低工资 8000"
        assert page.locator("#f-occupation").input_value() == "砌筑工"
        assert page.locator("#f-required_skills").input_value() == "会砌砖、抹灰，能吃苦"
        screenshot(page, "employer-order-error-1280")
        page.fill("#f-wage_min", "6000")
        page.fill("#f-wage_max", "8000")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/employer/orders/O[0-9A-F]+\?posted=1$"))
        assert page.locator(".ok-box").inner_text().startswith("订单已发布")
        assert "砌筑工 20 人" in page.locator("h1").inner_text()
        cards = page.locator("#candidates li[data-candidate]")
        assert cards.count() >= 1, page.locator("main").inner_text()
        order_id = re.search(r"/employer/orders/(O[0-9A-F]+)", page.url).group(1)  # type: ignore[union-attr]
        found = site.app.state.recommender.candidates_for_order(order_id, top=30, today=TODAY)
        assert [cards.nth(i).get_attribute("data-candidate") for i in range(cards.count())] == [
            c.worker_id for c in found.candidates
        ]
        for c in found.candidates:
            text = page.locator(f"li[data-candidate='{c.worker_id}']").inner_text()
            assert f"{c.ready_date.year}年{c.ready_date.month}月{c.ready_date.day}日" in text
            if c.programme_id:  # trainable: the course that closes the gap, by its title
                assert (
                    page.locator(f"li[data-candidate='{c.worker_id}'] dd[data-programme]").inner_text()
                    != c.programme_id
                )
        screenshot(page, "employer-candidates-1280", full_page=False)
