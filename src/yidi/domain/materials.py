"""Materials (papers) a person hands in: the one Material type, the filing list and the manual-claim list.

Filing (docs/rules.md R-1.3, R-1.4): every type needs a valid insurance credential and the filing form;
long-term types need the proof of their situation or a personal commitment letter instead; referral needs
the referral certificate (a commitment cannot replace it); other temporary rests on a commitment; emergency
needs nothing in advance (it counts as filed, R-1.9).

Manual claim (R-4.3): a national base list, what each claim situation adds, and the insured region's own
changes (in its policy pack, read by yidi.domain.claim_rules).

Filing rules, claim rules, the advisor, the API and the pages all read these lists from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from yidi.domain.enums import FilingType


class Material(BaseModel):
    """One paper a filing or a claim needs; `required` already reflects the person's choices."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str
    required: bool
    note_zh: str = ""
    note_en: str = ""


# ---------------------------------------------------------------------------------------------- filing

CREDENTIAL = "credential"
FILING_FORM = "filing_form"
COMMITMENT_LETTER = "commitment_letter"
HOUSEHOLD_REGISTER = "household_register"
RESIDENCE_PERMIT = "residence_permit"
WORK_POSTING_PROOF = "work_posting_proof"
REFERRAL_CERTIFICATE = "referral_certificate"
EMERGENCY_RECORDS = "emergency_records"

FILING_MATERIAL_NAMES: Mapping[str, tuple[str, str]] = {
    CREDENTIAL: ("有效医保凭证（医保电子凭证、有效身份证件或社会保障卡）",
                 "a valid insurance credential (e-credential, ID document or social security card)"),
    FILING_FORM: ("跨省异地就医登记备案表", "the cross-province treatment filing form"),
    COMMITMENT_LETTER: ("个人承诺书", "personal commitment letter"),
    HOUSEHOLD_REGISTER: ("户口簿（显示已在就医地落户）", "household register showing settlement in the treatment place"),
    RESIDENCE_PERMIT: ("居住证或居住证明", "residence permit or residence certificate"),
    WORK_POSTING_PROOF: ("单位派驻证明或与异地用人单位的劳动合同",
                         "employer's posting certificate, or labour contract with an employer there"),
    REFERRAL_CERTIFICATE: ("转诊转院证明（由参保地定点医疗机构出具）",
                           "referral certificate issued by a designated hospital of the insured region"),
    EMERGENCY_RECORDS: ("急诊抢救病历或诊断证明", "emergency records or diagnosis certificate"),
}
FILING_MATERIAL_CODES: tuple[str, ...] = tuple(FILING_MATERIAL_NAMES)  # in the order a form lists them

_PROOF: Mapping[FilingType, str] = {
    FilingType.RETIREE_RESETTLED: HOUSEHOLD_REGISTER,
    FilingType.LONG_TERM_RESIDENT: RESIDENCE_PERMIT,
    FilingType.RESIDENT_WORKER: WORK_POSTING_PROOF,
}

EMERGENCY_NOTE_ZH = (
    "急诊抢救无需事先备案：医院标记为急诊抢救即视同已备案，可直接结算（医保发〔2022〕22号 经办规程第8、34条）。"
    "本备案仅作记录；请保留急诊抢救病历，如需回参保地手工报销时使用。"
)
EMERGENCY_NOTE_EN = (
    "Emergency care needs no prior filing: when the hospital flags the visit as an emergency it counts as "
    "filed and settles directly (D2022 arts. 8, 34). This filing is a record only; keep the emergency "
    "records for a manual claim."
)


def _filing_material(code: str, required: bool, note_zh: str = "", note_en: str = "") -> Material:
    zh, en = FILING_MATERIAL_NAMES[code]
    return Material(code=code, name_zh=zh, name_en=en, required=required, note_zh=note_zh, note_en=note_en)


def materials_for(filing_type: FilingType, commitment: bool) -> list[Material]:
    """The materials a filing of this type needs (R-1.3, R-1.4), given whether the person commits."""
    out = [_filing_material(CREDENTIAL, True),
           _filing_material(FILING_FORM, True, "网上办理时在线填写即可", "filled in online")]
    if filing_type.long_term:
        proof = _PROOF[filing_type]
        if commitment:
            out.append(_filing_material(proof, False, "已选择个人承诺，可不提供证明材料", "replaced by the commitment"))
            out.append(_filing_material(COMMITMENT_LETTER, True, "承诺不实的，经办机构可撤销备案并追回基金",
                                        "a false commitment lets the agency cancel the filing and recover payments"))
        else:
            out.append(_filing_material(proof, True))
            out.append(_filing_material(COMMITMENT_LETTER, False, "可用个人承诺书代替证明材料",
                                        "may replace the proof"))
    elif filing_type is FilingType.REFERRAL:
        out.append(_filing_material(REFERRAL_CERTIFICATE, True,
                                    "个人承诺不能代替转诊证明；没有证明可改办其他临时外出就医备案",
                                    "a commitment cannot replace it; without it, file as other temporary"))
    elif filing_type is FilingType.EMERGENCY:
        out.append(_filing_material(EMERGENCY_RECORDS, False, EMERGENCY_NOTE_ZH, EMERGENCY_NOTE_EN))
    else:  # OTHER_TEMPORARY: the commitment is the basis, no third-party proof
        out.append(_filing_material(COMMITMENT_LETTER, True, "其他临时外出就医以个人承诺为依据，无需第三方证明",
                                    "other temporary filings rest on the person's commitment"))
    return out


