"""Repository of visits (就诊): a person's visits and what direct settlement adds to one (mdtrt_id, revision)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session, lazyload

from yidi.domain.enums import Scheme, VisitType
from yidi.domain.money import ZERO, from_fen, to_fen
from yidi.domain.reference import Person
from yidi.domain.visit_states import UNSETTLED
from yidi.store import flush_one, plain_rows, prebuilt
from yidi.store.models import PersonRow, VisitRow
from yidi.store.repositories.held import hold
from yidi.store.repositories.reference import person_of
from yidi.store.settlement_models import HospitalVisitRow


@dataclass(frozen=True, slots=True)
class OpenVisit:
    """A visit not yet settled: where, which kind, since when."""

    visit_id: int
    institution: str
    visit_type: VisitType
    admitted_on: dt.date


@dataclass(slots=True)
class HospitalVisit:
    """A visit registered by a hospital for direct settlement, as stored (`person` is the store's number of
    the person). `revision` counts every change of its fee lines."""

    visit_id: int
    person: int
    institution: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    emergency: bool
    status: str  # yidi.domain.visit_states: OPEN / DISCHARGED / SETTLED / CANCELLED
    filing_id: str | None
    mdtrt_id: str
    chronic_disease: str | None
    eligible: bool
    eligibility: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    msgid: str | None = None
    registered_at: dt.datetime | None = None
    deposit: Decimal = ZERO  # 押金 paid at admission (inpatient), settled against the cash share at discharge


@dataclass(frozen=True, slots=True)
class VisitOf:
    """Which visit a hospital's mdtrt_id names, whose, at which hospital: found without locking anything."""

    visit_id: int
    person: int
    scheme: Scheme
    institution: str


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """Which of a hospital's visits a desk lists: all of them but for what is set."""

    statuses: tuple[str, ...] = ()
    admitted_on: dt.date | None = None
    in_house: bool = False  # admissions not yet settled nor cancelled (OPEN or DISCHARGED)
    citizen_id: str | None = None
    name: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class ListedVisit:
    """A line of the desk's visit list (the ID number in full: the view masks it)."""

    mdtrt_id: str
    visit_type: VisitType
    admitted_on: dt.date
    discharged_on: dt.date | None
    status: str
    eligible: bool
    citizen_id: str
    person_name: str


class VisitRepository(Protocol):
    """就诊 as the filing, eligibility and settlement use cases see them."""

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        """The person's visits not yet settled nor cancelled at any hospital, oldest first."""
        ...

    def open_admissions(self, person: int, *, besides: int | None = None) -> list[tuple[OpenVisit, str]]:
        """The person's inpatient visits not yet discharge-settled, at any hospital, oldest first, each with
        its mdtrt_id ("" when none), leaving out visit `besides`. Read under the person's lock, this is what a
        new admission must not meet (open outpatient visits are not admissions)."""
        ...

    def of_institution(self, institution: str, f: VisitFilter) -> list[ListedVisit]:
        """The institution's visits that pass the filter, the latest registered first, at most `f.limit`."""
        ...

    def unsettled_of(self, person: int, limit: int) -> list[HospitalVisit]:
        """The person's hospital visits not settled (open or discharged), newest first, at most `limit`."""
        ...

    def find(self, mdtrt_id: str) -> VisitOf | None: ...
    def by_mdtrt(self, mdtrt_id: str) -> HospitalVisit | None: ...
    def get(self, visit_id: int) -> HospitalVisit: ...
    def mdtrt_of(self, visit_id: int) -> str: ...

    def treated_at(self, person: int, institution: str) -> bool:
        """Whether the person has any visit at this institution (what lets a hospital ask about them)."""
        ...

    def claim(self, visit: HospitalVisit) -> HospitalVisit:
        """Lock the visit for a change of its lines (a write first: the SQLite write lock, the PostgreSQL row
        lock) and read it again, so a settlement running at the same moment is seen."""
        ...

    def lock(self, visit_id: int) -> HospitalVisit:
        """The same lock as `claim`, taken by settle and reinstate, and the visit read again."""
        ...

    def with_person(self, mdtrt_id: str) -> tuple[HospitalVisit, Person] | None:
        """The visit and its person in one read, no lock (pre-settle changes nothing); the person's chronic
        diseases are left out (empty), as with `lock_with_person`."""
        ...

    def lock_with_person(self, visit_id: int) -> tuple[HospitalVisit, Person]:
        """`lock` and the person's lock at once, both read again after the lock; the person's chronic diseases
        are left out (empty): settle reads them after the lock with the rest (SettlementRepository.inputs)."""
        ...

    def add(self, visit: HospitalVisit) -> HospitalVisit:
        """Store a new visit (its visit_id is ignored): the visit with the number the store gave it."""
        ...

    def save(self, visit: HospitalVisit) -> None:
        """Store what may change of a visit: status, days, emergency, chronic disease, filing, revision,
        eligibility."""
        ...


