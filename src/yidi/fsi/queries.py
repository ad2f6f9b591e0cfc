"""9001 签到, 1101 人员信息获取, 5206 人员累计信息查询, 3201 对总账, 3202 对明细账 through the envelope."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from yidi.domain.error_catalogue import error
from yidi.domain.validation import validate_model
from yidi.fsi import files
from yidi.fsi.envelope import BEIJING, Envelope
from yidi.fsi.fields import Node, bad
from yidi.fsi.persons import E_CREDENTIAL, id_number
from yidi.services import credentials
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import hospital


def sign_in(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """签到: a sign_no for the operator's day. yidi authenticates every message by the institution's key, so
    the sign_no is issued for HIS software that needs one and is not checked afterwards."""
    hospital(principal, "签到", "sign in")
    n = inp.data("signIn", "sign_in", "data")
    n.text("opter_no", max_len=30)
    n.text("mac", max_len=40)
    n.text("ip", max_len=60)
    now = dt.datetime.now(BEIJING)
    return {"signinoutb": {"sign_time": now.strftime("%Y-%m-%d %H:%M:%S"),
                           "sign_no": f"{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"}}


def person(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """人员信息获取: by e-credential (01: the code is redeemed, once; it proves who the bearer is), or by the
    ID number with the name, which must match (an ID number alone opens nobody's record)."""
    n = inp.data("data")
    n.day("begntime")
    if n.values.get("mdtrt_cert_type") == E_CREDENTIAL:
        n.text("mdtrt_cert_type")
        n.text("psn_name", max_len=50)
        token = n.text("mdtrt_cert_no", required="医保电子凭证（扫码所得）|the scanned e-credential", max_len=200)
        assert token is not None
        cid, p = credentials.redeem(ctx, principal, token, env.credential_key)
        return _person_out(cid, p)
    cid = id_number(n)
    n.text("psn_cert_type", max_len=4)
    name = n.text("psn_name", required="姓名（与证件号一同核对）|name (checked with the ID number)", max_len=50)
    return _person_out(cid, svc.person_info(ctx, principal, validate_model(svc.PersonQueryIn,
                                                                           {"id_number": cid, "name": name})))


def _person_out(cid: str, p: svc.PersonInfo) -> dict[str, Any]:
    return {
        "baseinfo": {"psn_no": cid, "psn_cert_type": "01", "certno": p.person_id_number, "psn_name": p.name},
        "insuinfo": [{"balc": p.balc, "insutype": p.insutype, "psn_type": p.category, "psn_insu_stas": p.status,
                      "insuplc_admdvs": p.insured_region, "scheme": p.scheme}],
        "idetinfo": [],
    }


def accumulators(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """人员累计信息查询: `cum_ym` (yyyyMM) names the year; each sum as a cuminfo row (cum_type_code is yidi's
    name of the sum, as cumulative types are regional)."""
    n = inp.data("data")
    cid = id_number(n)
    ym = n.text("cum_ym", max_len=6)
    year = None
    if ym is not None:
        if not (len(ym) in (4, 6) and ym.isdigit()):
            raise bad("cum_ym", "应为 yyyyMM", "must be yyyyMM")
        year = int(ym[:4])
    a = svc.accumulators(ctx, principal, validate_model(svc.AccumulatorQueryIn, {"id_number": cid, "year": year}))
    rows = [{"year": a.year, "cum_type_code": f"{kind}.{k}", "cum": v}
            for kind, sums in (("deductible_paid", a.deductible_paid), ("fund_paid", a.fund_paid),
                               ("cap_left", a.cap_left), ("layer_paid", a.layer_paid)) for k, v in sums.items()]
    return {"cuminfo": rows, "admissions": a.admissions, "settlements": a.settlements, "acc_version": a.version}


def _day(n: Node) -> dt.date:
    begin = n.day("stmt_begndate")
    end = n.day("stmt_enddate") or begin
    if begin is None or end is None:
        raise error("FSI_FIELD_MISSING", field="stmt_begndate", name="stmt_begndate", what_zh="对账日期",
                    what_en="the day to reconcile")
    if begin != end:
        raise bad("stmt_enddate", "每次对一天的账（起止日期相同）", "one day per reconciliation (same begin and end)")
    return begin


def _total(n: Node, name: str) -> Decimal:
    v = n.amount(name)
    if v is None:
        raise error("FSI_FIELD_MISSING", field=name, name=name, what_zh="对账金额", what_en="a total to compare")
    return v


def reconcile(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """对总账 3201 (totals) and 对明细账 3202 (totals and the day's settlements: the file uploaded with 9101 that
    `file_qury_no` names, or `setl_list` inline). When
    cash_payamt is left out (3201 often does), it is medfee_sumamt - fund_pay_sumamt - acct_pay, the
    identity every settlement keeps."""
    n = inp.data("data")
    for k in ("insutype", "clr_type", "setl_optins", "file_qury_no", "refd_setl_flag"):
        n.text(k, max_len=30)
    day = _day(n)
    medfee, fund, acct = _total(n, "medfee_sumamt"), _total(n, "fund_pay_sumamt"), _total(n, "acct_pay")
    cash = n.amount("cash_payamt")
    count = n.text("fixmedins_setl_cnt", required="结算笔数|settlement count", max_len=10)
    assert count is not None
    if not count.lstrip("-").isdigit():
        raise bad("fixmedins_setl_cnt", "应为整数", "must be a whole number")
    body: dict[str, Any] = {"day": day, "count": int(count), "medfee_sumamt": medfee, "fund_pay_sumamt": fund,
                            "acct_pay": acct, "cash_payamt": cash if cash is not None else medfee - fund - acct}
    file_qury_no = n.text("file_qury_no", max_len=40)
    if env.infno == "3202" and file_qury_no:
        body["settlements"] = files.detail_items(ctx, principal, file_qury_no)
    elif env.infno == "3202":
        items = inp.nodes("setl_list", limit=100_000) or n.nodes("setl_list", limit=100_000)
        body["settlements"] = [{"setl_id": i.text("setl_id", required="结算编号|settlement id", max_len=40),
                                "medfee_sumamt": _total(i, "medfee_sumamt"),
                                "fund_pay_sumamt": _total(i, "fund_pay_sumamt"), "acct_pay": _total(i, "acct_pay"),
                                "cash_payamt": _total(i, "cash_payamt"), "revoked": i.flag("refd_setl_flag", False)}
                               for i in items]
    r = svc.reconcile(ctx, principal, validate_model(svc.ReconcileIn, body))
    ok = r.result == "match"
    return {"stmtinfo": {"setl_optins": n.values.get("setl_optins"), "stmt_rslt": "0" if ok else "1",
                         "stmt_rslt_dscr": "对账一致" if ok else "对账不一致", "ours": r.ours},
            "stmt_detail": r.differences}
