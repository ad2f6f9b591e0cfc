"""Demo persons, filings and an open admission, dated relative to today so the demo never goes stale.

Every person here is invented (示例数据); ID numbers are generated with a valid GB 11643 check character.
The filings go through the same pure filing rules as the API (each is filed on its own past day), so the
demo can only contain what the rules allow. Loading twice changes nothing: persons are upserted by ID
number and a person who already holds filings gets no new ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import (
    COMMITMENT_LETTER,
    CREDENTIAL,
    FILING_FORM,
    REFERRAL_CERTIFICATE,
    FilingRequest,
    new_filing,
)
from yidi.domain.ids import CitizenId, check_character
from yidi.domain.reference import Person
from yidi.services import settlement
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.filings import new_filing_id, rules_for
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings, Persons, Regions, Visits, person_of


def demo_id(address: str, birth: str, seq: int) -> str:
    """A well-formed citizen ID: 6-digit address code, YYYYMMDD, 3-digit sequence (odd = male), check."""
    first17 = f"{address}{birth}{seq:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class DemoFiling:
    type: FilingType
    area: str
    days_ago: int  # filed (and starting) this many days before today
    commitment: bool = True
    materials: tuple[str, ...] = (CREDENTIAL, FILING_FORM)
    reason: str = ""


@dataclass(frozen=True)
class DemoPerson:
    key: str  # what the person illustrates, shown by `yidi demo load`
    id_number: str
    name: str
    insured_region: str
    scheme: Scheme
    category: Category = Category.ACTIVE
    status: InsuranceStatus = InsuranceStatus.ACTIVE
    status_days: int | None = None  # status_since = today + status_days
    balance: Decimal = Decimal("0.00")
    assistance_group: str | None = None
    diseases: frozenset[str] = frozenset()
    filings: tuple[DemoFiling, ...] = ()
    admitted: tuple[str, int, VisitType] | None = None  # open admission: institution, days ago, visit type
    note: str = ""


PERSONS: tuple[DemoPerson, ...] = (
    DemoPerson("retiree_resettled", demo_id("360102", "19560312", 31), "张建国", "369900", Scheme.EMPLOYEE,
               Category.RETIRED, balance=Decimal("8650.40"), diseases=frozenset({"M03900"}),
               filings=(DemoFiling(FilingType.RETIREE_RESETTLED, "440300", 400),),
               note="退休后随子女在深圳安置，长期备案深圳（已过变更限制期）；高血压门诊慢特病已认定"),
    DemoPerson("long_term_resident", demo_id("360103", "19780705", 42), "李秀英", "369900", Scheme.EMPLOYEE,
               balance=Decimal("3120.00"), filings=(DemoFiling(FilingType.LONG_TERM_RESIDENT, "110100", 30),),
               note="长期居住北京，备案30天前生效，6个月内不能变更或取消"),
    DemoPerson("resident_worker", demo_id("360104", "19850119", 55), "王磊", "369900", Scheme.EMPLOYEE,
               balance=Decimal("1580.75"), filings=(DemoFiling(FilingType.RESIDENT_WORKER, "310100", 200),),
               note="单位派驻上海工作，常驻异地工作人员备案"),
    DemoPerson("referral", demo_id("360121", "19900822", 68), "赵敏", "369900", Scheme.RESIDENT,
               filings=(DemoFiling(FilingType.REFERRAL, "440100", 10, commitment=False,
                                   materials=(CREDENTIAL, FILING_FORM, REFERRAL_CERTIFICATE),
                                   reason="江西省人民医院转诊至广州"),),
               note="城乡居民，经参保地医院转诊到广州（转诊备案，有转诊证明）"),
    DemoPerson("emergency", demo_id("360122", "19721130", 77), "刘洋", "369900", Scheme.EMPLOYEE,
               balance=Decimal("960.00"), filings=(DemoFiling(FilingType.EMERGENCY, "510100", 3,
                                                               reason="出差成都突发急症"),),
               note="出差成都急诊抢救，事后登记急诊备案"),
    DemoPerson("other_temporary", demo_id("360123", "19950210", 82), "陈静", "369900", Scheme.RESIDENT,
               filings=(DemoFiling(FilingType.OTHER_TEMPORARY, "440000", 0, materials=(CREDENTIAL, FILING_FORM,
                                                                                      COMMITMENT_LETTER)),),
               note="城乡居民，其他临时外出就医备案，就医地为广东全省"),
    DemoPerson("lapsed", demo_id("360124", "19820417", 91), "孙伟", "369900", Scheme.EMPLOYEE,
               status=InsuranceStatus.LAPSED, status_days=-60, note="职工医保断缴（暂停参保）60天"),
    DemoPerson("waiting", demo_id("360125", "20010923", 104), "周芳", "369900", Scheme.RESIDENT,
               status=InsuranceStatus.WAITING, status_days=60, note="城乡居民新参保，待遇等待期还有60天"),
    DemoPerson("dibao", demo_id("360181", "19650601", 113), "吴强", "369900", Scheme.RESIDENT,
               assistance_group="低保", diseases=frozenset({"M01600"}),
               note="低保对象（医疗救助），糖尿病门诊慢特病已认定，尚未备案"),
    DemoPerson("chronic_retiree", demo_id("360102", "19500228", 126), "郑丽", "369900", Scheme.EMPLOYEE,
               Category.RETIRED, balance=Decimal("12000.00"), diseases=frozenset({"M03900", "M00503"}),
               filings=(DemoFiling(FilingType.LONG_TERM_RESIDENT, "440100", 365),),
               note="退休，长期居住广州；高血压、恶性肿瘤门诊放化疗已认定"),
    DemoPerson("post_hoc", demo_id("360111", "19880808", 139), "黄勇", "369900", Scheme.EMPLOYEE,
               balance=Decimal("2200.00"), admitted=("H44010000001", 2, VisitType.INPATIENT),
               note="两天前在广州住院，还没有备案：可补办备案后直接结算"),
    DemoPerson("shenzhen_insured", demo_id("440304", "19920314", 147), "马超", "440300", Scheme.EMPLOYEE,
               balance=Decimal("4500.00"), note="深圳参保职工（尚未备案）"),
    DemoPerson("beijing_insured", demo_id("110105", "19870521", 152), "林小红", "110100", Scheme.RESIDENT,
               note="北京参保城乡居民"),
)


@dataclass
class DemoSummary:
    persons: int = 0
    filings: int = 0
    visits: int = 0
    skipped: list[str] = field(default_factory=list)


def load_demo(ctx: Context) -> DemoSummary:
    """Load the demo persons, their filings and the open admission (regions and institutions first)."""
    today = ctx.today()
    out = DemoSummary()
    admit: list[DemoPerson] = []
    with unit_of_work(ctx.sessions) as s:
        regions = Regions(s).all()
        names = {c: r.name for c, r in regions.items()}
        persons, filings, visits = Persons(s), Filings(s), Visits(s)
        for d in PERSONS:
            if d.insured_region not in regions:
                out.skipped.append(f"{d.name}: region {d.insured_region} not loaded")
                continue
            since = today + dt.timedelta(days=d.status_days) if d.status_days is not None else None
            p = Person(CitizenId(d.id_number), d.name, d.insured_region, d.scheme, d.category, d.status, since,
                       d.balance, d.assistance_group, d.diseases)
            row = persons.upsert_row(p, certified_on=today - dt.timedelta(days=400))
            s.flush()
            out.persons += 1
            if filings.of_person(row.citizen_id):
                continue  # loaded before: keep what people did with the demo since
            for f in d.filings:
                if f.area not in regions and f.area[:2] + "0000" not in {c[:2] + "0000" for c in regions}:
                    out.skipped.append(f"{d.name}: area {f.area} not loaded")
                    continue
                filed_on = today - dt.timedelta(days=f.days_ago)
                rules, intra = rules_for(ctx, d.insured_region, filed_on)
                req = FilingRequest(type=f.type, treatment_area=f.area, commitment=f.commitment,
                                    materials=f.materials, reason=f.reason)
                rec = new_filing(req, person_of(row), filings.of_person(row.citizen_id), rules, regions, filed_on,
                                 new_filing_id(filed_on), intra_province_filing=intra, region_names=names)
                filings.save(rec)
                filings.record_event(rec, action="CREATED", actor_role="demo", actor="yidi demo load",
                                     on_day=filed_on, note=f.reason)
                out.filings += 1
            if d.admitted is not None and not visits.open_of(row.citizen_id):
                admit.append(d)
    for d in admit:
        # registered as the hospital's desk does (2401), so the hospital finds and settles this admission
        assert d.admitted is not None
        inst, days, vt = d.admitted
        try:
            settlement.register_visit(ctx, Principal(Role.HOSPITAL, inst), settlement.RegisterVisitIn(
                id_number=d.id_number, name=d.name, visit_type=vt, admitted_on=today - dt.timedelta(days=days)))
            out.visits += 1
        except YidiError as err:
            out.skipped.append(f"{d.name}: admission at {inst} not registered ({err.code})")
    from yidi.demo.accounts import load_demo_accounts  # issue 8 hook: a demo login for every role

    load_demo_accounts(ctx)
    return out
