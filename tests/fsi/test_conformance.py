"""The conformance kit for HIS vendors (examples/fsi/) runs as a test: every request file through
POST /api/v1/fsi, every answer as its response file says (issue 18), on SQLite and PostgreSQL.

The amounts of the inpatient stay in the kit, by hand (the sample policy of Jiangxi provincial level 369900,
a retiree with a long-term filing to Shenzhen, at a level-3 hospital; the Guangdong sample catalogue):
- S001 bed 5 days x 80.00 = 400.00, price cap 60.00: 100.00 over the cap (overlmt_selfpay), 300.00 in scope;
- XA01 (class A) 10 x 35.00 = 350.00, all in scope; line 4 (35.00) is withdrawn before settling;
- XB01 (class B, 10 % first) 20 x 40.50 = 810.00: 81.00 paid first (preselfpay_amt), 729.00 in scope;
- total 1560.00; in scope 300.00 + 350.00 + 729.00 = 1379.00;
- deductible per admission at level 3: 800.00; pooled fund (1379.00 - 800.00) x 85 % = 492.15;
- the person's share 1560.00 - 492.15 = 1067.85, all from the account (8650.40 - 1067.85 = 7582.55 left);
- the year after: deductible 800.00 paid, fund 492.15 paid, 400000.00 - 492.15 = 399507.85 of the cap left.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.fsi.kit import KIT, steps
from tests.fsi.kit import run as run_kit
from tests.support.db import TODAY, as_
from tests.support.unchanged import verified
from yidi.demo.dataset import DemoPerson
from yidi.services.context import Context

HOSPITAL = as_("hospital", "H44030000001")


def sender(client: TestClient) -> Any:
    def send(body: bytes) -> dict[str, Any]:
        r = client.post("/api/v1/fsi", content=body, headers={**HOSPITAL, "Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        return dict(r.json())

    return send


def test_every_transaction_has_an_example() -> None:
    covered = {name.split("-")[1] for name in steps()}
    assert {"9001", "1101", "2201", "2202", "2301", "2302", "2303", "2304", "2305", "2401", "2402", "2403", "2404",
            "2405", "3201", "3202", "5203", "5206", "2601", "9101"} <= covered


def test_the_kit_runs_as_written(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    answers = dict(run_kit(sender(client), TODAY, "20260310090000"))
    # the refused cancel changed nothing: the withdrawal after it and the cancel then succeed
    assert answers["20-2404-admission-cancel"]["infcode"] == 0
    verified(ctx)


def test_a_replayed_settle_answers_the_same_settlement(ctx: Context, client: TestClient,
                                                       demo: dict[str, DemoPerson]) -> None:
    send = sender(client)
    answers = dict(run_kit(send, TODAY, "20260310090000"))
    settle = json.loads((KIT / "11-2304-settle.request.json").read_text(encoding="utf-8")
                        .replace("${stamp}", "20260310090000")
                        .replace("${mdtrt_id}", answers["05-2401-admit"]["output"]["result"]["mdtrt_id"]))
    again = send(json.dumps(settle, ensure_ascii=False).encode())
    # the same msgid: the settlement it made, now revoked (step 16): never paid twice
    assert again["infcode"] == 0, again
    assert again["output"]["setlinfo"]["setl_id"] == answers["11-2304-settle"]["output"]["setlinfo"]["setl_id"]
    assert again["output"]["setlinfo"]["setl_stas"] == "REVOKED"
    verified(ctx)

