"""The pharmacy counter (定点零售药店): purchase pre-settle, settle and revoke (national 2101 / 2102 / 2103).

A purchase is a visit of the pharmacy (outpatient, or chronic outpatient for a certified 门诊慢特病 at a 双通道
pharmacy) with its lines, settled by the hospital settlement services themselves — the same eligibility,
calculation (yidi.domain.engine.pharmacy decides what the purchase may use), locks, idempotency, ledger and
clearing — so nothing here computes or stores money. The caller is the pharmacy's own key (a hospital
principal whose institution is a pharmacy); a hospital's key is refused here.

2101 registers the purchase under the pharmacy's `msgid` (a retry with the same msgid finds the same
purchase), uploads its lines (the same lines again change nothing) and answers the pre-settlement; 2102
settles it under an idempotency key; 2103 revokes a settlement within the window.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from yidi.domain import bounds as B
from yidi.domain.bill import FeeLine
from yidi.domain.enums import InstitutionKind, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.validation import Code, IdNumber, Strict, Text
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role, forbidden, require
from yidi.services.context import Context


class PurchaseIn(Strict):
    """2101 购药预结算: who buys, what (the lines), and for a 双通道 chronic purchase the certified disease."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    lines: list[FeeLine]
    chronic_disease: Code | None = Field(default=None, min_length=1, max_length=B.DISEASE_CODE)
    use_account: bool = Field(default=True, description="pay the person's share from the personal account")
    msgid: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                       description="the pharmacy's message id: a retry with the same msgid finds the same purchase")

    @field_validator("lines")
    @classmethod
    def _size(cls, v: list[FeeLine]) -> list[FeeLine]:
        return svc.UploadLinesIn(lines=v).lines  # the upload's bounds (not empty, at most one batch)


def pharmacy(ctx: Context, principal: Principal) -> str:
    """The pharmacy code of the caller; a hospital (or anyone else) is refused."""
    require(principal, Role.HOSPITAL, what_zh="办理药店购药结算", what_en="settle pharmacy purchases")
    with ctx.uow() as uow:
        inst = uow.institutions.cached(principal.subject)
    if inst is None or inst.kind is not InstitutionKind.PHARMACY:
        raise forbidden("以医疗机构身份办理药店购药交易（请用药店自己的密钥）",
                        "use the pharmacy counter as a hospital (use the pharmacy's own key)", "institution")
    return inst.code


def pre_settle(ctx: Context, principal: Principal, req: PurchaseIn) -> svc.Quote:
    """2101: the purchase registered (once per msgid), its lines uploaded, and what settling would give."""
    pharmacy(ctx, principal)
    vt = VisitType.CHRONIC_OUTPATIENT if req.chronic_disease else VisitType.OUTPATIENT
    visit = svc.register_visit(ctx, principal, svc.RegisterVisitIn(
        id_number=req.id_number, name=req.name, visit_type=vt, chronic_disease=req.chronic_disease, msgid=req.msgid))
    if visit.status != "OPEN":  # the msgid of a purchase already settled or revoked
        raise error("MSGID_REUSED", msgid=req.msgid)
    svc.upload_lines(ctx, principal, visit.mdtrt_id, svc.UploadLinesIn(lines=req.lines))
    return svc.pre_settle(ctx, principal, visit.mdtrt_id, svc.PreSettleIn(use_account=req.use_account))


def settle(ctx: Context, principal: Principal, mdtrt_id: str, req: svc.SettleIn) -> svc.SettlementView:
    """2102: settle the purchase (idempotent by key; race-safe as any settlement)."""
    pharmacy(ctx, principal)
    return svc.settle(ctx, principal, mdtrt_id, req)


def revoke(ctx: Context, principal: Principal, setl_id: str, req: svc.RevokeIn) -> svc.SettlementView:
    """2103: revoke a purchase's settlement: everything it consumed is restored."""
    pharmacy(ctx, principal)
    return svc.revoke(ctx, principal, setl_id, req)
