"""Making a claim: a person (or agency staff at the counter) creates a draft and edits it while it is a draft
or returned for more papers."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from yidi.domain.claim_rules import ClaimState
from yidi.domain.claim_rules.records import ClaimRecord
from yidi.domain.enums import Level
from yidi.domain.error_catalogue import error
from yidi.domain.family import Act
from yidi.services import acting
from yidi.services.access import Principal, Role
from yidi.services.claims.access import doer, editable, visible
from yidi.services.claims.content import apply
from yidi.services.claims.history import now, record, touch
from yidi.services.claims.requests import ClaimIn
from yidi.services.claims.views import view
from yidi.services.context import Context
from yidi.store.retry import retrying


def new_claim_no(today: dt.date) -> str:
    """BX + date + 10 random hex digits: unguessable, so a number tried by a stranger finds nothing."""
    return f"BX{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def create(ctx: Context, principal: Principal, body: ClaimIn, id_number: str | None = None) -> dict[str, Any]:
    """A new claim in DRAFT (agency staff at a window give `id_number`; a person claims for themselves)."""
    doer(principal, "申请手工报销", "create claims")
    if body.visit is None:
        raise error("FIELD_MISSING", detail_zh="缺少必填字段：visit（就诊信息）", detail_en="field is required: visit",
                    field="visit")
    v = body.visit

    def run() -> dict[str, Any]:
        today = ctx.today()
        with ctx.uow() as uow:
            # the person themself, or staff of their insured region at the counter (yidi.services.acting)
            person = acting.target(uow, principal, id_number, Act.CLAIM, lock=True)
            at = now()
            claim = uow.claims.add(ClaimRecord(
                claim_no=new_claim_no(today), person_id_number=person.citizen_id.number,
                insured_region=person.insured_region, state=ClaimState.DRAFT,
                filed_by="" if principal.role is Role.PERSON else f"agency:{principal.subject}",
                institution=None, hospital_name="", hospital_region=person.insured_region,
                hospital_level=Level.UNRATED, visit_type=v.visit_type, admitted_on=v.admitted_on,
                created_at=at, updated_at=at))
            changed = apply(uow, ctx, principal, claim, person, body, today)
            record(uow, claim, "CREATED", None, principal, today, "", changed)
            uow.claims.save(claim)
            return view(ctx, uow, claim, person, principal)

    return retrying(run)


def edit(ctx: Context, principal: Principal, claim_no: str, body: ClaimIn) -> dict[str, Any]:
    """Change a draft or a returned claim; scans are not touched here (they are never lost by an edit)."""
    doer(principal, "修改报销申请", "edit claims")

    def run() -> dict[str, Any]:
        today = ctx.today()
        with ctx.uow() as uow:
            claim, person = visible(uow, principal, claim_no, lock=True)
            editable(claim)
            changed = apply(uow, ctx, principal, claim, person, body, today)
            touch(uow, claim, "EDITED", principal, today, changed)
            uow.claims.save(claim)
            return view(ctx, uow, claim, person, principal)

    return retrying(run)
