"""Policy packs as validated values: an insured region's policy (its versions, schemes, layers, rules).

The treatment region's catalogue is `domain/catalogue.py`; the documents parameters cite `domain/sources.py`;
item groups (rules.item_groups) `domain/item_groups.py`.

A pack is data (YAML files, see docs/policy-pack.md); these models are its schema. Every model forbids
unknown keys, so a misspelt or misplaced parameter is an error instead of a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yidi.domain.account_policy import Account
from yidi.domain.enums import Category, FilingType, Scheme, VisitType

# the grids live in yidi.domain.grids; their names stay importable from here
from yidi.domain.grids import ALL as ALL
from yidi.domain.grids import Tier as Tier
from yidi.domain.grids import _check_grid, _check_tier_grid, _check_tiers
from yidi.domain.grids import pick as pick
from yidi.domain.grids import pick_cell as pick_cell
from yidi.domain.item_groups import ItemGroup
from yidi.domain.materials import ClaimMaterial, ClaimSituation
from yidi.domain.pharmacy import PharmacyRules
from yidi.domain.sources import Source
from yidi.domain.validation import (
    Code,
    Points,
    Ratio,
    RegionCode,
    Strict,
    Text,
    Yuan,
    failure,
)

# D2022: the ratio cut for temporary filers is at most 10 points (referral, emergency), 20 (other).
CUT_LIMITS = {FilingType.REFERRAL: 10, FilingType.EMERGENCY: 10, FilingType.OTHER_TEMPORARY: 20}
LayerKind = Literal["large_amount_subsidy", "civil_servant_subsidy", "critical_illness", "medical_assistance"]
LAYER_ZH = {
    "large_amount_subsidy": "职工大额医疗费用补助",
    "civil_servant_subsidy": "公务员医疗补助",
    "critical_illness": "城乡居民大病保险",
    "medical_assistance": "医疗救助",
}
LAYER_FIELD = {
    "large_amount_subsidy": "hifob_pay",
    "civil_servant_subsidy": "cvlserv_pay",
    "critical_illness": "hifmi_pay",
    "medical_assistance": "maf_pay",
}


class Deductible(Strict):
    """起付标准: per admission (per visit for outpatient) or per year, by category and level."""

    mode: Literal["per_admission", "annual"] = "per_admission"
    # Factor for the 1st, 2nd, ... inpatient admission of the year; the last factor repeats.
    repeat_factors: list[Ratio] = Field(default_factory=lambda: [Decimal(1)])
    # Which inpatient settlements count as an admission for the repeat factors: "all" (every one with
    # benefit, even a bill that is all self-funded or zero) or "in_scope" (only one with in-scope cost).
    counted_admissions: Literal["all", "in_scope"] = "all"
    amounts: dict[str, dict[str, Yuan]]
    source: Source | None = None

    @field_validator("amounts")
    @classmethod
    def _grid(cls, v: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        return _check_grid(v, "deductible.amounts")

    @model_validator(mode="after")
    def _factors(self) -> Deductible:
        if not self.repeat_factors:
            raise failure("PACK_FIELD", detail_zh="repeat_factors 不能为空", detail_en="repeat_factors must not be empty")
        if self.mode == "annual" and self.repeat_factors != [1]:
            raise failure("PACK_MISPLACED", detail_zh="按年度起付时不能设置 repeat_factors（多次住院递减只适用于按次起付）", detail_en="repeat_factors only apply to per_admission deductibles")
        return self


class Selector(Strict):
    """A benefit's own deductible, ratios or cap for some persons: an age band (age on the treatment
    day), person categories and/or assistance groups; every selector given must match."""

    name: Text = Field(min_length=1, max_length=40)  # e.g. 70岁以上退休人员, named in explanations
    min_age: int | None = Field(default=None, ge=0, le=150)  # aged at least this many whole years
    max_age: int | None = Field(default=None, ge=0, le=150)  # aged at most this many whole years
    categories: list[Category] | None = None
    groups: list[Code] | None = None  # assistance groups (特困 / 低保 …)
    deductible: Deductible | None = None  # replaces the benefit's deductible
    tiers: dict[str, dict[str, list[Tier]]] | None = None  # replaces the benefit's tier grid
    cap: Yuan | None = None  # replaces the annual cap of the benefit's pool for this bill
    source: Source | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, dict[str, list[Tier]]] | None) -> dict[str, dict[str, list[Tier]]] | None:
        return None if v is None else _check_tier_grid(v)

    @model_validator(mode="after")
    def _check(self) -> Selector:
        if self.min_age is None and self.max_age is None and self.categories is None and self.groups is None:
            raise failure("PACK_FIELD", detail_zh=f"{self.name}：至少给出 min_age、max_age、categories、groups 之一",
                          detail_en=f"{self.name}: give at least one of min_age, max_age, categories, groups")
        if self.deductible is None and self.tiers is None and self.cap is None:
            raise failure("PACK_FIELD", detail_zh=f"{self.name}：至少给出 deductible、tiers、cap 之一",
                          detail_en=f"{self.name}: give at least one of deductible, tiers, cap")
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            raise failure("PACK_FIELD", detail_zh=f"{self.name}：max_age 小于 min_age",
                          detail_en=f"{self.name}: max_age is below min_age")
        return self

    def matches(self, age: int, category: Category, group: str | None) -> bool:
        return ((self.min_age is None or age >= self.min_age) and (self.max_age is None or age <= self.max_age)
                and (self.categories is None or category in self.categories)
                and (self.groups is None or group in self.groups))


class DiseaseBenefit(Strict):
    """门诊慢特病 terms of one disease (issue 16 rule 7): what differs from the chronic benefit as written.

    `deductible`: an annual deductible of this disease's own (None: the benefit's deductible, shared);
    `tiers`: this disease's ratio bands (None: the benefit's); `annual_limit`: the most the pooled fund pays
    for this disease in a year, inside the pool's cap (None: only the pool's cap).
    """

    deductible: Yuan | None = None
    tiers: dict[str, dict[str, list[Tier]]] | None = None
    annual_limit: Yuan | None = None
    source: Source | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, dict[str, list[Tier]]] | None) -> dict[str, dict[str, list[Tier]]] | None:
        return None if v is None else _check_tier_grid(v)


class Benefit(Strict):
    """One visit type of one scheme: which cap pool it draws on, its deductible and ratio tiers, and the
    selectors that give some persons their own (the first matching one applies)."""

    cap_pool: str
    deductible: Deductible
    tiers: dict[str, dict[str, list[Tier]]]
    selectors: list[Selector] = Field(default_factory=list)
    # CHRONIC_OUTPATIENT only: per-disease terms by national 慢特病 code (a disease not listed: as written)
    diseases: dict[Code, DiseaseBenefit] = Field(default_factory=dict)
    source: Source | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, dict[str, list[Tier]]]) -> dict[str, dict[str, list[Tier]]]:
        return _check_tier_grid(v)

    def selector_for(self, age: int, category: Category, group: str | None) -> tuple[int, Selector | None]:
        """The first selector that matches the person (index, selector), or (-1, None)."""
        for i, sel in enumerate(self.selectors):
            if sel.matches(age, category, group):
                return i, sel
        return -1, None


class LayerOverride(Strict):
    """Per-group change of a layer (e.g. 低保: threshold halved, ratio +5 points, no cap)."""

    threshold: Yuan | None = None
    tiers: list[Tier] | None = None
    annual_cap: Yuan | None = None
    no_cap: bool = False

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: list[Tier] | None) -> list[Tier] | None:
        return None if v is None else _check_tiers(v)


class Layer(Strict):
    """A later payer after the pooled fund: large-amount subsidy, critical illness, medical assistance."""

    kind: LayerKind
    # above_cap: in-scope cost beyond the pooled fund's annual cap; personal_in_scope: the in-scope
    # amount the person still bears after the payers before this one (deductible, coinsurance, above cap).
    base: Literal["above_cap", "personal_in_scope"]
    # one default everywhere (rules.tier_basis too): bands on the cumulative amount, from 0
    tier_basis: Literal["above_threshold", "cumulative"] = "cumulative"
    threshold: Yuan = Decimal("0.00")
    tiers: list[Tier]
    annual_cap: Yuan | None = None
    visit_types: list[VisitType] | None = None
    eligible_groups: list[str] | None = None  # None: everyone of the scheme
    group_overrides: dict[str, LayerOverride] = Field(default_factory=dict)
    source: Source | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: list[Tier]) -> list[Tier]:
        return _check_tiers(v)


class SchemePolicy(Strict):
    """One insurance scheme of an insured region."""

    caps: dict[str, Yuan]
    benefits: dict[VisitType, Benefit]
    layers: list[Layer] = Field(default_factory=list)
    account: Account = Field(default_factory=Account)
    source: Source | None = None

    @model_validator(mode="after")
    def _pools(self) -> SchemePolicy:
        for vt, b in self.benefits.items():
            if b.cap_pool not in self.caps:
                raise failure("PACK_CAP_POOL", value=vt.value, cap_pool=b.cap_pool)
            if b.diseases and vt is not VisitType.CHRONIC_OUTPATIENT:
                raise failure("PACK_MISPLACED", detail_zh=f"diseases（按病种待遇）只用于门诊慢特病，不能写在 {vt.value}",
                              detail_en=f"per-disease terms (diseases) only apply to CHRONIC_OUTPATIENT, not {vt.value}")
        kinds = [layer.kind for layer in self.layers]
        if len(set(kinds)) != len(kinds):
            raise failure("PACK_LAYER_DUPLICATE")
        return self


class Rules(Strict):
    """The rule variants regions disagree on (docs/rules.md R-3.4, R-3.5), each an explicit setting with a default."""

    tier_basis: Literal["cumulative", "above_deductible"] = "cumulative"
    tier_scope: Literal["per_visit", "annual"] = "per_visit"
    cap_basis: Literal["fund_payment", "in_scope_cost"] = "fund_payment"
    b_class_rest: Literal["coinsurance", "full"] = "coinsurance"
    b_class_selfpay_source: Literal["treatment", "insured"] = "treatment"
    b_class_selfpay_ratio: Ratio | None = None
    item_groups: list[ItemGroup] = Field(default_factory=list)  # per class / item group, first match wins
    source: Source | None = None

    @model_validator(mode="after")
    def _b(self) -> Rules:
        if self.b_class_selfpay_source == "insured" and self.b_class_selfpay_ratio is None:
            raise failure("PACK_FIELD", detail_zh="b_class_selfpay_source 为 insured 时必须给出 b_class_selfpay_ratio", detail_en="b_class_selfpay_ratio is required when the source is insured")
        if self.b_class_selfpay_source == "treatment" and self.b_class_selfpay_ratio is not None:
            raise failure("PACK_MISPLACED", detail_zh="b_class_selfpay_source 为 treatment 时不应设置 b_class_selfpay_ratio（不会被使用）", detail_en="b_class_selfpay_ratio is unused when the source is treatment")
        return self


class CrossRegion(Strict):
    """Cross-region rules of the insured region: long-term ratio, temporary cuts, unfiled care."""

    cut_mode: Literal["subtract", "multiply", "first_selfpay"] = "subtract"
    cut: dict[FilingType, Points] = Field(default_factory=dict)
    long_term_ratio_factor: Ratio = Decimal(1)
    long_term_cut: Points = Decimal(0)  # or: points off a long-term filer's ratio (never both)
    unfiled_cut: Points = Decimal(20)
    unfiled_payable: bool = True
    intra_province: Literal["local", "cross_region"] = "local"
    # a long-term filer treated back in the insured region: local rules (双向享受待遇, D2022), or the long-term rule
    long_term_at_home: Literal["local", "as_long_term"] = "local"
    source: Source | None = None

    @field_validator("cut")
    @classmethod
    def _limits(cls, v: dict[FilingType, Decimal]) -> dict[FilingType, Decimal]:
        for ft, pts in v.items():
            if ft not in CUT_LIMITS:
                raise failure("PACK_MISPLACED", detail_zh=f"{ft.value} 是长期备案类型，不适用降低比例（用 long_term_ratio_factor）", detail_en=f"{ft.value} is a long-term type; cuts apply to temporary types only")
            if pts > CUT_LIMITS[ft]:
                raise failure("PACK_CUT_LIMIT", value=ft.value, pts=pts, limit=CUT_LIMITS[ft])
        return v

    @model_validator(mode="after")
    def _long_term(self) -> CrossRegion:
        if self.long_term_cut and self.long_term_ratio_factor != 1:
            raise failure("PACK_MISPLACED", detail_zh="长期备案人员的比例调整只能用 long_term_ratio_factor（乘）或 long_term_cut（减百分点）之一",
                          detail_en="a long-term filer's ratio takes long_term_ratio_factor or long_term_cut, not both")
        return self

    def cut_for(self, ft: FilingType | None) -> Decimal:
        """Cut in points for a temporary filing type, or for unfiled care when ft is None."""
        if ft is None:
            return self.unfiled_cut
        return self.cut.get(ft, Decimal(0))


class ManualClaimRules(Strict):
    """Manual reimbursement (手工报销) parameters of the insured region (deadlines are regional).

    `materials_add` / `materials_drop` are the region's changes to the national materials list
    (docs/rules.md R-4.3), per claim situation; `materials_note_zh` explains them to the person.
    """

    deadline_days: int = Field(default=365, ge=1, le=3650)
    processing_working_days: int = Field(default=20, ge=1, le=365)
    # 复核: days after a rejection to appeal it (R-4.5; 60 as 《行政复议法》第二十条 gives by default)
    appeal_days: int = Field(default=60, ge=1, le=365)
    materials_add: dict[ClaimSituation, list[ClaimMaterial]] = Field(default_factory=dict)
    materials_drop: dict[ClaimSituation, list[ClaimMaterial]] = Field(default_factory=dict)
    materials_note_zh: str = ""
    source: Source | None = None


class FilingRules(Strict):
    """Filing (备案) parameters of the insured region."""

    temporary_validity_months: int = Field(default=6, ge=6, le=36)
    # None: a long-term filing is open-ended (until changed or cancelled); N: it ends N months after its start
    long_term_validity_months: int | None = Field(default=None, ge=6, le=120)
    # None: an emergency counts as filed outright; N: only if filed post hoc within N working days of admission
    emergency_filing_working_days: int | None = Field(default=None, ge=1, le=30)
    min_months_before_change: int = Field(default=6, ge=0, le=6)
    review_required: bool = False
    allow_multiple_temporary: bool = True
    chosen_hospitals_required: bool = False
    source: Source | None = None


class PolicyVersion(Strict):
    """The insured region's full policy in force from `effective_from` (after merging earlier versions)."""

    effective_from: dt.date
    effective_to: dt.date | None = None
    source: Source | None = None
    rules: Rules = Field(default_factory=Rules)
    cross_region: CrossRegion = Field(default_factory=CrossRegion)
    filing: FilingRules = Field(default_factory=FilingRules)
    manual_claim: ManualClaimRules = Field(default_factory=ManualClaimRules)
    pharmacy: PharmacyRules = Field(default_factory=PharmacyRules)  # purchases at pharmacies elsewhere
    schemes: dict[Scheme, SchemePolicy]


