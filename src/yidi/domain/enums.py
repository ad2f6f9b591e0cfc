"""The closed vocabularies of the domain (names follow the glossary of docs/rules.md)."""

from __future__ import annotations

from enum import StrEnum


class Scheme(StrEnum):
    """Insurance scheme (险种): 职工医保 insutype 310 / 城乡居民医保 insutype 390."""

    EMPLOYEE = "EMPLOYEE"
    RESIDENT = "RESIDENT"

    @property
    def insutype(self) -> str:
        return "310" if self is Scheme.EMPLOYEE else "390"

    @property
    def zh(self) -> str:
        return "职工医保" if self is Scheme.EMPLOYEE else "城乡居民医保"


class Category(StrEnum):
    """Person category: 在职 / 退休 (residents are ACTIVE unless a region says otherwise)."""

    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"

    @property
    def zh(self) -> str:
        return "在职" if self is Category.ACTIVE else "退休"


class VisitType(StrEnum):
    """住院 / 普通门诊 / 门诊慢特病."""

    INPATIENT = "INPATIENT"
    OUTPATIENT = "OUTPATIENT"
    CHRONIC_OUTPATIENT = "CHRONIC_OUTPATIENT"

    @property
    def zh(self) -> str:
        return {"INPATIENT": "住院", "OUTPATIENT": "普通门诊", "CHRONIC_OUTPATIENT": "门诊慢特病"}[self.value]

    @property
    def med_type(self) -> str:
        """National platform med_type: 21 普通住院, 11 普通门诊, 14 门诊慢特病."""
        return {"INPATIENT": "21", "OUTPATIENT": "11", "CHRONIC_OUTPATIENT": "14"}[self.value]


class InstitutionKind(StrEnum):
    """定点医疗机构 (a hospital or clinic) or 定点零售药店 (a retail pharmacy, codes starting "P")."""

    HOSPITAL = "HOSPITAL"
    PHARMACY = "PHARMACY"

    @property
    def zh(self) -> str:
        return {"HOSPITAL": "定点医疗机构", "PHARMACY": "定点零售药店"}[self.value]


class Level(StrEnum):
    """Institution level: 一级/二级/三级 and 未定级."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    UNRATED = "UNRATED"

    @property
    def zh(self) -> str:
        return {"L1": "一级", "L2": "二级", "L3": "三级", "UNRATED": "未定级"}[self.value]


class FilingType(StrEnum):
    """The six filing types of D2022 art. 7 (three long-term, three temporary)."""

    RETIREE_RESETTLED = "RETIREE_RESETTLED"
    LONG_TERM_RESIDENT = "LONG_TERM_RESIDENT"
    RESIDENT_WORKER = "RESIDENT_WORKER"
    REFERRAL = "REFERRAL"
    EMERGENCY = "EMERGENCY"
    OTHER_TEMPORARY = "OTHER_TEMPORARY"

    @property
    def long_term(self) -> bool:
        return self in _LONG_TERM

    @property
    def zh(self) -> str:
        return _FILING_ZH[self]


_LONG_TERM = frozenset(
    {FilingType.RETIREE_RESETTLED, FilingType.LONG_TERM_RESIDENT, FilingType.RESIDENT_WORKER}
)
_FILING_ZH = {
    FilingType.RETIREE_RESETTLED: "异地安置退休人员",
    FilingType.LONG_TERM_RESIDENT: "异地长期居住人员",
    FilingType.RESIDENT_WORKER: "常驻异地工作人员",
    FilingType.REFERRAL: "异地转诊人员",
    FilingType.EMERGENCY: "异地急诊抢救人员",
    FilingType.OTHER_TEMPORARY: "其他临时外出就医人员",
}


class ItemKind(StrEnum):
    """Catalogue item kind: drug / medical service / medical material (consumable)."""

    DRUG = "DRUG"
    SERVICE = "SERVICE"
    MATERIAL = "MATERIAL"


class ItemClass(StrEnum):
    """甲 A / 乙 B / 丙 C (chrgitm_lv 01/02/03). C is fully self-funded."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def chrgitm_lv(self) -> str:
        return {"A": "01", "B": "02", "C": "03"}[self.value]

    @property
    def zh(self) -> str:
        return {"A": "甲类", "B": "乙类（先行自付一部分）", "C": "丙类（全自费）"}[self.value]


class InsuranceStatus(StrEnum):
    """Contribution status of a person (psn_insu_stas 1 正常 / 2 暂停 / 3 终止, plus a waiting period)."""

    ACTIVE = "ACTIVE"
    LAPSED = "LAPSED"
    TERMINATED = "TERMINATED"
    WAITING = "WAITING"
    TRANSFERRING = "TRANSFERRING"


class CrossRegionBasis(StrEnum):
    """How a bill relates to the person's insured region — decides which cross-region rule applies."""

    LOCAL = "LOCAL"  # treated in the insured region itself
    INTRA_PROVINCE = "INTRA_PROVINCE"  # another region of the same province
    LONG_TERM = "LONG_TERM"  # cross-province, long-term filing
    TEMPORARY = "TEMPORARY"  # cross-province, temporary filing (referral / emergency / other)
    UNFILED = "UNFILED"  # cross-province with no filing that covers it

    @property
    def zh(self) -> str:
        return {"LOCAL": "参保地就医", "INTRA_PROVINCE": "省内异地就医", "LONG_TERM": "跨省长期备案",
                "TEMPORARY": "跨省临时备案", "UNFILED": "跨省未备案"}[self.value]
