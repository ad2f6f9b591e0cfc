"""门诊慢特病 certification use cases: apply, add papers, resubmit, withdraw; review by the insured region's
agency (approve with validity, return for material, reject with reason); what a hospital may ask.

A person applies for themself, or for a relative whose family link to them is confirmed (yidi.services.acting,
Act.CHRONIC: apply, add papers, resubmit, withdraw, follow); anyone else is refused with MAY_NOT_ACT_FOR_PERSON
before anything is written, and sees another's application as "not found". The history names who acted. The
agency sees the applications of persons insured in its region; another region's application is "not found".
An approval writes the certified disease, with its validity, on the person (yidi.store.repositories.reference
`certify`): what eligibility and settlement read. Scans go to the claims' content-addressed store
(yidi.store.scans), checked by content and structure first, and are written before the row that names them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

from yidi.domain import bounds as B
from yidi.domain import chronic as rules
from yidi.domain import claim_rules as scan_rules
from yidi.domain.chronic import Actor, CertAction, Certification, CertState
from yidi.domain.eligibility import normalise_name
from yidi.domain.error_catalogue import error
from yidi.domain.family import Act
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.validation import Code, Day, IdNumber, Strict, Text
from yidi.services import acting
from yidi.services.access import Principal, Role, require
from yidi.services.claims.requests import ClaimsConfig
from yidi.services.context import Context
from yidi.services.scan_check import check_scan
from yidi.store.repositories.chronic import CertEvent, CertPaper
from yidi.store.scans import ScanStore
from yidi.store.uow import Conflict, UnitOfWork


class ApplyIn(Strict):
    """An application: the disease (national 慢特病 code), the hospital that diagnosed it, when."""

    disease: Code = Field(min_length=1, max_length=B.DISEASE_CODE, description="e.g. M03900 高血压病")
    hospital: Text = Field(min_length=1, max_length=B.INSTITUTION_NAME, description="确诊医院")
    diagnosed_on: Day
    id_number: IdNumber | None = Field(default=None, description="for a relative who confirmed the family link; "
                                                                 "default yourself")


class Decision(StrEnum):
    APPROVE = "APPROVE"
    RETURN = "RETURN"
    REJECT = "REJECT"


class ReviewIn(Strict):
    """The agency's decision: approve with a validity, or return / reject with the reason."""

    decision: Decision
    valid_from: Day | None = None
    valid_until: Day | None = None
    reason: Text = Field(default="", max_length=B.LONG_REASON)

    @model_validator(mode="after")
    def _needs(self) -> ReviewIn:
        if self.decision is not Decision.APPROVE and not self.reason.strip():
            raise error("CHRONIC_REASON_REQUIRED")
        return self


