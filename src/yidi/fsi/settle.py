"""2303 / 2206 预结算, 2304 / 2207 结算, 2305 / 2208 结算撤销, 5203 结算信息查询, 2601 冲正 through the envelope.

`setlinfo` carries the breakdown's amounts under their national names (yidi.domain.amounts: they are the
2304 setlinfo names already) as strings exact to the fen; `setldetail` one row per fund that paid. A
revocation answers the settlement's amounts negated, as the platform's refund records are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.validation import validate_model
from yidi.fsi.envelope import Envelope
from yidi.fsi.fields import Node, bad
from yidi.fsi.persons import psn_no_check
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.views import SettlementView

# fund_pay_type of each fund field, as public HIS code shows them [B]; the pooled fund's depends on the scheme
FUND_TYPES = {
    ("hifp_pay", "310"): ("310100", "职工基本医疗保险统筹基金"), ("hifp_pay", "390"): ("390100", "城乡居民基本医疗保险基金"),
    ("hifob_pay", ""): ("330100", "职工大额医疗费用补助"), ("cvlserv_pay", ""): ("320100", "公务员医疗补助"),
    ("hifmi_pay", ""): ("390200", "城乡居民大病医疗保险"), ("maf_pay", ""): ("610100", "医疗救助基金"),
}
CLR_TYPE = {VisitType.INPATIENT: "21", VisitType.OUTPATIENT: "11"}  # 住院 / 门诊 [C]


def setlinfo(b: dict[str, Any], sign: int = 1) -> dict[str, Any]:
    """The breakdown's amounts by national name; `sign` -1 negates them (a revocation)."""
    out: dict[str, Any] = {}
    for f in AMOUNT_FIELDS:
        if f in b:
            v = Decimal(str(b[f]))
            out[f] = str(v if sign > 0 or f == "balc" else -v)
    for k in ("insutype", "pool_prop_selfpay", "insured_region", "treatment_region", "basis", "policy_version"):
        if k in b:
            out[k] = b[k]
    out["insuplc_admdvs"] = b.get("insured_region")
    return out


def setldetail(b: dict[str, Any], sign: int = 1) -> list[dict[str, Any]]:
    rows = []
    for f in ("hifp_pay", "hifob_pay", "cvlserv_pay", "hifmi_pay", "maf_pay"):
        amt = Decimal(str(b.get(f, "0")))
        if amt:
            code, name = FUND_TYPES.get((f, str(b.get("insutype", ""))), FUND_TYPES.get((f, ""), ("", f)))
            rows.append({"fund_pay_type": code, "fund_pay_type_name": name, "fund_payamt": str(sign * amt),
                         "inscp_scp_amt": str(b.get("inscp_scp_amt", "0.00"))})
    return rows


def _quote_body(n: Node) -> dict[str, Any]:
    for k in ("mdtrt_cert_type", "mdtrt_cert_no", "card_sn", "psn_setlway", "insutype", "invono", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
              "inscp_scp_amt"):
        n.raw(k)  # the visit names the person; the HIS's own sums: yidi computes them (medfee_sumamt is compared)
    body: dict[str, Any] = {"use_account": n.flag("acct_used_flag", True), "medfee_sumamt": n.amount("medfee_sumamt"),
                            "mid_setl": n.flag("mid_setl_flag", False)}
    # 家庭共济 (yidi's field: the platform binds the family member beforehand): the payer's certificate number;
    # its amount comes back as setlinfo.acct_mulaid_pay
    payer = n.text("mulaid_psn_certno", max_len=18)
    if payer:
        body["mulaid_payer"] = payer
    return body


def _mdtrt_id(n: Node) -> str:
    found = n.text("mdtrt_id", required="就诊 ID|the visit's mdtrt_id", max_len=32)
    assert found is not None
    return found


def pre_settle(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("data")
    q = svc.pre_settle(ctx, principal, _mdtrt_id(n), validate_model(svc.PreSettleIn, _quote_body(n)))
    return {"setlinfo": {"mdtrt_id": q.mdtrt_id, "psn_no": n.text("psn_no", max_len=40), **setlinfo(q.breakdown)},
            "setldetail": setldetail(q.breakdown)}


def _settled(v: SettlementView, psn_no: Any, sign: int = 1) -> dict[str, Any]:
    b = v.breakdown
    visit_type = VisitType(b["visit_type"]) if "visit_type" in b else VisitType.INPATIENT
    return {"setlinfo": {"setl_id": v.setl_id, "mdtrt_id": v.mdtrt_id, "psn_no": psn_no,
                         "setl_time": v.settled_at.strftime("%Y-%m-%d %H:%M:%S"), "clr_type": CLR_TYPE[visit_type],
                         "setl_stas": v.status, "mid_setl_flag": "1" if v.mid_setl else "0", "part": v.part,
                         **setlinfo(b, sign)},
            "setldetail": setldetail(b, sign)}


def settle(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """结算, idempotent by msgid (it is the idempotency key: the same msgid and body answer the same
    settlement, and never pay twice)."""
    if env.msgid is None:
        raise error("FSI_FIELD_MISSING", field="msgid", name="msgid", what_zh="结算须带报文号，用作幂等键",
                    what_en="settle needs the msgid, its idempotency key")
    n = inp.data("data")
    body = {**_quote_body(n), "idempotency_key": env.msgid, "msgid": env.msgid}
    v = svc.settle(ctx, principal, _mdtrt_id(n), validate_model(svc.SettleIn, body))
    return _settled(v, n.text("psn_no", max_len=40))


def revoke(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("data")
    psn_no_check(n)
    setl_id = n.text("setl_id", required="结算 ID|the settlement's setl_id", max_len=32)
    assert setl_id is not None
    mdtrt_id = n.text("mdtrt_id", max_len=32)
    shown = svc.show_settlement(ctx, principal, setl_id)
    if mdtrt_id is not None and mdtrt_id != shown.mdtrt_id:
        raise bad("mdtrt_id", f"结算 {setl_id} 不属于就诊 {mdtrt_id}", f"settlement {setl_id} is not of visit {mdtrt_id}")
    v = svc.revoke(ctx, principal, setl_id, validate_model(svc.RevokeIn, {"msgid": env.msgid}))
    return _settled(v, n.text("psn_no", max_len=40), -1)


def show(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("data")
    psn_no_check(n)
    setl_id = n.text("setl_id", required="结算 ID|the settlement's setl_id", max_len=32)
    assert setl_id is not None
    n.text("mdtrt_id", max_len=32)
    return _settled(svc.show_settlement(ctx, principal, setl_id), n.text("psn_no", max_len=40))


def reverse(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """冲正 by the original message's msgid (omsgid); oinfno is read and not needed (yidi knows it)."""
    n = inp.data("data")
    psn_no_check(n)
    om = n.text("omsgid", required="原报文号|the original msgid", max_len=64)
    n.text("oinfno", max_len=10)
    r = svc.reverse(ctx, principal, validate_model(svc.ReversalIn, {"omsgid": om}))
    return {"data": {"omsgid": r.omsgid, "oinfno": r.oinfno, "result": r.result, "setl_id": r.setl_id,
                     "setl_stas": r.settlement_status, "msg": r.message_zh}}
