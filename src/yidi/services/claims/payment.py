"""Paying approved claims: the region's payment batch (the bank file with its checksum), marking it paid with
each claim's balanced PAY posting — once, whatever races — and the check that the claim postings balance."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from yidi.domain.claim_rules import ClaimAction
from yidi.domain.claim_rules.records import ClaimRecord, Payment, PaymentBatch
from yidi.domain.error_catalogue import error
from yidi.domain.ledger import FUND_FIELDS, claim_legs
from yidi.domain.money import ZERO, fmt
from yidi.services.access import Principal
from yidi.services.claims.access import agency
from yidi.services.claims.history import move, now, record
from yidi.services.context import Context
from yidi.services.personal_data import mask_account, mask_name
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork

Transfers = Sequence[tuple[Payment, ClaimRecord]]


def export_csv(batch: PaymentBatch, transfers: Transfers, encoding: str = "utf-8") -> bytes:
    """The bank file: a header, one transfer per line, a totals line, then `SHA256,<hex>` over every byte
    above it (in the file's own encoding), so the bank or the agency can tell a file was altered."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["batch_no", "insured_region", "created_on", "count", "total"])
    w.writerow([batch.batch_no, batch.insured_region, batch.created_on.isoformat(), batch.count, fmt(batch.total)])
    w.writerow(["seq", "claim_no", "payee_name", "bank_name", "bank_account", "amount"])
    for pay, _claim in transfers:
        w.writerow([pay.seq, pay.claim_no, pay.payee_name, pay.bank_name, pay.bank_account, fmt(pay.amount)])
    w.writerow(["TOTAL", batch.count, fmt(batch.total)])
    body = buf.getvalue().encode(encoding)
    return body + f"SHA256,{hashlib.sha256(body).hexdigest()}\r\n".encode(encoding)


def _batch_view(batch: PaymentBatch, transfers: Transfers) -> dict[str, Any]:
    return {"batch_no": batch.batch_no, "insured_region": batch.insured_region, "status": batch.status,
            "count": batch.count, "total": fmt(batch.total), "checksum": batch.checksum,
            "created_on": batch.created_on.isoformat(), "paid_on": batch.paid_on.isoformat() if batch.paid_on else None,
            "bank_reference": batch.bank_reference,
            "claims": [{"seq": p.seq, "claim_no": c.claim_no, "state": c.state.value, "payee_name": mask_name(p.payee_name),
                        "bank_account": mask_account(p.bank_account), "amount": fmt(p.amount)}
                       for p, c in transfers]}


def create_batch(ctx: Context, principal: Principal) -> dict[str, Any]:
    """Gather every approved claim of the region not yet in a batch into a new batch."""
    region = agency(principal, "生成支付批次", "create payment batches")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with ctx.uow() as uow:
            batch = PaymentBatch(f"PB{today:%Y%m%d}{secrets.token_hex(4).upper()}", region, "OPEN", 0, ZERO, "",
                                 principal.shown, today, now())
            uow.claim_batches.add(batch)
            # a claim approved at 0.00 (deductible not reached) has nothing to transfer and stays APPROVED
            claims = uow.claim_batches.gather(batch)
            if not claims:
                raise error("BATCH_EMPTY", detail_zh="没有待支付的已审核报销申请",
                            detail_en="no approved claims waiting for payment")
            transfers = [(Payment(n, c.claim_no, c.fund_pay_sumamt or ZERO, c.account_holder, c.bank_name, c.bank_account), c)
                         for n, c in enumerate(claims, 1)]
            uow.claim_batches.add_payments(batch, [p for p, _c in transfers])
            for c in claims:
                record(uow, c, "BATCHED", c.state, principal, today, "", {"batch_no": batch.batch_no})
            batch.count = len(claims)
            batch.total = sum((p.amount for p, _c in transfers), ZERO)
            text = export_csv(batch, transfers)
            batch.checksum = text.decode().rsplit("SHA256,", 1)[1].strip()
            uow.claim_batches.save(batch)
            return _batch_view(batch, transfers)

    return retrying(run)


def _batch(uow: UnitOfWork, principal: Principal, batch_no: str) -> PaymentBatch:
    region = agency(principal, "查看支付批次", "see payment batches")
    batch = uow.claim_batches.get(batch_no)
    if batch is None or batch.insured_region != region:
        raise error("BATCH_NOT_FOUND", batch_no=batch_no)
    return batch


def show_batch(ctx: Context, principal: Principal, batch_no: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        batch = _batch(uow, principal, batch_no)
        return _batch_view(batch, uow.claim_batches.payments(batch_no))


def batch_file(ctx: Context, principal: Principal, batch_no: str, encoding: str = "utf-8") -> bytes:
    if encoding not in ("utf-8", "gb18030"):
        raise error("FIELD_CHOICE", detail_zh="编码只能是 utf-8 或 gb18030",
                    detail_en="encoding must be utf-8 or gb18030", field="encoding")
    with ctx.uow() as uow:
        batch = _batch(uow, principal, batch_no)
        return export_csv(batch, uow.claim_batches.payments(batch_no), encoding)


def pay_legs(claim: ClaimRecord) -> list[tuple[str, Decimal]]:
    """The claim's PAY posting (yidi.domain.ledger.claim_legs) from its approved breakdown."""
    b = claim.breakdown or {}
    return claim_legs(claim.insured_region, claim.person_key, {f: Decimal(b.get(f, "0")) for f in FUND_FIELDS},
                      claim.fund_pay_sumamt or ZERO)


def mark_paid(ctx: Context, principal: Principal, batch_no: str, bank_reference: str = "") -> dict[str, Any]:
    """The bank has paid the batch: each claim moves to PAID and its posting is written — once."""
    today = ctx.today()
    with ctx.uow() as uow:
        _batch(uow, principal, batch_no)
        if not uow.claim_batches.mark_paid(batch_no, today, principal.shown, bank_reference[:64]):
            raise error("BATCH_ALREADY_PAID", batch_no=batch_no)
        batch = uow.claim_batches.get(batch_no)
        assert batch is not None
        at = now()
        transfers = []
        for pay, listed in uow.claim_batches.payments(batch_no):
            claim = uow.claims.get(listed.claim_no, lock=True)
            assert claim is not None
            move(uow, claim, ClaimAction.PAY, principal, today, "", {"batch_no": batch_no})
            claim.paid_on = today
            uow.claim_batches.post(claim, batch_no, "PAY", pay_legs(claim), today, at)
            uow.claims.save(claim)
            transfers.append((pay, claim))
        return _batch_view(batch, transfers)


def ledger_balances(ctx: Context) -> dict[str, Any]:
    """Every claim posting must sum to zero and match its claim's approved amount (a check for `yidi`)."""
    with ctx.uow() as uow:
        bad, paid, posted = uow.claim_batches.ledger_check()
        return {"ok": not bad and paid == posted, "unbalanced": bad, "paid_claims": paid, "posted_claims": posted}

