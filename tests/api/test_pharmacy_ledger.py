"""`yidi ledger verify` covers pharmacy purchases (issue 17), on SQLite and PostgreSQL: a settled purchase's
postings net to what it paid (the account-only one: the personal account's 60.00, the fund nothing), a revoked
one nets to nothing, and a purchase whose stored amounts no longer match its postings is reported by its id.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.test_chronic_and_pharmacy_e2e import PHARMACY, SHOP, purchase
from tests.settlement.helpers import key_for
from yidi.demo.dataset import DemoPerson
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.settlement_models import SettlementRow


@pytest.mark.edits_outside_yidi  # the stored split is changed behind yidi's back on purpose
def test_ledger_verify_checks_pharmacy_settlements(client: TestClient, ctx: Context,
                                                   demo: dict[str, DemoPerson]) -> None:
    p = demo["long_term_resident"]  # 369900, long-term filing to Beijing, personal account 3,120.00
    shop = key_for(ctx, PHARMACY)
    done = []
    for n in (1, 2):  # 2 x 30.00 each: account only, the account pays 60.00
        q = purchase(client, shop, p, f"PH-L{n}")
        s = client.post(f"{SHOP}/purchases/{q['mdtrt_id']}/settle", headers=shop, json={"idempotency_key": f"ph-ledger-{n:04d}"})
        assert s.status_code == 200 and s.json()["breakdown"]["acct_pay"] == "60.00", s.text
        done.append(s.json()["setl_id"])
    r = client.post(f"{SHOP}/settlements/{done[1]}/revoke", headers=shop, json={"reason": "顾客退药"})
    assert r.status_code == 200, r.text
    before = ledger.verify(ctx)
    assert before.ok, before.problems
    assert before.settlements == 2  # both purchases checked (one standing, one revoked)

    # the stored split changed behind the ledger's back: 1.00 moved from the account to cash
    with ctx.engine.begin() as conn:
        conn.execute(update(SettlementRow).where(SettlementRow.setl_id == done[0]).values(
            acct_pay_fen=SettlementRow.acct_pay_fen - 100, psn_cash_pay_fen=SettlementRow.psn_cash_pay_fen + 100))
    after = ledger.verify(ctx)
    assert not after.ok and any(x.startswith(f"{done[0]} (SETTLED): ledger nets to") for x in after.problems), after.problems
