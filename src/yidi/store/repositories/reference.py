"""Reference data repositories: 统筹区 regions, 定点医疗机构 institutions and 参保人 persons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Engine, bindparam, event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.ids import CitizenId
from yidi.domain.money import from_fen, to_fen
from yidi.domain.reference import Institution, Person, Region
from yidi.store import plain_rows
from yidi.store.models import (
    InstitutionDiseaseRow,
    InstitutionRow,
    InstitutionVisitTypeRow,
    PersonDiseaseRow,
    PersonRow,
    ReferenceVersionRow,
    RegionRow,
)
from yidi.store.repositories.held import hold


class RegionRepository(Protocol):
    """统筹区: what services may ask of the regions."""

    def get(self, code: str) -> Region | None: ...
    def all(self) -> dict[str, Region]: ...
    def exists(self, code: str) -> bool: ...
    def any_in_province(self, province: str) -> bool: ...
    def upsert(self, region: Region) -> None: ...
    def count(self) -> int: ...


class InstitutionRepository(Protocol):
    """定点医疗机构 and what each is networked for."""

    def get(self, code: str) -> Institution | None: ...
    def cached(self, code: str, version: int | None = None) -> Institution | None: ...
    def version(self) -> int:
        """The reference data's version now (what `cached` checks against): read once, passed to several
        `cached` calls of one unit."""
        ...

    def search(self, *, region: str | None = None, level: Level | None = None, visit_type: VisitType | None = None,
               networked: bool | None = None, chronic_disease: str | None = None, limit: int = 100,
               offset: int = 0, kind: InstitutionKind | None = None) -> tuple[int, list[Institution]]: ...
    def upsert(self, inst: Institution) -> None: ...
    def count(self) -> int: ...
    def disease_known(self, disease: str) -> bool: ...


class PersonRepository(Protocol):
    """参保人, found by citizen ID number (the natural key services speak)."""

    def get(self, citizen_id: str, *, lock: bool = False) -> Person | None:
        """The person; `lock` holds the person's row lock to the end of the transaction (filings, admissions
        and settlements of one person serialise on it)."""
        ...

    def brief(self, citizen_id: str) -> Person | None:
        """The person with their chronic diseases left out (empty), in one read: what 1101 shows a hospital."""
        ...

    def upsert(self, p: Person, certified_on: dt.date | None = None) -> None: ...
    def count(self) -> int: ...

    def certify(self, citizen_id: str, disease: str, valid_from: dt.date, valid_until: dt.date | None) -> None:
        """Record an approved 门诊慢特病 certification on the person (what eligibility reads), replacing the
        disease's earlier validity."""
        ...

    def keyed(self, citizen_id: str, *, lock: bool = False) -> tuple[int, Person] | None:
        """The person with the store's number of the person (what visits, settlements, accumulators and the
        personal account's ledger name refer to); `lock` as in `get`."""
        ...

    def by_key(self, key: int, *, lock: bool = False) -> Person:
        """The person with this store number (read again when locked)."""
        ...

    def add_to_account(self, key: int, amount: Decimal) -> None:
        """Change the personal account balance by `amount` (negative: paid from it)."""
        ...


