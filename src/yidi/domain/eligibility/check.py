"""check_eligibility(): may this visit settle directly, under which filing, and if not, every reason why.

The order of the checks: who is this (R-9.7), insured on the visit day (R-9.6), no open admission
elsewhere (R-9.11), the chronic disease certified at home (R-9.10), then — for cross-region care only —
the hospital networked for the visit type (R-9.5) and a filing that covers the visit (R-1.8, R-1.9,
R-9.1–R-9.4). Local and intra-province care (yidi.domain.scope) is answered with a note, not a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from yidi.domain.eligibility.filing_reasons import filing_reasons
from yidi.domain.eligibility.identity import (
    gender_reason,
    not_found_reason,
    parse_gender,
    record_reasons,
    status_reason,
)
from yidi.domain.eligibility.result import (
    AGENCY,
    APP,
    HOSPITAL,
    PREVIOUS,
    EligibilityResult,
    Reason,
    label,
    where,
)
from yidi.domain.enums import CrossRegionBasis, FilingType, InstitutionKind, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.filing_rules import APP_EN, APP_ZH, FilingRecord, filing_for
from yidi.domain.ids import CitizenId, parse_citizen_id
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution, Person
from yidi.domain.scope import (
    Scope,
    basis_of,
    emergency_as_filed,
    emergency_deadline,
    filing_days,
    ratio_category,
    scope_of,
)


def check_eligibility(
    person: Person | None,
    id_number: str | CitizenId,
    name: str,
    institution: Institution,
    visit_type: VisitType,
    day: dt.date,
    filings: Sequence[FilingRecord],
    policy: PolicyVersion | None,
    *,
    gender: str | None = None,
    emergency: bool = False,
    open_admissions: Sequence[tuple[str, dt.date]] = (),
    chronic_disease: str | None = None,
    today: dt.date | None = None,
    region_names: Mapping[str, str] | None = None,
) -> EligibilityResult:
    """Decide whether a visit can settle directly and give every reason it cannot (docs/rules.md R-9).

    `person`: the insured record found for `id_number`, or None. `day`: the visit (admission) day;
    `today`: the day of the check (default `day`; later while the person is in hospital). `filings`: the
    person's filing records, any status. `policy`: the insured region's policy version in force on `day`.
    `open_admissions`: (institution code, admitted since) of admissions not yet discharge-settled.
    """
    # a CitizenId was parsed by the caller (the eligibility check, from the request): not again, ~15 µs
    cid = id_number if isinstance(id_number, CitizenId) else parse_citizen_id(id_number)
    presented_gender = parse_gender(gender) if gender else None
    if visit_type is VisitType.CHRONIC_OUTPATIENT and not (chronic_disease or "").strip():
        raise error("CHRONIC_DISEASE_REQUIRED")
    check_day = today or day
    reasons: list[Reason] = []
    notes: list[Reason] = []
    region = institution.region

    def result(basis: CrossRegionBasis | None, filing_type: FilingType | None = None,
               filing: FilingRecord | None = None) -> EligibilityResult:
        ratio = ratio_category(basis, filing_type) if basis is not None else None
        return EligibilityResult(
            eligible=not reasons, basis=basis, filing=filing, ratio_category=ratio, reasons=tuple(reasons),
            notes=tuple(notes), insured_region=person.insured_region if person else None,
            treatment_region=region, institution=institution.code, visit_type=visit_type, day=day,
        )

    # --- who is this
    if presented_gender is not None and presented_gender != cid.gender:
        reasons.append(gender_reason(presented_gender, cid))
    if person is None:
        reasons.append(not_found_reason(cid))
        _open_admissions(reasons, institution, day, open_admissions)
        return result(None)
    reasons.extend(record_reasons(person, cid, name))

    # --- insurance status on the visit day
    blocked = status_reason(person, day)
    if blocked is not None:
        reasons.append(blocked)

    _open_admissions(reasons, institution, day, open_admissions)

    # --- chronic disease certified at home: applies to local visits too
    disease = (chronic_disease or "").strip()
    if visit_type is VisitType.CHRONIC_OUTPATIENT and not person.chronic_certified(disease, day):
        lapsed = disease in person.chronic_diseases  # certified, but not for this day
        reasons.append(Reason(
            "CHRONIC_NOT_CERTIFIED",
            f"门诊慢特病（{disease}）资格认定在 {day} 不在有效期内" if lapsed else
            f"未在参保地取得门诊慢特病（{disease}）待遇资格认定",
            f"the chronic-disease qualification for {disease} is not valid on {day}" if lapsed else
            f"no chronic-disease qualification for {disease} at the insured region",
            "请到参保地医保经办机构（或其线上渠道）申请该病种的门诊慢特病资格认定（或续期），认定后即可按门诊慢特病结算。",
            "apply for (or renew) the chronic-disease qualification at the insured region first",
            *where(AGENCY), "R-9.10; R-2.5", "chronic_disease",
        ))

    if policy is None:
        raise error("POLICY_NOT_FOUND", insured_region=person.insured_region, day=day)

    # --- local, or intra-province read as local: not a cross-region case
    scope = scope_of(person.insured_region, region, policy.cross_region)
    if scope is Scope.LOCAL:
        notes.append(Reason(
            "NOT_CROSS_REGION", "在参保地本地就医，不属于异地就医，无需备案，按参保地本地政策结算",
            "treated in the insured region itself: not a cross-region case, no filing needed, local rules apply",
            "按本地就医流程办理即可。", "follow the local procedure", *where(HOSPITAL), "R-9.9", blocking=False,
        ))
        return result(*basis_of(scope, None))
    if scope is Scope.INTRA_PROVINCE:
        notes.append(Reason(
            "INTRA_PROVINCE",
            f"在参保省内的 {label(region, region_names)} 就医，不属于跨省异地就医；按本省省内异地就医规定执行，参保地按本地政策结算",
            "treated in another region of the insured province: not cross-province; provincial rules apply and "
            "the insured region pays at its local standards",
            "无需办理跨省异地就医备案；省内是否需要备案以本省规定为准（多数省份已取消）。",
            "no cross-province filing is needed; provincial rules decide whether an intra-province one is",
            *where(HOSPITAL, AGENCY), "R-9.9; R-1.1", blocking=False,
        ))
        return result(*basis_of(scope, None))

    # --- cross-region: the hospital must be networked for this visit type
    if not institution.networked_for(visit_type):
        reasons.append(Reason(
            "HOSPITAL_NOT_NETWORKED",
            f"{institution.name}未开通{visit_type.zh}跨省直接结算",
            f"{institution.name} is not networked for cross-province direct settlement of "
            f"{visit_type.value.lower().replace('_', ' ')} care",
            f"请选择已开通{visit_type.zh}跨省直接结算的定点医疗机构（可在{APP_ZH}查询）；"
            "如在本院就医，需先全额自付，再持票据回参保地手工报销。",
            f"choose an institution networked for this visit type (search in {APP_EN}); if treated here, pay in "
            "full and claim manually at the insured region",
            *where(APP, HOSPITAL), "R-9.5; R-2.1", "institution",
        ))
    elif visit_type is VisitType.CHRONIC_OUTPATIENT and disease not in institution.chronic_diseases:
        reasons.append(Reason(
            "CHRONIC_NOT_OPENED",
            f"{institution.name}未开通该门诊慢特病（{disease}）的跨省直接结算",
            f"{institution.name} has not opened chronic disease {disease} for cross-province settlement",
            f"请到已开通该病种跨省直接结算的定点医疗机构就医（可在{APP_ZH}查询）；在本院就医需先自付，再回参保地手工报销。",
            f"go to an institution that has opened this disease (search in {APP_EN}); if treated here, pay and "
            "claim manually at the insured region",
            *where(APP, HOSPITAL), "R-9.10; R-2.5", "chronic_disease",
        ))

    # --- the filing that covers the visit: on the admission day, or made since (post-hoc, R-1.8)
    filing: FilingRecord | None = None
    for d in filing_days(day, check_day):
        filing = filing_for(filings, region, d, institution.code)
        if filing is not None:
            if d != day:
                notes.append(Reason(
                    "FILED_POST_HOC",
                    f"备案 {filing.filing_id} 于入院后补办（{filing.start} 起），在出院结算前办好，本次可直接结算",
                    f"filing {filing.filing_id} was made after admission and before discharge settlement: direct "
                    "settlement applies",
                    "出院时在本院直接结算即可。", "settle directly at discharge",
                    *where(HOSPITAL), "R-1.8", blocking=False,
                ))
            break
    # a covering filing applies even when the hospital also flagged an emergency (the engine's order)
    if filing is not None:
        return result(*basis_of(scope, filing.type), filing)
    # the same reading as the engine: as filed, up to the region's post-hoc filing deadline where it sets one
    days = policy.filing.emergency_filing_working_days
    if emergency and emergency_as_filed(day, check_day, days):
        last = emergency_deadline(day, days)
        notes.append(Reason(
            "EMERGENCY_AS_FILED",
            "医院已将本次就医标记为急诊抢救，视同已备案，可直接结算"
            + (f"；参保地规定须在 {last} 前补办急诊备案" if last else ""),
            "the hospital flagged the visit as an emergency: it counts as filed and settles directly"
            + (f"; the insured region wants an emergency filing by {last}" if last else ""),
            (f"请在 {last} 前通过参保地渠道补办急诊备案，并保留急诊抢救病历。" if last
             else "请保留急诊抢救病历；如参保地另有要求，出院后按其规定补办手续。"),
            "file the emergency post hoc by the deadline" if last else "keep the emergency records",
            *where(HOSPITAL), "R-1.9; R-9.13", blocking=False,
        ))
        return result(*basis_of(scope, FilingType.EMERGENCY))

    if institution.kind is InstitutionKind.PHARMACY and not policy.pharmacy.filing_required:
        notes.append(Reason(
            "PHARMACY_NO_FILING_NEEDED",
            "参保地规定在外地定点零售药店购药无需备案，本次按未备案异地就医规定结算",
            "the insured region needs no filing for purchases at pharmacies elsewhere: settled under its rules "
            "for unfiled care",
            "直接在药店结算即可。", "settle at the pharmacy", *where(HOSPITAL), "R-9.1; R-2.5", blocking=False,
        ))
        return result(*basis_of(scope, None))
    filing_reasons(reasons, filings, institution, visit_type, day, check_day, policy, region_names)
    return result(*basis_of(scope, None))


def _open_admissions(
    reasons: list[Reason], institution: Institution, day: dt.date, open_admissions: Sequence[tuple[str, dt.date]]
) -> None:
    """An admission not yet discharge-settled at another institution blocks any visit type (R-9.11); one at
    this same institution is taken to be this admission being re-checked."""
    for code, since in open_admissions:
        if code == institution.code or since > day:
            continue
        reasons.append(Reason(
            "OPEN_ADMISSION",
            f"您在医疗机构 {code} 自 {since} 起有尚未出院结算的住院记录",
            f"an admission at institution {code} since {since} is still open (not discharge-settled)",
            "请原住院医院先办理出院结算，或撤销该住院登记，之后才能在本院直接结算。",
            "the hospital of the open admission must settle the discharge or revoke the admission first",
            *where(PREVIOUS, HOSPITAL), "R-9.11", "open_admissions",
        ))

