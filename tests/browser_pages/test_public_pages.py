"""The web pages in Debian's Chromium (marker ``browser``): a server on 127.0.0.1 over a copy of the
300-worker world; every test fails on a console error, a page error or a request to another host
(:class:`tests.browser_pages.harness.Watch`). Screenshots of every page land in ``docs/screenshots/``."""

from __future__ import annotations

import pytest

from api.services.catalogue import ProgrammeQuery, list_programmes
from api.services.supply_demand import supply_demand
from data.db.session import session_factory
from tests.apps import TODAY
from tests.browser_pages.harness import (
    DESKTOP,
    PHONE,
    Browser,
    axe_violations,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "home": "/",
    "catalogue": "/catalogue",
    "institutions": "/catalogue/institutions",
    "subsidies": "/catalogue/subsidies",
    "supply-demand": "/supply-demand?city=1411",
}


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_fits_the_screen(browser: Browser, site, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    base = site.base
    with browser.page(width) as (page, _watch):
        response = page.goto(base + PUBLIC_PAGES[name])
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner, f"{name} at {width}px scrolls sideways: {scroll_width} > {inner}"
        screenshot(page, f"{name}-{width}")


def test_catalogue_filters_by_city_and_level(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, engine = site.base, site.engine
    with session_factory(engine)() as session:
        expected, _ = list_programmes(session, ProgrammeQuery(city="1401", level=5, limit=1))
        in_city, _ = list_programmes(session, ProgrammeQuery(city="1401", limit=1))
        everything, _ = list_programmes(session, ProgrammeQuery(limit=1))
    assert 0 < expected < in_city < everything
    with browser.page(DESKTOP) as (page, _watch):
        page.goto(base + "/catalogue")
        expect(page.locator("#result-count strong")).to_have_text(str(everything))
        page.evaluate("window.notReloaded = true")
        # with JavaScript a picked filter updates the results in place (htmx), the URL follows
        page.select_option("#f-city", "1401")
        expect(page.locator("#result-count strong")).to_have_text(str(in_city))
        page.select_option("#f-level", "5")
        expect(page.locator("#result-count strong")).to_have_text(str(expected))
        assert page.evaluate("window.notReloaded === true")
        assert "city=1401" in page.url and "level=5" in page.url
        cards = page.locator("#programmes li[data-programme]")
        assert cards.count() == min(expected, 20)
        for text in cards.all_inner_texts():
            assert "太原市" in text and "初级工" in text
    # without JavaScript the same form is a plain GET
    with browser.page(DESKTOP, javascript=False) as (page, _watch):
        page.goto(base + "/catalogue")
        page.select_option("#f-city", "1401")
        page.select_option("#f-level", "5")
        page.click("button[type=submit]")
        assert page.locator("#result-count strong").inner_text() == str(expected)
        assert page.locator("#f-city").input_value() == "1401"
        assert page.locator("#f-level").input_value() == "5"


def test_catalogue_error_next_to_the_field_keeps_what_was_typed(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base = site.base
    with browser.page(PHONE, javascript=False) as (page, _watch):
        page.goto(base + "/catalogue")
        page.fill("#f-q", "焊工")
        page.fill("#f-start_from", "2026-13-01")
        page.click("button[type=submit]")
        assert page.locator("#e-start_from").inner_text() == "日期不存在，请检查年月日"
        assert page.locator("#f-start_from").input_value() == "2026-13-01"
        assert page.locator("#f-q").input_value() == "焊工"
        assert page.locator("#f-start_from").get_attribute("aria-invalid") == "true"
        screenshot(page, "catalogue-error-375")


def test_catalogue_has_no_serious_accessibility_violation(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base = site.base
    with browser.page(DESKTOP) as (page, _watch):
        page.goto(base + "/catalogue?city=1411")
        assert axe_violations(page) == []


def test_supply_demand_charts_render_and_match_the_tables(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    with session_factory(engine)() as session:
        sd = supply_demand(session, "1411", TODAY)
    assert sd.occupations and sd.flows
    with browser.page(DESKTOP) as (page, _watch):
        page.goto(base + "/supply-demand?city=1411")
        page.wait_for_selector("#chart-occupations[data-rendered=true] svg")
        page.wait_for_selector("#chart-flows[data-rendered=true] svg")
        assert page.locator("#table-occupations tbody tr").count() == len(sd.occupations)
        assert page.locator("#table-flows tbody tr").count() == len(sd.flows)
        first = sd.occupations[0]
        row = page.locator("#table-occupations tbody tr").first.locator("td").all_inner_texts()
        assert row == [first.name, str(first.demand), str(first.interested), str(first.seats), str(first.gap)]
        # the bar chart names the busiest occupation
        assert first.name[:4] in page.locator("#chart-occupations svg").inner_html()
        assert axe_violations(page) == []


def test_supply_demand_reads_without_javascript(browser: Browser, site) -> None:  # type: ignore[no-untyped-def]
    base, engine = site.base, site.engine
    with session_factory(engine)() as session:
        sd = supply_demand(session, "1411", TODAY)
    with browser.page(PHONE, javascript=False) as (page, _watch):
        page.goto(base + "/supply-demand?city=1411")
        assert not page.locator("#chart-occupations").is_visible()
        assert page.locator("#table-flows tbody tr").count() == len(sd.flows)
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner
