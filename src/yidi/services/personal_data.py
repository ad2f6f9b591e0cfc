"""Personal data: masking rules for logs and lists, and a person's export of everything held about them.

Masking (one place): citizen ID numbers keep region and check digit (`mask_id`), names keep the family
name, phone numbers the first three and last four digits, bank accounts the last four. Diagnoses are
personal health data: `may_see_diagnoses` says which principals need them (the person, agency reviewers
and payers of the insured region); others get them blanked.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id
from yidi.services.access import Duty, Principal, Role, require
from yidi.services.context import Context


def mask_name(name: str) -> str:
    """张三丰 -> 张**; an empty name stays empty."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "*" * len(digits)


def mask_account(account: str) -> str:
    digits = re.sub(r"\s", "", account)
    return "*" * max(len(digits) - 4, 0) + digits[-4:] if len(digits) > 4 else "*" * len(digits)


_ID_RE = re.compile(r"(?<![0-9])([1-9][0-9]{5})(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:[0-2][0-9]|3[01])[0-9]{3}([0-9Xx])(?![0-9])")
_PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
_CARD_RE = re.compile(r"(?<![0-9])[0-9]{12,15}([0-9]{4})(?![0-9])")


def mask_text(text: str) -> str:
    """Mask every citizen ID, mobile number and bank card number found in free text (log lines)."""
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_RE.sub(r"\1****\2", text)
    return _CARD_RE.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(1), text)


def may_see_diagnoses(p: Principal) -> bool:
    """The person; agency reviewers and payers (they judge and pay the claim); not hospitals' lists of others,
    not clearing operators (they clear money, not cases), not staff holding only the administrator duty."""
    if p.role is Role.PERSON:
        return True
    return p.role is Role.AGENCY and bool(p.duties & {Duty.REVIEWER, Duty.PAYER})


def diagnosis_fields(p: Principal, code: str, name: str) -> dict[str, Any]:
    """`diagnosis_code` / `diagnosis_name` of a record as `p` may see them: blank (and `diagnosis_hidden`
    true) for those who do not need them. Every view that returns a diagnosis goes through this."""
    if may_see_diagnoses(p):
        return {"diagnosis_code": code, "diagnosis_name": name, "diagnosis_hidden": False}
    return {"diagnosis_code": "", "diagnosis_name": "", "diagnosis_hidden": bool(code or name)}


# --- log lines ---------------------------------------------------------------------------------------
# Names cannot be recognised in free text; they are masked where a line labels them (name=…, "holder": …,
# 姓名：…), which is how yidi's own lines and SQL parameter dumps carry them.
_NAME_RE = re.compile(r"(?P<k>\b(?:name|person_name|payee_name|holder|account_holder|display_name)['\"]?\s*[=:]\s*['\"]?"
                      r"|(?:姓名|户名)\s*[=:：]\s*)(?P<v>[^\s'\",;:)}\]&]+)")


# ...and positional SQL parameters ('王小明', ...): a quoted Chinese name is masked. Han characters include
# Extension A, the compatibility ideographs and Extensions B to I on the supplementary planes (rare characters
# of names, 王𬌗); a transliterated name joins its parts with a middle dot (阿卜杜·热合曼) written as
# · U+00B7, ・ U+30FB, • U+2022, ‧ U+2027 or ･ U+FF65.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_DOTS = "\u00b7\u30fb\u2022\u2027\uff65"
_QUOTED_HAN_RE = re.compile(rf"(?P<q>['\"])(?P<v>[{_HAN}]{{2,4}}|[{_HAN}]{{1,10}}(?:[{_DOTS}][{_HAN}]{{1,10}}){{1,4}})(?P=q)")

# A URL (a request line in the access log, a link in a message) carries its query percent-encoded: an ID
# number typed into a search box arrives as q=%E8%BA%AB%E4%BB%BD%E8%AF%813601...; such runs are decoded
# (and `+` read as a space) before masking, and replaced by their masked decoded form.
_ENCODED_RE = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# bank accounts of any length (8 to 30 digits) where labelled; card-length numbers are masked anywhere (mask_text)
_ACCOUNT_RE = re.compile(r"(?P<k>\b(?:account_no|bank_account|account)['\"]?\s*[=:]\s*['\"]?)(?P<v>[0-9]{8,30})(?![0-9])")


def _mask_plain(text: str) -> str:
    text = _ACCOUNT_RE.sub(lambda m: m.group("k") + mask_account(m.group("v")), mask_text(text))
    text = _NAME_RE.sub(lambda m: m.group("k") + mask_name(m.group("v")), text)
    return _QUOTED_HAN_RE.sub(lambda m: m.group("q") + mask_name(m.group("v")) + m.group("q"), text)


def _mask_encoded(run: re.Match[str]) -> str:
    raw = run.group(0)
    decoded = unquote_plus(raw)
    masked = _mask_plain(decoded)
    if masked == decoded:
        return raw  # nothing personal inside: keep the line as it was
    # decoded text is shown, but a decoded newline must not start a forged log line
    return _CONTROL_RE.sub(lambda m: f"%{ord(m.group(0)):02X}", masked)


def mask_log_text(text: str) -> str:
    """mask_text, plus bank accounts and names where a log line labels or quotes them, also inside
    percent-encoded URLs (decoded first)."""
    if "%" in text:
        text = _ENCODED_RE.sub(_mask_encoded, text)
    return _mask_plain(text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a log record in place: its formatted message and any traceback text."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return record
    masked = mask_log_text(message)
    if masked != message:
        if isinstance(record.args, tuple) and record.args:
            # Keep the args' shape where masking them one by one gives the same text: formatters such
            # as uvicorn's access log unpack record.args, and a collapsed record would break them.
            args = tuple(mask_log_text(a) if isinstance(a, str) else a for a in record.args)
            msg = mask_log_text(record.msg) if isinstance(record.msg, str) else record.msg
            try:
                per_arg = str(msg) % args
            except (TypeError, ValueError):
                per_arg = None
            if per_arg == masked or record.name.startswith("uvicorn"):
                record.msg, record.args = msg, args
            else:
                record.msg, record.args = masked, None
        else:
            record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_log_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)
    return record


class MaskingFilter(logging.Filter):
    """A logging filter that masks ID numbers, phone and bank card numbers and labelled names."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_log_masking() -> None:
    """Mask every log record of the process when it is made (a LogRecord factory), so that no logger,
    handler or module can forget: yidi's own, uvicorn's access lines, SQLAlchemy's parameter dumps.
    Called by the app factory and the CLI; installing twice is harmless. Also put on the root handlers."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "yidi_masking", False):
        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return mask_record(current(*args, **kwargs))

        factory.yidi_masking = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def export_person(ctx: Context, principal: Principal) -> dict[str, Any]:
    """Everything yidi holds about the calling person (个人信息查阅复制): profile, filings with history,
    visits, settlements, claims with their lines, documents (listed) and history, accounts and sessions."""
    require(principal, Role.PERSON, what_zh="导出个人数据", what_en="export personal data")
    with ctx.uow() as uow:
        found = uow.personal_data.export(principal.subject)
    if found is None:
        raise error("PERSON_NOT_FOUND", field="")
    return {"generated_at": dt.datetime.now(dt.UTC).isoformat(), **found}
