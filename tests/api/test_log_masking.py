"""Issue 13 item 6: personal data never reaches a log line — ID numbers inside percent-encoded URLs, names with
rare (supplementary-plane) characters or a middle dot — fed as real records through the loggers as they are
configured: uvicorn's access log of a live server, SQLAlchemy's parameter dumps (SQLite and PostgreSQL), and
yidi's own lines."""

from __future__ import annotations

import copy
import io
import logging
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from tests.support.db import TODAY, new_database
from tests.support.net import free_port
from yidi.app import create_app
from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, InsuranceStatus, Scheme
from yidi.domain.ids import CitizenId, mask_id
from yidi.domain.packset import PackSet
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.services.personal_data import mask_log_text
from yidi.store import migrate
from yidi.store.db import session_factory, unit_of_work
from yidi.store.repositories import Persons

ID = demo_id("360426", "19910101", 7)
RARE = "王\U0002c317"  # 王𬌗: the second character is in CJK Extension E (outside the BMP)
DOTTED = "阿卜杜·热合曼"  # a transliterated name: parts joined by a middle dot (U+00B7)


@pytest.fixture
def live_log(tmp_path: Path, packs: PackSet) -> Iterator[tuple[str, io.StringIO]]:
    """A live uvicorn server with uvicorn's own logging configuration, every handler writing to one stream."""
    _url, engine, _ = new_database("sqlite", tmp_path)
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, lambda: TODAY)
    stream = io.StringIO()
    config = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = stream
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_config=config,
                                           access_log=True, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", stream
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def test_access_log_masks_what_the_url_encodes(live_log: tuple[str, io.StringIO]) -> None:
    base, stream = live_log
    paths = [f"/api/v1/institutions?q={quote('身份证' + ID)}",  # what a browser sends for a search box
             f"/api/v1/institutions?name={quote_plus(RARE)}&holder={quote_plus(DOTTED)}",
             f"/api/v1/institutions?q={quote_plus('证件 ' + ID.lower())}&limit=5"]
    for path in paths:
        assert httpx.get(base + path, timeout=10).status_code in (200, 422)
    time.sleep(0.2)  # the access line is written as the response completes
    text = stream.getvalue()
    lines = [ln for ln in text.splitlines() if "/api/v1/institutions" in ln]
    assert len(lines) == 3, text
    for secret in (ID, ID.lower(), quote(ID[6:]), RARE, quote_plus(RARE), DOTTED, quote_plus(DOTTED), "%E7%8E%8B"):
        assert secret not in text, secret
    assert f"q=身份证{mask_id(ID)} HTTP/1.1\" " in lines[0]  # still one whole access line
    assert "name=王*&holder=阿******" in lines[1]


def test_sql_parameter_dumps_mask_rare_and_dotted_names(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # an operator debugging with SQL logging on
    with unit_of_work(ctx.sessions) as s:
        for n, name in enumerate((RARE, DOTTED, "买买提・艾力•吐尔逊")):
            Persons(s).upsert(Person(CitizenId(demo_id("360426", "19910101", 20 + n)), name, "369900", Scheme.EMPLOYEE,
                                     Category.ACTIVE, InsuranceStatus.ACTIVE, account_balance=Decimal("0.00")))
    text = caplog.text
    assert "INSERT INTO persons" in text
    for secret in (RARE, DOTTED, "买买提・艾力•吐尔逊", "热合曼", "吐尔逊"):
        assert secret not in text, secret
    assert "'王*'" in text and "'阿******'" in text
    assert all(RARE not in rec.getMessage() for rec in caplog.records)  # the records themselves are masked


def test_yidi_lines_mask_quoted_names_and_encoded_ids(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="yidi")
    log = logging.getLogger("yidi.test")
    log.warning("payee %r for %r, back to %s", RARE, DOTTED, f"/me/claims?id={quote(ID)}")
    log.warning("姓名：%s；户名=%s", "欧阳𠀀", "阿卜杜・热合曼")
    text = caplog.text
    for secret in (RARE, DOTTED, ID, "欧阳𠀀", "阿卜杜・热合曼"):
        assert secret not in text, secret
    assert "'王*'" in text and "'阿******'" in text and f"id={mask_id(ID)}" in text


def test_decoding_never_lets_a_url_forge_a_log_line() -> None:
    # %0A decoded would start a new line that looks like another request; it stays encoded
    line = mask_log_text(f'"GET /x?q={quote(ID)}%0A127.0.0.1 - "GET /admin HTTP/1.1" 200')
    assert "\n" not in line and mask_id(ID) in line and "%0A" in line
    # nothing personal: the URL is left exactly as it was
    assert mask_log_text("GET /static/app%20x.css?v=%E4%B8%AD") == "GET /static/app%20x.css?v=%E4%B8%AD"
