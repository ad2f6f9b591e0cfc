"""A month's clearing line between two agencies as a FHIR PaymentReconciliation: what the insured region's
agency pays the treatment region's for the month (funds + personal account), each fund and the adjustments
as details, both agencies' confirmations in the disposition; the library validates it before it is answered."""

from __future__ import annotations

import calendar
from typing import Any

from fhir.resources.R4B.paymentreconciliation import PaymentReconciliation

from yidi.clearing.report import FUNDS, yuan
from yidi.domain.clearing import MonthView
from yidi.fhir.eob import YIDI

# the details of a line beyond the funds: the account share and the late changes of earlier months
OTHER_DETAILS = (("acct_fen", "个人账户 personal account"), ("adjust_fen", "其中往月调整 of which adjustments"))


def rec_id(month: str, treatment_region: str, insured_region: str) -> str:
    """The resource id: month.treatment.insured (FHIR ids allow letters, digits, '-' and '.')."""
    return f"{month}.{treatment_region}.{insured_region}"


def _money(fen: int) -> dict[str, Any]:
    return {"value": yuan(fen), "currency": "CNY"}


def _agency(view: MonthView, code: str, role_zh: str, role_en: str) -> dict[str, Any]:
    return {"identifier": {"system": f"{YIDI}/admdvs", "value": code},
            "display": f"{role_zh} {view.name(code)} {code} ({role_en})"}


def payment_reconciliation(view: MonthView, line: dict[str, Any]) -> PaymentReconciliation:
    """The line as a PaymentReconciliation (outcome complete once the month is closed, queued while open)."""
    run, month = view.run, str(view.run["month"])
    t, i = line["treatment_region"], line["insured_region"]
    year, mon = int(month[:4]), int(month[5:7])
    ran = str(run.get("closed_at") or run.get("run_at") or f"{month}-01")
    payer, payee = _agency(view, i, "参保地", "insured region, pays"), _agency(view, t, "就医地", "treatment region, is paid")
    details = [{"type": {"coding": [{"system": f"{YIDI}/amount", "code": k, "display": label.split(" ", 1)[1]}],
                         "text": label.split(" ", 1)[0]},
                "submitter": payee, "payee": payee, "amount": _money(int(line.get(k) or 0))}
               for k, label in (*FUNDS, *OTHER_DETAILS) if line.get(k)]
    confirmed = {c["region"]: c["status"] for c in view.confirmations}
    data: dict[str, Any] = {
        "resourceType": "PaymentReconciliation",
        "id": rec_id(month, t, i),
        "identifier": [{"system": f"{YIDI}/clearing-line", "value": rec_id(month, t, i)}],
        "status": "active",
        "period": {"start": f"{month}-01", "end": f"{month}-{calendar.monthrange(year, mon)[1]:02d}"},
        "created": ran[:10],  # the day the month was run (or closed); a time would need its zone
        "paymentIssuer": payer,
        "requestor": payee,
        "outcome": "complete" if run.get("status") == "CLOSED" else "queued",
        "disposition": (f"{month} 清算 {run.get('status')}; 结算 {line.get('n_settle', 0)} 笔 settlements, "
                        f"撤销/调减 {line.get('n_revoke', 0)} taken back; 确认 confirmation: "
                        f"{i} {confirmed.get(i, '待确认 PENDING')}, {t} {confirmed.get(t, '待确认 PENDING')}"),
        "paymentDate": ran[:10],
        "paymentAmount": _money(int(line["cleared_fen"])),
        "detail": details or None,
        "processNote": [{"type": "display", "text": f"医疗费总额 total cost {yuan(int(line.get('medfee_fen') or 0))}, "
                                                    f"现金 cash {yuan(int(line.get('cash_fen') or 0))} "
                                                    "(paid by the person at the desk, not cleared)"}],
    }
    return PaymentReconciliation.model_validate({k: v for k, v in data.items() if v is not None})