class HolderIn(Strict):
    """Whom a hospital asks about: the ID number and the name as on the card."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    day: Day | None = None


@dataclass(frozen=True, slots=True)
class CertView:
    cert: Certification
    name: str
    papers: list[CertPaper]
    history: list[CertEvent]

    @property
    def id_number_masked(self) -> str:
        return mask_id(self.cert.citizen_id)


@dataclass(frozen=True, slots=True)
class Certified:
    """One disease a person is certified for on a day, as a hospital sees it."""

    disease: str
    valid_from: dt.date | None
    valid_until: dt.date | None


def new_cert_id(today: dt.date) -> str:
    """MT + date + 10 random hex digits: unguessable."""
    return f"MT{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def _not_found(cert_id: str) -> Exception:
    return error("CHRONIC_CERT_NOT_FOUND", cert_id=cert_id)


def _view(uow: UnitOfWork, cert: Certification) -> CertView:
    person = uow.persons.get(cert.citizen_id)
    return CertView(cert, person.name if person else "", uow.chronic_certs.papers(cert.cert_id),
                    uow.chronic_certs.events(cert.cert_id))


def _event(uow: UnitOfWork, cert: Certification, action: CertAction, principal: Principal, today: dt.date,
           note: str = "") -> None:
    actor = f"{principal.shown} {principal.user}".strip() if principal.role is Role.AGENCY else principal.shown
    uow.chronic_certs.record_event(cert, action=action.value, actor_role=principal.role.value, actor=actor,
                                   on_day=today, note=note)


def _visible(uow: UnitOfWork, principal: Principal, cert_id: str, *, lock: bool = False) -> Certification:
    """The applicant's own application, or one of the agency's region; anything else is not found."""
    cert = uow.chronic_certs.get(cert_id, lock=lock)
    if cert is None or (principal.role is Role.PERSON and not _own_or_linked(uow, principal, cert.citizen_id)) or (
            principal.role is Role.AGENCY and cert.insured_region != principal.subject):
        raise _not_found(cert_id)
    return cert


def _own_or_linked(uow: UnitOfWork, principal: Principal, citizen_id: str) -> bool:
    if citizen_id == principal.subject:
        return True
    person = uow.persons.get(citizen_id)
    return person is not None and acting.linked(uow, principal, person, Act.CHRONIC)


def apply(ctx: Context, principal: Principal, req: ApplyIn) -> CertView:
    """提交认定申请 for one disease; papers are added next, the agency reviews once there is at least one."""
    require(principal, Role.PERSON, what_zh="申请门诊慢特病认定", what_en="apply for chronic-disease certification")
    today = ctx.today()
    disease = req.disease.upper()
    rules.check_disease(disease)
    rules.check_diagnosed(req.diagnosed_on, today)
    with ctx.uow() as uow:
        # oneself or a linked relative; one person's applications serialise on the person's row lock
        person = acting.target(uow, principal, req.id_number, Act.CHRONIC, lock=True)
        mine = uow.chronic_certs.of_person(person.citizen_id.number)
        same = next((c for c in mine if c.disease == disease and c.state in rules.OPEN_STATES), None)
        if same is not None:
            raise error("CHRONIC_CERT_OPEN", disease=disease, disease_zh=rules.disease_name(disease), cert_id=same.cert_id)
        if sum(1 for c in mine if c.state in rules.OPEN_STATES) >= rules.MAX_OPEN_PER_PERSON:
            raise error("CHRONIC_CERT_TOO_MANY", max_open=rules.MAX_OPEN_PER_PERSON)
        cert = Certification(new_cert_id(today), person.citizen_id.number, person.insured_region, disease,
                             req.hospital.strip(), req.diagnosed_on, CertState.APPLIED, today)
        try:
            uow.chronic_certs.save(cert)
        except Conflict:  # the same application sent twice at once: the other one was stored
            raise error("CHRONIC_CERT_OPEN", disease=disease, disease_zh=rules.disease_name(disease),
                        cert_id="") from None
        _event(uow, cert, CertAction.APPLY, principal, today, f"{disease} {req.hospital.strip()}")
        return _view(uow, cert)


def add_paper(ctx: Context, principal: Principal, cert_id: str, filename: str, declared_type: str | None,
              data: bytes, config: ClaimsConfig | None = None) -> CertView:
    """上传材料: a diagnosis certificate or record (PDF/JPEG/PNG, checked by content and structure)."""
    require(principal, Role.PERSON, what_zh="上传认定材料", what_en="upload certification papers")
    cfg = config or ClaimsConfig.from_env()
    kind = scan_rules.sniff(data, filename, declared_type, cfg.max_scan_bytes)
    check_scan(kind, data)
    safe_name = Path(filename.replace("\\", "/")).name[:200] or f"scan.{kind}"
    with ctx.uow() as uow:  # check first, so a refused upload leaves no file behind either
        cert = _visible(uow, principal, cert_id)
        rules.move(cert, CertAction.ADD_PAPER, Actor.PERSON)
    sha = ScanStore(cfg.data_dir).put(data)
    today = ctx.today()
    with ctx.uow() as uow:
        cert = rules.move(_visible(uow, principal, cert_id, lock=True), CertAction.ADD_PAPER, Actor.PERSON)
        if len(uow.chronic_certs.papers(cert_id)) >= rules.MAX_PAPERS:
            raise error("CHRONIC_PAPERS_TOO_MANY", max_papers=rules.MAX_PAPERS)
        uow.chronic_certs.add_paper(cert_id, CertPaper(0, sha, len(data), kind, safe_name, dt.datetime.now(dt.UTC)))
        _event(uow, cert, CertAction.ADD_PAPER, principal, today, safe_name)
        return _view(uow, cert)


def paper(ctx: Context, principal: Principal, cert_id: str, paper_id: int,
          config: ClaimsConfig | None = None) -> tuple[bytes, str, str]:
    """A paper's bytes, media type and file name (the applicant, or staff of the insured region)."""
    cfg = config or ClaimsConfig.from_env()
    require(principal, Role.PERSON, Role.AGENCY, what_zh="查看认定材料", what_en="see certification papers")
    with ctx.uow() as uow:
        _visible(uow, principal, cert_id)
        found = next((p for p in uow.chronic_certs.papers(cert_id) if p.paper_id == paper_id), None)
    if found is None:
        raise error("DOCUMENT_NOT_FOUND", doc_id=paper_id)
    return ScanStore(cfg.data_dir).get(found.sha256), scan_rules.media_type(found.kind), found.filename


