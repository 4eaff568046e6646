"""Issue 14's worker link, profile edit and policy versions in Debian's Chromium (marker
``browser``): a counselor prints the sheet with a one-time QR link, the worker opens that link on a
375 px phone, confirms and sees their recommendations, and the used link then answers its refusal
page; the counselor edits a profile with an error by the field; the administrator reads the
policy versions. Same watch as the other browser tests: no console error, no request off
127.0.0.1; axe-core finds no serious violation on the link's pages."""

from __future__ import annotations

import re

import pytest

from api.services.login_links import REFUSED
from tests.browser_pages.harness import (
    DESKTOP,
    PHONE,
    Browser,
    axe_violations,
    no_horizontal_scroll,
    screenshot,
)
from tests.browser_pages.test_role_pages import _a_worker, _sign_in

pytestmark = pytest.mark.browser

#: what Chromium logs for a page the server answers 404 (the refusal page of a used link)
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    scroll_width, inner = no_horizontal_scroll(page)
    assert scroll_width <= inner, f"{page.url}: {scroll_width} > {inner}"


def test_worker_opens_the_sheets_qr_link_on_a_phone(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    worker = _a_worker(site)
    with browser.page(DESKTOP) as (page, _watch):
        _sign_in(page, base, engine, "counselor", region="14")
        page.goto(f"{base}/workbench/workers/{worker}")
        page.click("#issue-link")
        page.wait_for_load_state("networkidle")
        shown = page.locator("#link-text").input_value()
        assert re.fullmatch(rf"{re.escape(base)}/login/link/[A-Za-z0-9_-]{{32}}", shown)
        assert page.locator("#login-qr svg").count() == 1
        assert axe_violations(page) == []
        _fits(page)
        screenshot(page, "workbench-login-link-1280")
        page.goto(f"{base}/workbench/workers/{worker}/sheet")
        page.click("#sheet-link")
        page.wait_for_load_state("networkidle")
        link = page.locator("#login-qr .link-text").inner_text().strip()
        assert link.startswith(f"{base}/login/link/") and link != shown
    with browser.page(PHONE) as (phone, watch):
        # the link shown first was voided by the sheet's: its refusal page answers 404
        watch.expect_console_error(NOT_FOUND)
        response = phone.goto(shown)
        assert response is not None and response.status == 404
        assert phone.locator(".error-box").inner_text() == REFUSED
        response = phone.goto(link)
        assert response is not None and response.status == 200
        assert phone.locator("#use-link").is_visible()
        assert axe_violations(phone) == []
        _fits(phone)
        screenshot(phone, "worker-link-375")
        phone.click("#use-link")
        phone.wait_for_url(base + "/me")
        cards = phone.locator("#pathways li[data-pathway]")
        assert cards.count() >= 1
        first = cards.first.inner_text()
        assert "我要花" in first and "离我家" in first
        cookie = next(c for c in phone.context.cookies() if c["name"] == "sb_token")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        _fits(phone)
    with browser.page(PHONE) as (again, watch):
        # used: the refusal, in Chinese, not a sign-in
        watch.expect_console_error(NOT_FOUND)
        response = again.goto(link)
        assert response is not None and response.status == 404
        assert again.locator(".error-box").inner_text() == REFUSED
        assert again.locator("#use-link").count() == 0
        assert axe_violations(again) == []
        _fits(again)
        screenshot(again, "worker-link-used-375")


def test_counselor_edits_a_profile_with_an_error_by_the_field(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    worker = _a_worker(site)
    with browser.page(DESKTOP) as (page, _watch):
        _sign_in(page, base, engine, "counselor", region="14")
        page.goto(f"{base}/workbench/workers/{worker}")
        page.click("#edit-worker")
        page.wait_for_url(re.compile(rf"/workbench/workers/{worker}/edit$"))
        page.fill("#f-skills_text", "会开挖掘机，也会电焊")
        page.fill("#f-certificates", "焊工 2020")
        page.click("main form button[type=submit]")
        assert page.locator("#e-certificates").inner_text().startswith("“焊工 2020”缺少等级")
        assert page.locator("#f-skills_text").input_value() == "会开挖掘机，也会电焊"
        assert page.locator("#f-certificates").input_value() == "焊工 2020"
        assert axe_violations(page) == []
        _fits(page)
        screenshot(page, "workbench-edit-error-1280", full_page=True)
        page.fill("#f-certificates", "焊工 初级工 2020")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(rf"/workbench/workers/{worker}\?saved=1$"))
        assert "档案已保存" in page.locator(".ok-box").inner_text()
        assert "会开挖掘机，也会电焊" in page.locator("main .card dl").first.inner_text()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_admin_reads_the_policy_versions(browser: Browser, site, width: int) -> None:  # type: ignore[no-untyped-def]
    with browser.page(width) as (page, _watch):
        _sign_in(page, site.base, site.engine, "admin", region="14")
        page.click("#policies-link")
        page.wait_for_url(site.base + "/admin/policies")
        assert page.locator("section.city-policies").count() == 11
        taiyuan = page.locator("section[data-city='1401'] .policy-version")
        assert taiyuan.count() == 2
        assert "施行中" in taiyuan.first.inner_text() and "电梯安装维修工" in taiyuan.first.inner_text()
        assert axe_violations(page) == []
        _fits(page)
        screenshot(page, f"admin-policies-{width}")