def hospital_visit(hv: HospitalVisitRow | Any, v: VisitRow | Any) -> HospitalVisit:
    """The record of a visit's two rows (or of their columns by name: anything with their attributes)."""
    return HospitalVisit(v.id, v.person_id, v.institution, v.visit_type, v.admitted_on, v.discharged_on, v.emergency,
                         v.status, v.filing_id, hv.mdtrt_id, hv.chronic_disease, hv.eligible, hv.eligibility,
                         hv.revision, hv.msgid, hv.registered_at, from_fen(hv.deposit_fen))


def _with_person(s: Session, hv: HospitalVisitRow, v: VisitRow, p: PersonRow) -> tuple[HospitalVisit, Person]:
    """The records of a row of `_WITH_PERSON` (held in the session; the person's chronic diseases left out)."""
    hold(s, hv, v, p)
    return hospital_visit(hv, v), person_of(p, diseases=())


# the settle path's two visit statements, built once (their values are parameters): building and keying them
# anew cost more CPU than running them
_FIND = (select(HospitalVisitRow.visit_id, VisitRow.person_id, PersonRow.scheme, VisitRow.institution)
         .join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
         .join(PersonRow, PersonRow.id == VisitRow.person_id)
         .where(HospitalVisitRow.mdtrt_id == bindparam("mdtrt_id")))
HV, V, P = (cast(Table, m.__table__) for m in (HospitalVisitRow, VisitRow, PersonRow))


def _visit_with_person(*cols: Any) -> Any:
    """A visit's two rows and its person's (`cols`: the entities or their columns)."""
    return select(*cols).select_from(HV).join(V, V.c.id == HV.c.visit_id).join(P, P.c.id == V.c.person_id)


_VISIT_WITH_PERSON = _visit_with_person(HospitalVisitRow, VisitRow, PersonRow).options(lazyload(PersonRow.diseases))
_WITH_PERSON = _VISIT_WITH_PERSON.where(HospitalVisitRow.mdtrt_id == bindparam("mdtrt_id"))
_LOCK_WITH_PERSON = (_VISIT_WITH_PERSON.where(HospitalVisitRow.visit_id == bindparam("visit_id"))
                     .with_for_update(of=[HospitalVisitRow, PersonRow]).execution_options(populate_existing=True))
# the same lock for a unit whose writes go at commit (yidi.store.plain_rows): the three rows as plain values
_LOCK_PLAIN = (_visit_with_person(*HV.c, *V.c, *P.c).where(HV.c.visit_id == bindparam("visit_id"))
               .with_for_update(of=[HV, P]))


def _both_rows(*cols: Any) -> Any:
    """A visit's two rows by its number (`cols`: the entities or their columns), as claim reads them again."""
    return select(*cols).select_from(HV).join(V, V.c.id == HV.c.visit_id).where(HV.c.visit_id == bindparam("visit_id"))


_BOTH_AGAIN = _both_rows(HospitalVisitRow, VisitRow).execution_options(populate_existing=True)
_BOTH_PLAIN = _both_rows(*HV.c, *V.c)  # the same for a unit whose writes go at commit: plain values


