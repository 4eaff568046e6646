"""The browser test harness: a real server on 127.0.0.1 over a copy of a test world, and Debian's
Chromium driven by Playwright, watched so that a test fails on any console error, page error or
request to another host.

- :func:`serve` — uvicorn in a thread on a free port of :data:`PORTS`, serving an app built like
  :class:`tests.apps.AppFactory` builds it;
- :class:`Browser` — one Chromium per session; :meth:`Browser.page` gives a page at a viewport
  width whose console and network are checked when the test ends (:meth:`Watch.check`);
- :class:`Site`, what the ``site`` fixture of ``conftest.py`` yields;
- :func:`no_horizontal_scroll`, :func:`axe_violations`, :func:`screenshot`.

Playwright cannot download its browser here: ``executable_path`` is the Debian package's binary.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlparse

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from api.app import create_app
from tests.apps import settings_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: the ports the test servers may take; ``SKILLBRIDGE_TEST_PORTS=8120-8129`` gives another range
PORTS = range(
    *(lambda a, b: (int(a), int(b) + 1))(*os.environ.get("SKILLBRIDGE_TEST_PORTS", "18560-18579").split("-"))
)
AXE = ROOT / "api" / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = 375
DESKTOP = 1280


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}–{PORTS.stop - 1}")


def site_app(url: str, home: Path, seed: Any, **overrides: Any) -> FastAPI:
    """An app over the database at ``url``, as :class:`tests.apps.AppFactory` builds one."""
    return create_app(settings_for(url, home, **overrides), seed=seed)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on 127.0.0.1; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Watch:
    """What a page did that a test must not allow."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def check(self) -> None:
        problems = (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request off 127.0.0.1: {u}" for u in self.foreign_requests]
        )
        assert not problems, "\n".join(problems)


class Browser:
    """One headless Chromium for the session."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    @contextmanager
    def page(self, width: int = DESKTOP, *, javascript: bool = True) -> Iterator[tuple[Page, Watch]]:
        """A fresh context (no cookies) and page at ``width`` px; checked on exit."""
        height = 800 if width <= PHONE else 900
        context = self._browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            locale="zh-CN",
            device_scale_factor=1,
        )
        watch = Watch()

        def route(r):  # type: ignore[no-untyped-def]
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                r.continue_()
            else:
                watch.foreign_requests.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
        try:
            yield page, watch
            watch.check()
        finally:
            context.close()


def no_horizontal_scroll(page: Page) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the document; a test asserts the first is not larger."""
    return tuple(page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"))  # type: ignore[return-value]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (injected from the vendored file)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in {"serious", "critical"}
    ]


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """What the screen shows (the whole page with ``full_page``), saved as
    ``docs/screenshots/<name>.png``: the run rewrites the README's pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


class Site(NamedTuple):
    """A server under test: its base URL, an engine on its database and its app."""

    base: str
    engine: Engine
    app: FastAPI
