"""examples/his_client.py runs a hospital's day through the envelope alone, against an in-process app: admit,
upload, discharge, pre-settle, settle, query and reconcile, with the amounts of the conformance kit's stay
(worked by hand in tests/fsi/test_conformance.py: the same three lines, 1560.00 in all, 492.15 from the fund)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.support.db import TODAY, as_
from tests.support.unchanged import verified
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.services.context import Context

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "his_client.py"


def load() -> Any:
    spec = importlib.util.spec_from_file_location("his_client", CLIENT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_example_his_client_runs_a_day(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    his_client = load()
    sent: list[str] = []

    def send(body: bytes) -> dict[str, Any]:
        sent.append(body.decode())
        r = client.post("/api/v1/fsi", content=body, headers=as_("hospital", "H44030000001"))
        assert r.status_code == 200, r.text
        return dict(r.json())

    day = his_client.run_day(his_client.His(send, "H44030000001", TODAY), demo_id("360102", "19560312", 31), "张建国")
    s = day["settlement"]
    assert (s["medfee_sumamt"], s["fund_pay_sumamt"], s["acct_pay"], s["psn_cash_pay"]) == \
        ("1560.00", "492.15", "1067.85", "0.00")
    assert day["quote"]["fund_pay_sumamt"] == s["fund_pay_sumamt"] and day["queried"]["setl_id"] == s["setl_id"]
    assert day["reconciliation"]["stmt_rslt"] == "0"
    assert all('"/api/v1/hospital' not in b for b in sent) and len(sent) == 9  # the envelope alone
    verified(ctx)