# ---------------------------------------------------------------------------------------------- manual claim


class ClaimSituation(StrEnum):
    """A manual claim's situations: each adds its papers to the national base list."""

    INPATIENT = "INPATIENT"
    OUTPATIENT = "OUTPATIENT"
    EMERGENCY = "EMERGENCY"
    REFERRAL = "REFERRAL"
    UNFILED = "UNFILED"
    # covered care (filed, or an emergency) at a hospital networked for it: it should have settled directly,
    # so the hospital's note says why it did not (docs/rules.md)
    DIRECT_FAILED = "DIRECT_FAILED"

    @property
    def zh(self) -> str:
        return {"INPATIENT": "住院", "OUTPATIENT": "门诊", "EMERGENCY": "急诊抢救", "REFERRAL": "转诊",
                "UNFILED": "未备案", "DIRECT_FAILED": "联网医院未能直接结算"}[self.value]


class ClaimMaterial(StrEnum):
    """The papers a manual claim may carry (a policy pack's additions and drops name these)."""

    CREDENTIAL = CREDENTIAL
    INVOICE = "invoice"
    FEE_LIST = "fee_list"
    DISCHARGE_SUMMARY = "discharge_summary"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate"
    EMERGENCY_RECORDS = EMERGENCY_RECORDS
    REFERRAL_CERTIFICATE = REFERRAL_CERTIFICATE
    UNFILED_STATEMENT = "unfiled_statement"
    BANK_CARD = "bank_card"
    AGENT_AUTHORISATION = "agent_authorisation"
    FAILURE_NOTE = "failure_note"
    OTHER = "other"


INVOICE_SCAN = ClaimMaterial.INVOICE.value
FEE_LIST = ClaimMaterial.FEE_LIST.value
DISCHARGE_SUMMARY = ClaimMaterial.DISCHARGE_SUMMARY.value
DIAGNOSIS_CERTIFICATE = ClaimMaterial.DIAGNOSIS_CERTIFICATE.value
UNFILED_STATEMENT = ClaimMaterial.UNFILED_STATEMENT.value
BANK_CARD = ClaimMaterial.BANK_CARD.value
AGENT_AUTHORISATION = ClaimMaterial.AGENT_AUTHORISATION.value
FAILURE_NOTE = ClaimMaterial.FAILURE_NOTE.value
OTHER = ClaimMaterial.OTHER.value

CLAIM_MATERIAL_NAMES: Mapping[str, tuple[str, str]] = {
    CREDENTIAL: ("医保电子凭证、身份证或社会保障卡", "insurance credential, ID card or social security card"),
    INVOICE_SCAN: ("医疗收费票据（含电子票据）", "medical fee receipts (electronic receipts accepted)"),
    FEE_LIST: ("费用明细清单", "itemised fee list"),
    DISCHARGE_SUMMARY: ("出院小结或出院记录", "discharge summary or discharge record"),
    DIAGNOSIS_CERTIFICATE: ("诊断证明或门诊病历", "diagnosis certificate or outpatient record"),
    EMERGENCY_RECORDS: ("急诊病历或抢救记录", "emergency record or rescue record"),
    REFERRAL_CERTIFICATE: ("转诊转院证明", "referral certificate"),
    UNFILED_STATEMENT: ("未备案情况说明或个人承诺书", "statement on the missing filing, or personal commitment"),
    BANK_CARD: ("本人银行卡或社保卡金融账户", "bank card or social security card account in the person's name"),
    AGENT_AUTHORISATION: ("代办人身份证件及委托书", "agent's ID and authorisation"),
    FAILURE_NOTE: ("医院出具的未能直接结算说明", "hospital's note why direct settlement failed"),
    OTHER: ("其他材料", "other papers"),
}
CLAIM_MATERIAL_CODES = frozenset(CLAIM_MATERIAL_NAMES)

# The national base list and what each situation adds.
CLAIM_BASE: tuple[str, ...] = (CREDENTIAL, INVOICE_SCAN, FEE_LIST, BANK_CARD)
CLAIM_BY_SITUATION: Mapping[ClaimSituation, tuple[str, ...]] = {
    ClaimSituation.INPATIENT: (DISCHARGE_SUMMARY,),
    ClaimSituation.OUTPATIENT: (DIAGNOSIS_CERTIFICATE,),
    ClaimSituation.EMERGENCY: (EMERGENCY_RECORDS,),
    ClaimSituation.REFERRAL: (REFERRAL_CERTIFICATE,),
    ClaimSituation.UNFILED: (UNFILED_STATEMENT,),
    ClaimSituation.DIRECT_FAILED: (FAILURE_NOTE,),
}