class Visits:
    """The SQL visits repository (tables visits and hospital_visits)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def open_of(self, citizen_id: str) -> list[OpenVisit]:
        q = (select(VisitRow.id, VisitRow.institution, VisitRow.visit_type, VisitRow.admitted_on)
             .join(PersonRow, PersonRow.id == VisitRow.person_id)
             .where(PersonRow.citizen_id == citizen_id, VisitRow.status.in_(UNSETTLED)).order_by(VisitRow.id))
        return [OpenVisit(i, inst, vt, day) for i, inst, vt, day in self.s.execute(q)]

    def open_admissions(self, person: int, *, besides: int | None = None) -> list[tuple[OpenVisit, str]]:
        q = (select(VisitRow.id, VisitRow.institution, VisitRow.visit_type, VisitRow.admitted_on,
                    HospitalVisitRow.mdtrt_id)
             .outerjoin(HospitalVisitRow, HospitalVisitRow.visit_id == VisitRow.id)
             .where(VisitRow.person_id == person, VisitRow.status.in_(UNSETTLED),
                    VisitRow.visit_type == VisitType.INPATIENT).order_by(VisitRow.id))
        if besides is not None:
            q = q.where(VisitRow.id != besides)
        return [(OpenVisit(i, inst, vt, day), md or "") for i, inst, vt, day, md in self.s.execute(q)]

    def of_institution(self, institution: str, f: VisitFilter) -> list[ListedVisit]:
        q = (select(HospitalVisitRow.mdtrt_id, VisitRow.visit_type, VisitRow.admitted_on, VisitRow.discharged_on,
                    VisitRow.status, HospitalVisitRow.eligible, PersonRow.citizen_id, PersonRow.name)
             .join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
             .join(PersonRow, PersonRow.id == VisitRow.person_id)
             .where(VisitRow.institution == institution).order_by(VisitRow.id.desc()).limit(f.limit))
        if f.statuses:
            q = q.where(VisitRow.status.in_(f.statuses))
        if f.admitted_on is not None:
            q = q.where(VisitRow.admitted_on == f.admitted_on)
        if f.in_house:
            q = q.where(VisitRow.visit_type == VisitType.INPATIENT, VisitRow.status.in_(UNSETTLED))
        if f.citizen_id is not None:
            q = q.where(PersonRow.citizen_id == f.citizen_id)
        if f.name is not None:
            q = q.where(PersonRow.name == f.name)
        return [ListedVisit(*r) for r in self.s.execute(q)]

    def unsettled_of(self, person: int, limit: int) -> list[HospitalVisit]:
        q = (select(HospitalVisitRow, VisitRow).join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
             .where(VisitRow.person_id == person, VisitRow.status.in_(UNSETTLED)).order_by(VisitRow.id.desc()))
        return [hospital_visit(hv, v) for hv, v in self.s.execute(q.limit(limit))]

    def find(self, mdtrt_id: str) -> VisitOf | None:
        params = {"mdtrt_id": mdtrt_id}
        # a unit whose writes go at commit reads nothing it changed: no autoflush, the statement as prebuilt sends it
        row = (prebuilt.run(self.s.connection(), _FIND, params) if flush_one.asked(self.s)
               else self.s.execute(_FIND, params)).one_or_none()
        return None if row is None else VisitOf(*row)

    def by_mdtrt(self, mdtrt_id: str) -> HospitalVisit | None:
        row = self.s.execute(select(HospitalVisitRow, VisitRow).join(VisitRow, VisitRow.id == HospitalVisitRow.visit_id)
                             .where(HospitalVisitRow.mdtrt_id == mdtrt_id)).one_or_none()
        if row is None:
            return None
        hold(self.s, *row)
        return hospital_visit(*row)

    def _rows(self, visit_id: int) -> tuple[HospitalVisitRow, VisitRow]:
        hv, v = self.s.get(HospitalVisitRow, visit_id), self.s.get(VisitRow, visit_id)
        assert hv is not None and v is not None, f"no visit {visit_id}"
        hold(self.s, hv, v)
        return hv, v

    def get(self, visit_id: int) -> HospitalVisit:
        return hospital_visit(*self._rows(visit_id))

    def treated_at(self, person: int, institution: str) -> bool:
        return bool(self.s.scalar(select(func.count()).select_from(VisitRow).where(
            VisitRow.person_id == person, VisitRow.institution == institution)))

    def mdtrt_of(self, visit_id: int) -> str:
        hv = self.s.get(HospitalVisitRow, visit_id)
        assert hv is not None
        return hv.mdtrt_id

    def claim(self, visit: HospitalVisit) -> HospitalVisit:
        self.s.execute(update(HospitalVisitRow).where(HospitalVisitRow.visit_id == visit.visit_id)
                       .values(revision=HospitalVisitRow.revision))
        # both rows read again after the lock, in one statement (a settlement may have changed them meanwhile)
        if flush_one.asked(self.s):  # the writes go at commit: the two rows held as plain values
            hvp, vp = plain_rows.split(self.s.connection().execute(_BOTH_PLAIN, {"visit_id": visit.visit_id}).one(),
                                       (HV, V))
            plain_rows.hold(self.s, HV, hvp)
            plain_rows.hold(self.s, V, vp)
            return hospital_visit(SimpleNamespace(**hvp), SimpleNamespace(**vp))
        hv, v = self.s.execute(_BOTH_AGAIN, {"visit_id": visit.visit_id}).one()
        hold(self.s, hv, v)
        return hospital_visit(hv, v)

    def lock(self, visit_id: int) -> HospitalVisit:
        hv = self.s.scalars(select(HospitalVisitRow).where(HospitalVisitRow.visit_id == visit_id).with_for_update()
                            .execution_options(populate_existing=True)).one()
        v = self.s.get(VisitRow, visit_id)
        assert v is not None
        self.s.refresh(v)
        hold(self.s, hv, v)
        return hospital_visit(hv, v)

    def with_person(self, mdtrt_id: str) -> tuple[HospitalVisit, Person] | None:
        row = self.s.execute(_WITH_PERSON, {"mdtrt_id": mdtrt_id}).one_or_none()
        return None if row is None else _with_person(self.s, *row)

    def lock_with_person(self, visit_id: int) -> tuple[HospitalVisit, Person]:
        # one statement: FOR UPDATE OF the visit detail and the person rows (the diseases are left to load
        # lazily, were anyone to ask: settle reads them after the lock)
        if not flush_one.asked(self.s):
            return _with_person(self.s, *self.s.execute(_LOCK_WITH_PERSON, {"visit_id": visit_id}).one())
        # the writes go at commit: the rows held as plain values, no ORM objects to load and track
        return self._held(prebuilt.run(self.s.connection(), _LOCK_PLAIN, {"visit_id": visit_id}).one())

    def lock_with_person_then(self, visit_id: int, stmt: Any, params: dict[str, Any]
                              ) -> tuple[HospitalVisit, Person, prebuilt.Rows]:
        """`lock_with_person`, then `stmt` (a statement built once) with `params`, sent together (one round trip on
        PostgreSQL): the server runs `stmt` after the lock is taken."""
        if not flush_one.asked(self.s):
            visit, person = self.lock_with_person(visit_id)
            return visit, person, prebuilt.run(self.s.connection(), stmt, params)
        locked, then = prebuilt.run_all(self.s.connection(), [(_LOCK_PLAIN, {"visit_id": visit_id}), (stmt, params)])
        return *self._held(locked.one()), then

    def _held(self, row: Any) -> tuple[HospitalVisit, Person]:
        hv, v, p = plain_rows.split(row, (HV, V, P))
        for t, values in ((HV, hv), (V, v), (P, p)):
            plain_rows.hold(self.s, t, values)
        return hospital_visit(SimpleNamespace(**hv), SimpleNamespace(**v)), person_of(SimpleNamespace(**p), diseases=())

    def add(self, visit: HospitalVisit) -> HospitalVisit:
        v = VisitRow(person_id=visit.person, institution=visit.institution, visit_type=visit.visit_type,
                     admitted_on=visit.admitted_on, discharged_on=visit.discharged_on, emergency=visit.emergency,
                     status=visit.status, filing_id=visit.filing_id)
        self.s.add(v)
        self.s.flush()
        hvs = {"visit_id": v.id, "mdtrt_id": visit.mdtrt_id, "chronic_disease": visit.chronic_disease,
               "eligible": visit.eligible, "eligibility": visit.eligibility, "revision": visit.revision,
               "msgid": visit.msgid, "registered_at": visit.registered_at, "deposit_fen": to_fen(visit.deposit)}
        if flush_one.asked(self.s):  # the writes go at commit: the detail row as plain values, no ORM object
            plain_rows.add(self.s, HV, hvs)
            hold(self.s, v)
            return hospital_visit(SimpleNamespace(**hvs), v)
        hv = HospitalVisitRow(**hvs)
        self.s.add(hv)
        hold(self.s, hv, v)
        return hospital_visit(hv, v)

    def save(self, visit: HospitalVisit) -> None:
        vs = {"status": visit.status, "discharged_on": visit.discharged_on, "admitted_on": visit.admitted_on,
              "emergency": visit.emergency, "filing_id": visit.filing_id}
        hvs = {"chronic_disease": visit.chronic_disease, "revision": visit.revision, "eligible": visit.eligible,
               "eligibility": visit.eligibility}
        if plain_rows.held(self.s, V, visit.visit_id) is not None:  # locked by lock_with_person as plain rows
            plain_rows.change(self.s, V, (visit.visit_id,), vs)
            plain_rows.change(self.s, HV, (visit.visit_id,), hvs)
            return
        hv, v = self._rows(visit.visit_id)  # in the session already: no query
        for row, values in ((v, vs), (hv, hvs)):
            for n, x in values.items():
                setattr(row, n, x)