class Regions:
    """统筹区."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, code: str) -> Region | None:
        row = self.s.get(RegionRow, code)
        return None if row is None else Region(row.code, row.name, row.province_name)

    def all(self) -> dict[str, Region]:
        return {r.code: Region(r.code, r.name, r.province_name) for r in self.s.scalars(select(RegionRow))}

    def exists(self, code: str) -> bool:
        return self.s.get(RegionRow, code) is not None

    def any_in_province(self, province: str) -> bool:
        """Whether a region of the province with these two leading digits is on file."""
        return self.s.scalar(select(RegionRow.code).where(RegionRow.code.startswith(province[:2])).limit(1)) is not None

    def upsert(self, region: Region) -> None:
        bump_reference(self.s)
        row = self.s.get(RegionRow, region.code)
        if row is None:
            self.s.add(RegionRow(code=region.code, name=region.name, province_name=region.province_name))
            self.s.flush()  # institutions of this region may follow in the same unit of work
        else:
            row.name, row.province_name = region.name, region.province_name

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(RegionRow)) or 0


# Institutions change rarely (a pack or an import) and every eligibility check and settlement needs one:
# `Institutions.cached` keeps them per engine, each with the reference version it was read at, and serves
# one only while the database's version (table reference_version, bumped in the same transaction as every
# change of regions or institutions, `bump_reference`) is still that: a change made by any process is seen
# by the next request of every worker, with no timer. The hot paths read the version inside a statement they
# send anyway (eligibility, settle), so the check costs no round trip.
_inst_cache: weakref.WeakKeyDictionary[Engine, dict[str, tuple[Institution | None, int]]] = weakref.WeakKeyDictionary()
_inst_lock = threading.Lock()


def forget_institutions(_session: object = None) -> None:
    with _inst_lock:
        _inst_cache.clear()


def reference_version() -> ScalarSelect[Any]:
    """The reference data's version as a scalar subquery (0 before the first change)."""
    return select(func.coalesce(select(ReferenceVersionRow.version).where(ReferenceVersionRow.id == 1)
                                .scalar_subquery(), 0)).scalar_subquery()


def bump_reference(session: Session) -> None:
    """Move the reference version on, once per transaction that changes regions or institutions."""
    if session.info.get("yidi_reference_bumped"):
        return
    session.info["yidi_reference_bumped"] = True
    for ev in ("after_commit", "after_rollback"):
        if not event.contains(session, ev, _unbumped):
            event.listen(session, ev, _unbumped)
    row = session.get(ReferenceVersionRow, 1)
    if row is None:
        session.add(ReferenceVersionRow(id=1, version=1))
    else:
        row.version += 1


def _unbumped(session: Session, *_a: object) -> None:
    session.info.pop("yidi_reference_bumped", None)


def institution_of(row: InstitutionRow) -> Institution:
    return Institution(row.code, row.name, row.region, row.level,
                       frozenset(v.visit_type for v in row.visit_types), frozenset(d.disease for d in row.diseases),
                       row.kind, row.dual_channel)


