"""The result of a calculation: amounts to the fen, per-line classification, bands, and the explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yidi.domain.amounts import AMOUNT_FIELDS as _AMOUNT_FIELDS
from yidi.domain.bill import YearAccumulators
from yidi.domain.money import ZERO


@dataclass(slots=True)
class Clause:
    """The policy clause a step used: region, pack and version, parameter path, document and article."""

    region: str
    pack: str
    version: str
    parameter: str
    document: str = ""
    article: str = ""
    # further parameters the step applied beside `parameter` (a ratio band cut for care away also
    # applies the cut's parameter, e.g. cross_region.cut.REFERRAL)
    also: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "pack": self.pack,
            "version": self.version,
            "parameter": self.parameter,
            "also": list(self.also),
            "document": self.document,
            "article": self.article,
        }

    @property
    def parameters(self) -> str:
        """Every parameter the step applied, as one line for a reader (the main one first)."""
        return " + ".join((self.parameter, *self.also))


@dataclass(slots=True)
class Step:
    """One step of the explanation: which rule, under which clause, amounts in and out, and why."""

    rule: str
    text_zh: str
    text_en: str
    clause: Clause | None = None
    inputs: dict[str, Decimal] = field(default_factory=dict)
    outputs: dict[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "clause": self.clause.as_dict() if self.clause else None,
            "inputs": {k: str(v) for k, v in self.inputs.items()},
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


@dataclass(slots=True)
class LineResult:
    """A fee line split by the treatment-region catalogue (fields as returned by 2301/2204)."""

    line_id: str
    code: str
    name: str
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str  # 01 甲 / 02 乙 / 03 丙 ; "" when not in the catalogue
    selfpay_prop: Decimal
    status: str  # IN_SCOPE / OUT_OF_CATALOGUE / CLASS_C / NOT_FOR_VISIT_TYPE / NOT_IN_FORCE
    reason_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "code": self.code,
            "name": self.name,
            "det_item_fee_sumamt": str(self.det_item_fee_sumamt),
            "fulamt_ownpay_amt": str(self.fulamt_ownpay_amt),
            "overlmt_amt": str(self.overlmt_amt),
            "preselfpay_amt": str(self.preselfpay_amt),
            "inscp_scp_amt": str(self.inscp_scp_amt),
            "chrgitm_lv": self.chrgitm_lv,
            "selfpay_prop": str(self.selfpay_prop),
            "status": self.status,
            "reason_zh": self.reason_zh,
        }


@dataclass(slots=True)
class BandPay:
    """The pooled fund's (or a layer's) payment in one band of a tier table."""

    payer: str
    lower: Decimal
    upper: Decimal | None
    ratio: Decimal  # effective ratio after any cross-region cut
    policy_ratio: Decimal  # the ratio as the policy states it
    cost: Decimal
    pay: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "payer": self.payer,
            "lower": str(self.lower),
            "upper": None if self.upper is None else str(self.upper),
            "ratio": str(self.ratio),
            "policy_ratio": str(self.policy_ratio),
            "cost": str(self.cost),
            "pay": str(self.pay),
        }


@dataclass(slots=True)
class Breakdown:
    """A bill's settlement breakdown. Field names follow the national platform (see docs/fields.md).

    Identities that always hold:
    medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt
    medfee_sumamt = fund_pay_sumamt + psn_part_amt;  psn_part_amt = acct_pay + acct_mulaid_pay + psn_cash_pay
    fund_pay_sumamt = hifp_pay + hifob_pay + cvlserv_pay + hifmi_pay + maf_pay
    """

    bill_id: str
    insured_region: str
    treatment_region: str
    institution: str
    visit_type: str
    insutype: str
    basis: str  # CrossRegionBasis
    filing_type: str | None
    pack: str
    policy_version: str
    medfee_sumamt: Decimal = ZERO
    fulamt_ownpay_amt: Decimal = ZERO
    overlmt_selfpay: Decimal = ZERO
    preselfpay_amt: Decimal = ZERO
    inscp_scp_amt: Decimal = ZERO
    cross_region_selfpay_amt: Decimal = ZERO  # extra pay-first share of a cross-region cut (first_selfpay)
    act_pay_dedc: Decimal = ZERO
    hifp_pay: Decimal = ZERO
    pool_prop_selfpay: Decimal = ZERO  # the first band's effective fund ratio, echoed as the platform does
    above_cap_amt: Decimal = ZERO  # in-scope cost beyond the pooled fund's annual cap
    above_cap_fund_amt: Decimal = ZERO  # what the pooled fund would have paid more without the cap
    hifob_pay: Decimal = ZERO
    cvlserv_pay: Decimal = ZERO
    hifmi_pay: Decimal = ZERO
    maf_pay: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    psn_part_amt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    acct_mulaid_pay: Decimal = ZERO  # a confirmed family member's account (家庭共济), see engine/mutual_aid.py
    psn_cash_pay: Decimal = ZERO
    balc: Decimal = ZERO
    lines: list[LineResult] = field(default_factory=list)
    bands: list[BandPay] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    accumulators_after: YearAccumulators | None = None
    warnings: list[str] = field(default_factory=list)

    AMOUNT_FIELDS = _AMOUNT_FIELDS  # yidi.domain.amounts: the one list of amount fields

    def as_dict(self, *, explain: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bill_id": self.bill_id,
            "insured_region": self.insured_region,
            "treatment_region": self.treatment_region,
            "institution": self.institution,
            "visit_type": self.visit_type,
            "insutype": self.insutype,
            "basis": self.basis,
            "filing_type": self.filing_type,
            "pack": self.pack,
            "policy_version": self.policy_version,
        }
        for name in self.AMOUNT_FIELDS:
            out[name] = str(getattr(self, name))
        out["pool_prop_selfpay"] = str(self.pool_prop_selfpay)
        out["lines"] = [ln.as_dict() for ln in self.lines]
        out["bands"] = [b.as_dict() for b in self.bands]
        out["accumulators_after"] = self.accumulators_after.as_dict() if self.accumulators_after else None
        out["warnings"] = list(self.warnings)
        if explain:
            out["steps"] = [s.as_dict() for s in self.steps]
        return out