class InsuredPolicy(Strict):
    """An insured region's policy file: its versions, by the date each takes effect."""

    region: RegionCode
    name: str = ""
    versions: list[PolicyVersion]

    # A field validator on `versions` (not a model check), so a problem names the field it is about.
    @field_validator("versions")
    @classmethod
    def _dates(cls, vs: list[PolicyVersion]) -> list[PolicyVersion]:
        if not vs:
            raise failure("PACK_FIELD", detail_zh="至少需要一个政策版本", detail_en="at least one version is required")
        for i, v in enumerate(vs):
            if v.effective_to is not None and v.effective_to < v.effective_from:
                raise failure("DATE_ORDER", detail_zh=f"第{i + 1}个版本的 effective_to 早于 effective_from", detail_en=f"version {i + 1}: effective_to is before effective_from")
            if i + 1 < len(vs):
                nxt = vs[i + 1]
                if nxt.effective_from <= v.effective_from:
                    raise failure("PACK_OVERLAP", detail_zh=f"版本生效日期必须递增：{nxt.effective_from} 不晚于 {v.effective_from}", detail_en=f"versions must take effect in increasing order: {nxt.effective_from} is not after {v.effective_from}")
                if v.effective_to is not None and v.effective_to >= nxt.effective_from:
                    raise failure("PACK_OVERLAP", detail_zh=f"版本 {v.effective_from}–{v.effective_to} 与 {nxt.effective_from} 起的版本重叠", detail_en=f"version {v.effective_from}..{v.effective_to} overlaps the one from {nxt.effective_from}")
        return vs

    def in_force(self, day: dt.date) -> PolicyVersion | None:
        found = None
        for v in self.versions:
            if v.effective_from <= day and (v.effective_to is None or day <= v.effective_to):
                found = v
        if found is not None:
            # a later version takes over even where an earlier one left its end open
            later = [v for v in self.versions if v.effective_from > found.effective_from and v.effective_from <= day]
            if later:
                return later[-1]
        return found
