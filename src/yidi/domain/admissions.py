"""One open admission per person: the rule hospital registration (入院办理) enforces across all hospitals.

A person is in one hospital at a time. An inpatient visit stays open (OPEN or DISCHARGED, see
yidi.domain.visit_states) until its discharge settlement (or until the hospital that holds it cancels the
registration, 入院撤销 2404), so a second admission anywhere — at another hospital or
at the same one — is refused while one is open. Open outpatient visits are not admissions and block nothing
here. A replay of the same registration (same hospital, same msgid) is answered by the message log before
this rule is asked, so it never counts as a second admission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError


@dataclass(frozen=True, slots=True)
class OpenAdmission:
    """An admission still open: where, since when, and (for its own hospital only) its visit number."""

    institution: str
    institution_name: str
    admitted_on: dt.date
    mdtrt_id: str


def refuse_second_admission(visit_type: VisitType, institution: str,
                            open_admissions: Sequence[OpenAdmission]) -> YidiError | None:
    """ADMISSION_ALREADY_OPEN (409) when an inpatient registration meets an open admission, else None.

    The message says what the hospital can do today: the hospital of the open admission settles the
    discharge, or revokes that registration there; only then can this admission be made. The visit number
    is shown to the hospital that holds the admission (its own record), never to another hospital.
    """
    if visit_type is not VisitType.INPATIENT or not open_admissions:
        return None
    a = open_admissions[0]
    where_zh = f"{a.institution_name}（{a.institution}）" if a.institution_name else a.institution
    if a.institution == institution:
        visit_zh, visit_en = (f"（就诊号 {a.mdtrt_id}）", f" (visit {a.mdtrt_id})") if a.mdtrt_id else ("", "")
        return error("ADMISSION_ALREADY_OPEN",
                     held_zh=f"本院已于 {a.admitted_on} 为该参保人办理入院{visit_zh}",
                     held_en=f"this hospital already admitted this person on {a.admitted_on}{visit_en}",
                     todo_zh="请继续使用该就诊号；如该次入院登记有误，请先在本院撤销该次入院登记（入院撤销，有费用明细的先撤销明细），"
                             "或办理出院结算，再重新办理入院",
                     todo_en="keep using that visit, or if it was registered by mistake, cancel it (admission cancel, "
                             "after withdrawing its fee lines) or settle its discharge here first, then admit again")
    return error("ADMISSION_ALREADY_OPEN",
                 held_zh=f"该参保人自 {a.admitted_on} 起在 {where_zh} 住院",
                 held_en=f"this person has been admitted at {a.institution_name or a.institution} ({a.institution}) "
                         f"since {a.admitted_on}",
                 todo_zh="请联系该医院先办理出院结算，或在该医院撤销这次入院登记（入院撤销），之后才能在本院办理入院",
                 todo_en="that hospital must first settle the discharge or cancel that admission there (admission "
                         "cancel), then this hospital can admit")
