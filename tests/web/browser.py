"""Browser fixtures for the end-to-end page tests: a uvicorn server on 127.0.0.1 (temporary SQLite, sample
packs, demo data, a pinned day) and Debian's headless Chromium driven by Playwright.

Playwright's own browser download is never used (`playwright install` needs the internet): the tests
launch /usr/bin/chromium, which scripts/browser.sh installs. Without it they skip, except under CI=true,
where a missing browser is a failure (a green run must not hide tests that never ran).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.support.net import START_SECONDS, free_port
from tests.web.conftest import make_context
from yidi.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}


def _need_browser() -> None:
    why = None
    if not Path(CHROMIUM).exists():
        why = f"{CHROMIUM} is missing (run scripts/browser.sh)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            why = "the playwright package is not installed"
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {why}")
    pytest.skip(why)


class Server:
    """uvicorn in a thread of the test process, so the test can pin the day and read the database."""

    def __init__(self, folder: Path) -> None:
        self.ctx = make_context(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(ctx=self.ctx), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.ctx.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _need_browser()
    folder = tmp_path_factory.mktemp("web-server")
    os.environ.setdefault("YIDI_DATA_DIR", str(folder / "data"))
    with Server(folder) as s:
        yield s


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone(browser: Any, server: Server, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh phone-sized browser context and page; on failure its screenshot is saved in tmp_path."""
    context = browser.new_context(viewport=PHONE, base_url=server.url, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        shot = tmp_path / f"failure-{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
    context.close()


def new_page(browser: Any, server: Server) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page