class Institutions:
    """定点医疗机构 and what each is networked for."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, code: str) -> Institution | None:
        row = self.s.get(InstitutionRow, code)
        return None if row is None else institution_of(row)

    def version(self) -> int:
        return int(self.s.scalar(select(reference_version())) or 0)

    def cached(self, code: str, version: int | None = None) -> Institution | None:
        """As `get`, from a per-process cache checked against the reference version (hot paths only);
        `version`: the version as read in this transaction already (else it is read: one small query)."""
        engine = self.s.get_bind().engine
        if version is None:
            version = self.version()
        with _inst_lock:
            hit = _inst_cache.get(engine, {}).get(code)
        if hit is not None and hit[1] == version:
            return hit[0]
        inst = self.get(code)
        with _inst_lock:
            per = _inst_cache.setdefault(engine, {})
            if len(per) > 100_000:
                per.clear()
            per[code] = (inst, version)
        return inst

    def search(
        self,
        *,
        region: str | None = None,
        level: Level | None = None,
        visit_type: VisitType | None = None,
        networked: bool | None = None,
        chronic_disease: str | None = None,
        limit: int = 100,
        offset: int = 0,
        kind: InstitutionKind | None = None,
    ) -> tuple[int, list[Institution]]:
        """Institutions matching every filter given, ordered by code; also the total before paging.

        `region` may be a province code (XX0000) to search a whole province. With `visit_type`,
        `networked` asks whether the institution is (True) or is not (False) open for that visit type;
        without it, whether it is open for any visit type at all. `chronic_disease`: institutions that
        opened that 门诊慢特病 for cross-province settlement.
        """
        q = select(InstitutionRow)
        if region:
            if region.endswith("0000"):
                q = q.where(InstitutionRow.region.like(f"{region[:2]}%"))
            else:
                q = q.where(InstitutionRow.region == region)
        if level is not None:
            q = q.where(InstitutionRow.level == level)
        if kind is not None:
            q = q.where(InstitutionRow.kind == kind)
        if visit_type is not None or networked is not None:
            sub = select(InstitutionVisitTypeRow.institution)
            if visit_type is not None:
                sub = sub.where(InstitutionVisitTypeRow.visit_type == visit_type)
            has = InstitutionRow.code.in_(sub)
            q = q.where(~has if networked is False else has)
        if chronic_disease is not None:
            q = q.where(InstitutionRow.code.in_(select(InstitutionDiseaseRow.institution)
                                                .where(InstitutionDiseaseRow.disease == chronic_disease)))
        total = self.s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = self.s.scalars(q.order_by(InstitutionRow.code).limit(limit).offset(offset))
        return total, [institution_of(r) for r in rows]

    def upsert(self, inst: Institution) -> None:
        bump_reference(self.s)
        row = self.s.get(InstitutionRow, inst.code)
        if row is None:
            row = InstitutionRow(code=inst.code)
            self.s.add(row)
        else:
            # the unit of work inserts before it deletes: clear and flush first, or a visit type that
            # stays would be inserted again while its old row still exists
            row.visit_types.clear()
            row.diseases.clear()
            self.s.flush()
        row.name, row.region, row.level = inst.name, inst.region, inst.level
        row.kind, row.dual_channel = inst.kind, inst.dual_channel
        row.visit_types.extend(InstitutionVisitTypeRow(visit_type=v) for v in sorted(inst.networked))
        row.diseases.extend(InstitutionDiseaseRow(disease=d) for d in sorted(inst.chronic_diseases))

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(InstitutionRow)) or 0

    def disease_known(self, disease: str) -> bool:
        """Whether any institution of the reference data names this 门诊慢特病 code."""
        q = select(InstitutionDiseaseRow.institution).where(InstitutionDiseaseRow.disease == disease).limit(1)
        return self.s.scalar(q) is not None


def _periods(ds: Sequence[Any]) -> tuple[tuple[str, dt.date | None, dt.date | None], ...]:
    return tuple((d.disease, d.valid_from, d.valid_until) for d in ds if d.valid_from is not None or d.valid_until is not None)


def with_diseases(p: Person, diseases: Sequence[Any]) -> Person:
    """The person with these chronic diseases (rows with disease, valid_from, valid_until)."""
    return dataclasses.replace(p, chronic_diseases=frozenset(d.disease for d in diseases), chronic_periods=_periods(diseases))


def person_of(row: PersonRow | Any, *, diseases: Sequence[Any] | None = None) -> Person:
    """The person of a row (or of its columns read as JSON: yidi.store.json_rows); its chronic diseases from
    `diseases` (rows with disease, valid_from, valid_until) when given, else from the row (a query when not
    loaded)."""
    ds = row.diseases if diseases is None else diseases
    return Person(
        citizen_id=CitizenId(row.citizen_id),
        name=row.name,
        insured_region=row.insured_region,
        scheme=row.scheme,
        category=row.category,
        status=row.status,
        status_since=row.status_since,
        account_balance=from_fen(row.account_balance_fen),
        assistance_group=row.assistance_group,
        chronic_diseases=frozenset(d.disease for d in ds),
        chronic_periods=_periods(ds),
    )


# the person's columns, without the ORM: 1101 reads a person and writes nothing
_BRIEF = select(*PersonRow.__table__.c).where(PersonRow.__table__.c.citizen_id == bindparam("citizen_id"))


class Persons:
    """参保人."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def row(self, citizen_id: str, *, for_update: bool = False) -> PersonRow | None:
        """The person's row; `for_update` locks it so that concurrent filings for one person serialise."""
        q = select(PersonRow).where(PersonRow.citizen_id == citizen_id)
        if for_update:
            q = q.with_for_update()
        return self.s.scalars(q).one_or_none()

    def get(self, citizen_id: str, *, lock: bool = False) -> Person | None:
        row = self.row(citizen_id, for_update=lock)
        return None if row is None else person_of(row)

    def brief(self, citizen_id: str) -> Person | None:
        # on the session's connection: a Core row, none of the ORM's loading steps (~0.2 ms a 1101)
        row = self.s.connection().execute(_BRIEF, {"citizen_id": citizen_id}).one_or_none()
        return None if row is None else person_of(row, diseases=())

    def by_id(self, person_id: int) -> PersonRow | None:
        return self.s.get(PersonRow, person_id)

    def keyed(self, citizen_id: str, *, lock: bool = False) -> tuple[int, Person] | None:
        row = self.row(citizen_id, for_update=lock)
        if row is None:
            return None
        hold(self.s, row)
        return row.id, person_of(row)

    def by_key(self, key: int, *, lock: bool = False) -> Person:
        if lock:
            q = select(PersonRow).where(PersonRow.id == key).with_for_update().execution_options(populate_existing=True)
            row = self.s.scalars(q).one()
        else:
            got = self.s.get(PersonRow, key)
            assert got is not None, f"no person {key}"
            row = got
        hold(self.s, row)
        return person_of(row)

    def add_to_account(self, key: int, amount: Decimal) -> None:
        table = PersonRow.__table__
        plain = plain_rows.held(self.s, table, key)  # type: ignore[arg-type]
        if plain is not None:  # locked as a plain row (VisitRepository.lock_with_person)
            fen = plain["account_balance_fen"] + to_fen(amount)
            plain_rows.change(self.s, table, (key,), {"account_balance_fen": fen})  # type: ignore[arg-type]
            return
        row = self.s.get(PersonRow, key)  # locked and read in this transaction already: no query
        assert row is not None
        row.account_balance_fen += to_fen(amount)

    def upsert(self, p: Person, certified_on: dt.date | None = None) -> None:
        self.upsert_row(p, certified_on)

    def upsert_row(self, p: Person, certified_on: dt.date | None = None) -> PersonRow:
        """As `upsert`, giving the row (for the demo loader and test fixtures, which link rows by id)."""
        row = self.row(p.citizen_id.number)
        kept: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        if row is None:
            row = PersonRow(citizen_id=p.citizen_id.number)
            self.s.add(row)
        else:
            kept = {d.disease: (d.valid_from, d.valid_until) for d in row.diseases}
            row.diseases.clear()  # see Institutions.upsert: delete before re-inserting the same keys
            self.s.flush()
        kept.update({code: (start, until) for code, start, until in p.chronic_periods})
        row.name, row.insured_region, row.scheme, row.category = p.name, p.insured_region, p.scheme, p.category
        row.status, row.status_since = p.status, p.status_since
        row.account_balance_fen = to_fen(p.account_balance)
        row.assistance_group = p.assistance_group
        # an approved certification's validity survives a re-import of the person
        row.diseases.extend(PersonDiseaseRow(disease=d, certified_on=certified_on, valid_from=kept.get(d, (None, None))[0],
                                             valid_until=kept.get(d, (None, None))[1]) for d in sorted(p.chronic_diseases))
        return row

    def certify(self, citizen_id: str, disease: str, valid_from: dt.date, valid_until: dt.date | None) -> None:
        row = self.row(citizen_id, for_update=True)
        assert row is not None, "a certified person exists"
        found = next((d for d in row.diseases if d.disease == disease), None)
        if found is None:
            row.diseases.append(PersonDiseaseRow(disease=disease, certified_on=valid_from, valid_from=valid_from,
                                                 valid_until=valid_until))
        else:
            found.certified_on, found.valid_from, found.valid_until = valid_from, valid_from, valid_until

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(PersonRow)) or 0


