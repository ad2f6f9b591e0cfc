"""2401 入院办理, 2201 门诊挂号, 2202 挂号撤销, 2402 出院办理, 2403 住院信息变更, 2404 入院撤销, 2405 出院撤销."""

from __future__ import annotations

from typing import Any

from yidi.domain.enums import VisitType
from yidi.domain.validation import validate_model
from yidi.domain.visit_states import ADMISSIONS, OUTPATIENT_VISITS
from yidi.fsi.envelope import Envelope
from yidi.fsi.fields import Node
from yidi.fsi.persons import id_number, psn_no_check
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.views import VisitView

CHRONIC_MED_TYPE = "14"  # 门诊慢特病: the disease (dise_codg) must be certified for the person


def _mdtrt_id(n: Node) -> str:
    psn_no_check(n)
    found = n.text("mdtrt_id", required="就诊 ID|the visit's mdtrt_id", max_len=32)
    assert found is not None
    return found


def _register(ctx: Context, principal: Principal, env: Envelope, n: Node, visit_type: VisitType) -> VisitView:
    cid = id_number(n)
    # yidi matches the ID number with the name at every registration (docs/rules.md ), so psn_name,
    # which the HIS has from 1101, is needed here too
    name = n.text("psn_name", required="姓名（与证件号一同核对）|name (checked with the ID number)", max_len=50)
    med_type = n.text("med_type", max_len=6)
    chronic = None
    if med_type == CHRONIC_MED_TYPE and visit_type is VisitType.OUTPATIENT:  # 门诊慢特病: its disease
        visit_type = VisitType.CHRONIC_OUTPATIENT
        chronic = n.text("dise_codg", required="门诊慢特病病种编码（med_type 14）|the chronic disease (med_type 14)",
                         max_len=30)
    body = {"id_number": cid, "name": name, "visit_type": visit_type, "admitted_on": n.day("begntime"),
            "chronic_disease": chronic, "msgid": env.msgid}
    return svc.register_visit(ctx, principal, validate_model(svc.RegisterVisitIn, body))


def _registered(v: VisitView, n: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"mdtrt_id": v.mdtrt_id, "psn_no": n.text("psn_no", max_len=40),
                           "ipt_otp_no": n.text("ipt_otp_no", max_len=40) or n.text("ipt_no", max_len=40),
                           "eligible": v.eligible}
    if not v.eligible:  # registered, but not settleable until a post-hoc filing: say why (trt_chk_rslt)
        out["trt_chk_rslt"] = "；".join(str(r.get("message_zh", "")) for r in v.eligibility.get("reasons", []))
    return out


def admit(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("mdtrtinfo", "data")
    inp.nodes("diseinfo", limit=100)
    v = _register(ctx, principal, env, n, VisitType.INPATIENT)
    return {"result": _registered(v, n)}


def register_outpatient(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("data")
    v = _register(ctx, principal, env, n, VisitType.OUTPATIENT)
    return {"data": _registered(v, n)}


def cancel_registration(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """2202 cancels an outpatient registration, 2404 an admission (each refuses the other kind)."""
    n = inp.data("data")
    only = ADMISSIONS if env.infno == "2404" else OUTPATIENT_VISITS
    svc.cancel_visit(ctx, principal, _mdtrt_id(n), validate_model(svc.CancelVisitIn, {"msgid": env.msgid}), only)
    return {}


def discharge(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("dscginfo", "data")
    inp.nodes("diseinfo", limit=100)
    body = {"discharge_date": n.day("endtime") or n.day("dscg_time"), "msgid": env.msgid}
    svc.discharge(ctx, principal, _mdtrt_id(n), validate_model(svc.DischargeIn, body))
    return {}


def change(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("adminfo", "mdtrtinfo", "data")
    inp.nodes("diseinfo", limit=100)
    body = {"admitted_on": n.day("begntime"), "msgid": env.msgid}
    v = svc.change_visit(ctx, principal, _mdtrt_id(n), validate_model(svc.ChangeVisitIn, body))
    return {"result": {"mdtrt_id": v.mdtrt_id, "eligible": v.eligible}}


def cancel_discharge(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    n = inp.data("data")
    svc.cancel_discharge(ctx, principal, _mdtrt_id(n), validate_model(svc.CancelDischargeIn, {"msgid": env.msgid}))
    return {}
