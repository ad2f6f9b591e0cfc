"""Who is this, and are they insured on the visit day: identity and insurance-status reasons (R-9.6, R-9.7).

Names compare as written (full-width folded, spaces dropped, every middle-dot variant one dot); a gender
may be given as M/F, 男/女 or the platform's 1/2 and must match the ID number's 17th digit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from yidi.domain.eligibility.result import AGENCY, APP, HOSPITAL, Reason, where
from yidi.domain.enums import InsuranceStatus
from yidi.domain.error_catalogue import error
from yidi.domain.filing_rules import APP_EN, APP_ZH, insurance_blocked
from yidi.domain.ids import CitizenId, mask_id
from yidi.domain.reference import Person

# after NFKC: U+FF65 has become U+30FB and U+FF0E an ASCII full stop
_DOTS = str.maketrans({"\u2022": "·", "\u30fb": "·", "\u2027": "·", "\u2219": "·", ".": "·"})


def normalise_name(name: str) -> str:
    """Compare names as written: full-width folded, spaces dropped, every middle-dot variant one dot.

    Latin letters (foreigners' names) compare without case.
    """
    s = unicodedata.normalize("NFKC", name).casefold().translate(_DOTS)
    return "".join(s.split())


def names_match(given: str, recorded: str) -> bool:
    """Whether a name as given is the name on the insured record (R-9.7), compared as normalise_name does."""
    return normalise_name(given) == normalise_name(recorded)


_GENDERS = {"M": "M", "F": "F", "1": "M", "2": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}


def parse_gender(value: str) -> str:
    """"M" or "F" from M/F, 男/女 or the platform's gend code 1/2."""
    g = _GENDERS.get(value.strip().upper())
    if g is None:
        raise error("GENDER_FORMAT", value=value)
    return g


def gender_reason(presented: str, cid: CitizenId) -> Reason:
    """The gender given does not match the ID number (R-9.7)."""
    zh_g = {"M": "男", "F": "女"}
    return Reason(
        "IDENTITY_MISMATCH",
        f"所填性别（{zh_g[presented]}）与身份证号码不符：该号码对应{zh_g[cid.gender]}性（号码第17位表示性别）",
        f"the gender given ({presented}) does not match the ID number ({cid.gender})",
        "请核对所填性别和身份证号码；如参保登记信息有误，请到参保地医保经办机构更正，就医时可改用医保电子凭证。",
        "check the gender and ID number; have wrong registration data corrected at the insured region, and "
        "use the e-credential meanwhile",
        *where(HOSPITAL, AGENCY), "R-9.7", "gender",
    )


def not_found_reason(cid: CitizenId) -> Reason:
    """No insured person for the ID number (R-9.7, R-1.1)."""
    return Reason(
        "PERSON_NOT_FOUND",
        f"按身份证号码 {mask_id(cid.number)} 查不到参保信息",
        f"no insured person found for ID {mask_id(cid.number)}",
        f"请核对身份证号码；确认已参加基本医疗保险（可在{APP_ZH}查询参保信息）；刚参保或信息有误的，请联系参保地医保经办机构。",
        f"check the ID number; confirm you are insured (look it up in {APP_EN}); if newly insured or the data "
        "is wrong, contact the insured-region agency",
        *where(APP, AGENCY), "R-9.7; R-1.1", "id_number",
    )


def record_reasons(person: Person, cid: CitizenId, name: str) -> list[Reason]:
    """The ID number or the name does not match the insured record (R-9.7)."""
    out: list[Reason] = []
    if person.citizen_id.number != cid.number:
        out.append(Reason(
            "IDENTITY_MISMATCH",
            f"身份证号码 {mask_id(cid.number)} 与参保记录（{mask_id(person.citizen_id.number)}）不一致",
            "the ID number does not match the insured record",
            "请核对身份证号码或医保卡；卡片信息有误时改用医保电子凭证或身份证号码就医，并到参保地医保经办机构更正。",
            "check the ID number or card; use the e-credential or ID number instead of a faulty card and have the "
            "record corrected at the insured region",
            *where(HOSPITAL, AGENCY), "R-9.7", "id_number",
        ))
    if not names_match(name, person.name):
        out.append(Reason(
            "IDENTITY_MISMATCH",
            f"所填姓名“{name.strip()}”与参保登记姓名不一致",
            "the name given does not match the insured record",
            "请核对姓名（少数民族姓名请注意中间的间隔点“·”）；如参保登记信息有误，请到参保地医保经办机构更正。",
            "check the spelling of the name (including the middle dot of minority names); have wrong "
            "registration data corrected at the insured region",
            *where(HOSPITAL, AGENCY), "R-9.7", "name",
        ))
    return out


_STATUS_REASON: dict[InsuranceStatus, tuple[str, str, str, str, str]] = {
    InsuranceStatus.LAPSED: (
        "INSURANCE_LAPSED", "参保状态为暂停（断缴）", "insurance is suspended (contributions lapsed)",
        "请到参保地补缴医保费用、恢复正常参保；待遇恢复后，按参保地规定可回参保地申请报销本次费用。",
        "pay the missing contributions at the insured region; once benefits resume, claim there if rules allow",
    ),
    InsuranceStatus.TERMINATED: (
        "INSURANCE_TERMINATED", "参保状态为终止", "insurance is terminated",
        "请到参保地医保经办机构核实参保状态；如已在其他地区参保，请以新参保地的参保身份就医和办理备案。",
        "check your status with the insured-region agency; if insured elsewhere now, use that insurance",
    ),
    InsuranceStatus.TRANSFERRING: (
        "INSURANCE_TRANSFERRING", "医保关系正在转移接续", "insurance is being transferred between regions",
        "请到转入地医保经办机构办结医保关系转移接续，办结后即可正常享受待遇。",
        "complete the transfer at the receiving region's agency; benefits follow once it is done",
    ),
}


def status_reason(person: Person, day: dt.date) -> Reason | None:
    """No benefits on the visit day: lapsed, terminated, transferring or in a waiting period (R-9.6, R-1.1)."""
    if not insurance_blocked(person, day):
        return None
    since = person.status_since
    if person.status is InsuranceStatus.WAITING:
        until = f"至 {since}" if since else ""
        return Reason(
            "INSURANCE_WAITING",
            f"处于医保待遇等待期{until}，等待期内不能享受医保待遇",
            f"in a waiting period{' until ' + since.isoformat() if since else ''}: no benefits yet",
            "等待期满后才能享受待遇；等待期内的费用由个人负担，请保留票据，按参保地规定咨询能否补报。",
            "benefits start after the waiting period; keep the receipts and ask the insured region whether "
            "costs meanwhile can be claimed",
            *where(AGENCY), "R-9.6", "person",
        )
    code, zh, en, act_zh, act_en = _STATUS_REASON[person.status]
    return Reason(
        code, f"{zh}{f'（自 {since} 起）' if since else ''}，不能享受医保待遇",
        f"{en}{f' since {since}' if since else ''}: no benefits", act_zh, act_en,
        *where(AGENCY), "R-9.6; R-1.1", "person",
    )
