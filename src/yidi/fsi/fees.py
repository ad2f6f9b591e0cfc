"""2301 / 2204 费用明细上传 and 2302 / 2205 费用明细撤销 through the envelope."""

from __future__ import annotations

from typing import Any

from yidi.domain.error_catalogue import error
from yidi.domain.validation import validate_model
from yidi.fsi.envelope import Envelope
from yidi.fsi.fields import Node, bad
from yidi.fsi.persons import psn_no_check
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.context import Context

ALL_LINES = "0000"  # feedetl_sn of a withdrawal that means every line of the visit (as on the platform)
# what each line's answer carries, by its national name (the classification of yidi.domain.engine)
LINE_OUT = ("det_item_fee_sumamt", "selfpay_prop", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt",
            "inscp_scp_amt", "chrgitm_lv")


def _line(n: Node) -> dict[str, Any]:
    return {"line_id": n.text("feedetl_sn", required="明细流水号|line number", max_len=30),
            "code": n.text("med_list_codg", required="医保目录编码|catalogue code", max_len=50),
            "name": n.text("medins_list_name", max_len=200) or n.text("med_list_name", max_len=200) or "",
            "quantity": n.amount("cnt"), "unit_price": n.amount("pric"), "amount": n.amount("det_item_fee_sumamt"),
            "date": n.day("fee_ocur_time")}


def upload(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """One visit's lines per message (their mdtrt_id must agree); each line answered with its classification."""
    rows = inp.nodes("feedetail", limit=svc.MAX_BATCH) or inp.data("data").nodes("feedetail", limit=svc.MAX_BATCH)
    if not rows:
        raise error("FSI_FIELD_MISSING", field="feedetail", name="feedetail", what_zh="费用明细", what_en="fee lines")
    ids = {r.text("mdtrt_id", required="就诊 ID|the visit's mdtrt_id", max_len=32) for r in rows}
    if len(ids) != 1:
        raise bad("feedetail", "一次上传只能属于一次就诊（mdtrt_id 应相同）", "one message carries one visit's lines")
    for r in rows:
        psn_no_check(r)
    mdtrt_id = ids.pop()
    assert mdtrt_id is not None
    lines = [_line(r) for r in rows]
    v = svc.upload_lines(ctx, principal, mdtrt_id,
                         validate_model(svc.UploadLinesIn, {"lines": lines, "msgid": env.msgid}))
    sent = {ln["line_id"] for ln in lines}
    return {"result": [{"feedetl_sn": x["line_id"], "cnt": x["quantity"], "pric": x["unit_price"],
                        **{k: x[k] for k in LINE_OUT}, "memo": x["reason_zh"]}
                       for x in v.lines if x["line_id"] in sent]}


def withdraw(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """feedetl_sn "0000" (or none) withdraws every line; else the one line, or a list of them."""
    n = inp.data("data")
    psn_no_check(n)
    mdtrt_id = n.text("mdtrt_id", required="就诊 ID|the visit's mdtrt_id", max_len=32)
    assert mdtrt_id is not None
    raw = n.raw("feedetl_sn")
    ids = [str(x) for x in raw] if isinstance(raw, list) else None if raw in (None, ALL_LINES) else [str(raw)]
    svc.withdraw_lines(ctx, principal, mdtrt_id,
                       validate_model(svc.WithdrawLinesIn, {"line_ids": ids, "msgid": env.msgid}))
    return {}