def _person_act(ctx: Context, principal: Principal, cert_id: str, action: CertAction, note: str = "") -> CertView:
    require(principal, Role.PERSON, what_zh=action.zh, what_en=action.value.lower())
    today = ctx.today()
    with ctx.uow() as uow:
        cert = _visible(uow, principal, cert_id, lock=True)
        moved = rules.move(cert, action, Actor.PERSON)
        if action is CertAction.RESUBMIT and not uow.chronic_certs.papers(cert_id):
            raise error("CHRONIC_PAPERS_MISSING")
        uow.chronic_certs.save(moved)
        _event(uow, moved, action, principal, today, note)
        return _view(uow, moved)


def resubmit(ctx: Context, principal: Principal, cert_id: str) -> CertView:
    """补充材料后重新提交 a returned application."""
    return _person_act(ctx, principal, cert_id, CertAction.RESUBMIT)


def withdraw(ctx: Context, principal: Principal, cert_id: str) -> CertView:
    """撤回 an application the agency has not decided."""
    return _person_act(ctx, principal, cert_id, CertAction.WITHDRAW)


def review(ctx: Context, principal: Principal, cert_id: str, req: ReviewIn) -> CertView:
    """审核 by staff of the applicant's insured region (reviewer duty, checked at the door)."""
    require(principal, Role.AGENCY, what_zh="审核门诊慢特病认定", what_en="review chronic-disease certification")
    today = ctx.today()
    action = {Decision.APPROVE: CertAction.APPROVE, Decision.RETURN: CertAction.RETURN,
              Decision.REJECT: CertAction.REJECT}[req.decision]
    with ctx.uow() as uow:
        cert = _visible(uow, principal, cert_id, lock=True)
        moved = rules.move(cert, action, Actor.AGENCY)
        if action is CertAction.APPROVE:
            if not uow.chronic_certs.papers(cert_id):
                raise error("CHRONIC_PAPERS_MISSING")
            start = req.valid_from or today
            until = req.valid_until or rules.default_until(start)
            rules.check_validity(start, until, cert.diagnosed_on)
            moved = rules.decided(moved, today, valid_from=start, valid_until=until)
            uow.persons.certify(cert.citizen_id, cert.disease, start, until)
            note = f"{start} — {until}"
        else:
            moved = rules.decided(moved, today, reason=req.reason.strip())
            note = req.reason.strip()
        uow.chronic_certs.save(moved)
        _event(uow, moved, action, principal, today, note)
        return _view(uow, moved)


def mine(ctx: Context, principal: Principal, id_number: str | None = None) -> list[CertView]:
    """我的门诊慢特病: every application and certification of the signed-in person (or of a relative who
    confirmed the family link), newest first."""
    require(principal, Role.PERSON, what_zh="查看门诊慢特病认定", what_en="see chronic-disease certifications")
    with ctx.uow() as uow:
        person = acting.target(uow, principal, id_number, Act.CHRONIC)
        return [_view(uow, c) for c in uow.chronic_certs.of_person(person.citizen_id.number)]


def get(ctx: Context, principal: Principal, cert_id: str) -> CertView:
    require(principal, Role.PERSON, Role.AGENCY, what_zh="查看门诊慢特病认定", what_en="see chronic-disease certifications")
    with ctx.uow() as uow:
        return _view(uow, _visible(uow, principal, cert_id))


def queue(ctx: Context, principal: Principal, states: tuple[CertState, ...] = (CertState.APPLIED,),
          limit: int = 100) -> list[CertView]:
    """待审核: the region's applications in these states, oldest first."""
    require(principal, Role.AGENCY, what_zh="查看认定申请", what_en="see chronic-disease applications")
    with ctx.uow() as uow:
        return [_view(uow, c) for c in uow.chronic_certs.of_region(principal.subject, states, limit=limit)]


def certified_of(ctx: Context, principal: Principal, req: HolderIn) -> list[Certified]:
    """Which 门诊慢特病 a person is certified for on a day (default today), as a hospital asks at the desk.

    Like the identity check at admission, the name must match the ID number; otherwise the answer is the
    same "not found" as for an unknown number, so the door tells nothing about who is insured.
    """
    require(principal, Role.HOSPITAL, what_zh="查询门诊慢特病认定", what_en="look up chronic-disease certifications")
    cid = parse_citizen_id(req.id_number, "id_number")
    day = req.day or ctx.today()
    with ctx.uow() as uow:
        person = uow.persons.get(cid.number)
    if person is None or normalise_name(person.name) != normalise_name(req.name):
        raise error("PERSON_NOT_FOUND")
    periods = {code: (start, until) for code, start, until in person.chronic_periods}
    return [Certified(d, *periods.get(d, (None, None))) for d in sorted(person.chronic_diseases)
            if person.chronic_certified(d, day)]

