"""The advisor's doors: `yidi advise` (never blocks without a TTY) and the HTTP routes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.support.packs import sample_packs
from yidi.app import create_app
from yidi.cli import app as cli_app
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory

runner = CliRunner()
TODAY = dt.date(2026, 5, 1)
CASE = ["--insured-region", "369900", "--current-region", "440100", "--visit-type", "INPATIENT", "--not-filed",
        "--reason", "travelling", "--treated", "--not-paid", "--scheme", "EMPLOYEE", "--today", "2026-05-01"]


def test_cli_prints_a_plan_without_waiting_for_input() -> None:
    r = runner.invoke(cli_app, ["advise", *CASE, "--bill-total", "20000"])  # CliRunner's stdin is not a TTY
    assert r.exit_code == 0, r.output
    assert "补办" in r.output and "出院结算前" in r.output and "估算" in r.output


def test_cli_json_and_free_text() -> None:
    r = runner.invoke(cli_app, ["advise", "--q", "我是南昌的医保，现在在广州住院，没备案", "--today", "2026-05-01", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["search"]["situation"]["filed"] is False
    assert out["situation"]["insured_region"] == "360100" and out["scope"] in ("CROSS_PROVINCE", "UNKNOWN")
    assert {q["field"] for q in out["questions"]} <= {"paid_in_full", "reason", "scheme", "category"}


def test_cli_interactive_flag_without_tty_still_does_not_block() -> None:
    r = runner.invoke(cli_app, ["advise", "--interactive", "--today", "2026-05-01"], input="")
    assert r.exit_code == 0 and "还需要知道" in r.output


def test_cli_bad_input_exit_2() -> None:
    r = runner.invoke(cli_app, ["advise", "--insured-region", "999999", "--json"])
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "ADVICE_REGION_UNKNOWN"
    r = runner.invoke(cli_app, ["advise", "--insured-region", "12"])
    assert r.exit_code == 2 and "REGION_FORMAT" in r.output


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    engine = make_engine("sqlite://")
    ctx = Context(engine, session_factory(engine), sample_packs(), lambda: TODAY)
    with TestClient(create_app(ctx=ctx)) as c:
        yield c
    engine.dispose()


def test_api_advice(client: TestClient) -> None:
    r = client.post("/api/v1/advice", json={"insured_region": "369900", "current_region": "440100",
                                            "visit_type": "INPATIENT", "reason": "emergency", "paid_in_full": False,
                                            "scheme": "EMPLOYEE", "bill_total": "12000.00"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["today"] == "2026-05-01" and body["settlement"]["status"] == "EMERGENCY_AS_FILED"
    assert body["money"]["estimate"]["bill"]["emergency"] is True
    assert all(s["cites"] for s in body["steps"])


def test_api_advice_empty_situation_asks(client: TestClient) -> None:
    r = client.post("/api/v1/advice", json={})
    assert r.status_code == 200 and r.json()["questions"][0]["field"] == "insured_region"


@pytest.mark.parametrize(("body", "code"), [({"colour": "blue"}, "FIELD_UNKNOWN"), ({"insured_region": "1"}, "REGION_FORMAT"),
                                            ({"insured_region": "999999"}, "ADVICE_REGION_UNKNOWN"),
                                            ({"filed": False, "filing_type": "REFERRAL"}, "ADVICE_CONTRADICTION"),
                                            ({"bill_total": "-5"}, "MONEY_NEGATIVE")])
def test_api_advice_errors(client: TestClient, body: dict[str, object], code: str) -> None:
    r = client.post("/api/v1/advice", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"][0]["code"] == code


def test_api_search(client: TestClient) -> None:
    r = client.get("/api/v1/advice/search", params={"q": "我妈在北京住院了 之前没备案 现在还在住院 怎么弄才能直接报"})
    assert r.status_code == 200
    body = r.json()
    assert body["topics"][0]["id"] == "posthoc_filing"
    assert body["situation"]["current_region"] == "110100" and body["situation"]["filed"] is False
    plan = client.post("/api/v1/advice", json=body["situation"])
    assert plan.status_code == 200


def test_api_search_errors(client: TestClient) -> None:
    assert client.get("/api/v1/advice/search").status_code == 422
    r = client.get("/api/v1/advice/search", params={"q": "  "})
    assert r.status_code == 422 and r.json()["error"]["code"] == "ADVICE_QUERY_EMPTY"
