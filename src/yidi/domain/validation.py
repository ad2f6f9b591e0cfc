"""Validated value types for input models, and the translation of validation failures into Problems.

Every amount, quantity, date and text a door accepts goes through one of these types: plain decimal
notation only, the bounds of yidi.domain.bounds, full-width forms folded (yidi.domain.normalise), and no
control characters in any text (checked for every field of every `Strict` model).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from yidi.domain import bounds as B
from yidi.domain import normalise
from yidi.domain.error_catalogue import error, message, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.domain.money import FEN, decimals_of

M = TypeVar("M", bound=BaseModel)


def fail(code: str, zh: str, en: str) -> PydanticCustomError:
    """A validation failure with our stable code; the Chinese text rides in the context."""
    return PydanticCustomError(code, en, {"zh": zh})


def failure(code: str, /, **values: Any) -> PydanticCustomError:
    """A validation failure of a catalogue code, its messages filled in (pydantic adds where it is)."""
    zh, en = message(code, **values)
    return fail(code, zh, en)


# Larger than any bill, quantity or price: bounds every product and sum of the numbers that have no
# bound of their own (policy parameters, ratios) well inside the decimal context (found by fuzzing).
NUMBER_LIMIT = Decimal(100_000_000)


def _plain(value: Any) -> Decimal:
    """A number in plain decimal notation (JSON number or string): no exponent, underscore, NaN or Infinity."""
    try:
        d = normalise.plain_decimal(value)
    except ValueError as exc:
        if exc.args and exc.args[0] == "notation":
            raise failure("NUMBER_FORMAT", detail_zh=f"请用普通写法（如 1234.50），不要用科学计数法、下划线等：{value!r}"[:180],
                          detail_en=f"use plain decimal notation (like 1234.50): no exponent, underscore, NaN: {value!r}"[:180]) from None
        raise failure("NOT_A_NUMBER", value=repr(value)[:180]) from None
    return d


def _fits(value: Any, d: Decimal) -> Decimal:
    """Checked last, after precision and size said what is wrong: 0000…1 written with 40 digits."""
    written = normalise.number_text(value) or format(d, "f")
    if len(written) > B.NUMBER_MAX_CHARS:
        raise failure("NUMBER_FORMAT", detail_zh=f"过长（最多 {B.NUMBER_MAX_CHARS} 个字符）",
                      detail_en=f"too long (at most {B.NUMBER_MAX_CHARS} characters)")
    return d


def _number(value: Any) -> Decimal:
    d = _plain(value)
    if abs(d) >= NUMBER_LIMIT:
        raise failure("NUMBER_TOO_LARGE", value=value)
    return _fits(value, d)


def _money(value: Any, maximum: Decimal, code: str, *, signed: bool = False) -> Decimal:
    d = _plain(value)
    if decimals_of(d) > B.MONEY_DECIMALS:
        raise failure("MONEY_PRECISION", value=value)
    if d < 0 and not signed:
        raise failure("MONEY_NEGATIVE", value=value)
    if abs(d) > maximum:
        raise fail(code, f"金额 {value} 超过上限 {maximum} 元", f"amount {value} is above the limit of {maximum} yuan")
    return _fits(value, d).quantize(FEN)


def _ratio(value: Any) -> Decimal:
    d = _number(value)
    if not (0 <= d <= 1):
        raise failure("RATIO_RANGE", value=value)
    return d


def _points(value: Any) -> Decimal:
    d = _number(value)
    if not (0 <= d <= 100):
        raise failure("POINTS_RANGE", value=value)
    return d


def _quantity(value: Any) -> Decimal:
    d = _plain(value)
    if d <= 0:
        raise failure("QUANTITY_NOT_POSITIVE", value=value)
    if decimals_of(d) > B.QUANTITY_DECIMALS:
        raise failure("QUANTITY_PRECISION", decimals=B.QUANTITY_DECIMALS, value=str(value)[:150])
    if d > B.QUANTITY_MAX:
        raise failure("QUANTITY_TOO_LARGE", value=value, limit=B.QUANTITY_MAX)
    return Decimal(format(_fits(value, d), "f"))  # stored as plain text ("100", never "1E+2")


def _region_code(value: Any) -> str:
    s = normalise.code(str(value))
    if len(s) != 6 or not s.isascii() or not s.isdigit():
        raise failure("REGION_FORMAT", value=s[:20])
    return s


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: Any, lo: dt.date, hi: dt.date) -> dt.date:
    """A calendar date written YYYY-MM-DD (not a date-time, not a timestamp), within [lo, hi]."""
    if isinstance(value, dt.datetime):
        raise failure("DATE_FORMAT")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _DATE.fullmatch(s := normalise.ascii_width(value).strip()):
        try:
            day = dt.date.fromisoformat(s)
        except ValueError:
            raise failure("DATE_NOT_EXIST", value=s) from None
    else:
        raise failure("DATE_FORMAT")
    if not lo <= day <= hi:
        raise failure("DATE_OUT_OF_RANGE", day=day, lo=lo, hi=hi)
    return day


def _citizen_id(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise failure("ID_FORMAT", shown=f"<{type(value).__name__}>")
    today = info.context.get("today") if isinstance(info.context, dict) else None
    try:
        return parse_citizen_id(value, today=today).number
    except YidiError as e:  # as a validation failure, so it is reported with every other problem
        raise fail(e.code, e.message_zh, e.message_en) from None


def _code(value: Any) -> Any:
    return normalise.code(value) if isinstance(value, str) else value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# what the OpenAPI document says of every number type: a JSON number, or a string in plain notation
_PLAIN = WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "maxLength": B.NUMBER_MAX_CHARS,
                                                        "pattern": "^-?[0-9]+(\\.[0-9]+)?$"}]})
# amounts in yuan: at most 2 decimals, not negative (SignedTotal may be), each with its own upper bound
Yuan = Annotated[Decimal, BeforeValidator(lambda v: _money(v, NUMBER_LIMIT - FEN, "NUMBER_TOO_LARGE")), _PLAIN]
UnitPrice = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.UNIT_PRICE_MAX, "AMOUNT_TOO_LARGE")), _PLAIN]
LineAmount = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.LINE_AMOUNT_MAX, "AMOUNT_TOO_LARGE")), _PLAIN]
InvoiceAmount = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.INVOICE_AMOUNT_MAX, "AMOUNT_TOO_LARGE")), _PLAIN]
Balance = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.ACCOUNT_BALANCE_MAX, "AMOUNT_TOO_LARGE")), _PLAIN]
VisitTotal = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.VISIT_TOTAL_MAX, "TOTAL_TOO_LARGE")), _PLAIN]
Accumulated = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.ACCUMULATED_MAX, "TOTAL_TOO_LARGE")), _PLAIN]
SignedTotal = Annotated[Decimal, BeforeValidator(lambda v: _money(v, B.ACCUMULATED_MAX, "TOTAL_TOO_LARGE", signed=True)), _PLAIN]
Number = Annotated[Decimal, BeforeValidator(_number), _PLAIN]  # plain notation, |x| < 1e8; constrain it with Field
Ratio = Annotated[Decimal, BeforeValidator(_ratio), _PLAIN]
Points = Annotated[Decimal, BeforeValidator(_points), _PLAIN]
Quantity = Annotated[Decimal, BeforeValidator(_quantity), _PLAIN]
RegionCode = Annotated[str, BeforeValidator(_region_code), Field(max_length=B.REGION_CODE)]
Day = Annotated[dt.date, BeforeValidator(lambda v: _date(v, B.DATE_MIN, B.DATE_MAX))]  # a day something happens
LifeDay = Annotated[dt.date, BeforeValidator(lambda v: _date(v, B.BIRTH_DATE_MIN, B.DATE_MAX))]  # a person's dates
IdNumber = Annotated[str, BeforeValidator(_citizen_id), Field(max_length=B.ID_NUMBER)]
Year = Annotated[int, Field(ge=B.YEAR_MIN, le=B.YEAR_MAX)]


# texts: give the bound with Field(max_length=bounds.X) on the field, so the OpenAPI document states it
Code = Annotated[str, BeforeValidator(_code)]  # a code as typed: full-width folded, surrounding spaces dropped
Text = Annotated[str, BeforeValidator(_strip)]  # a name or a reason: surrounding spaces dropped


def _bad_text(value: Any) -> str | None:
    if isinstance(value, str):
        return normalise.bad_character(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((c for c in map(_bad_text, value) if c is not None), None)
    if isinstance(value, dict):
        return _bad_text(list(value)) or _bad_text(list(value.values()))
    return None


class Strict(BaseModel):
    """Base for every input model: unknown keys are errors (a silently ignored setting is a defect), and no
    text anywhere in it may hold a control character (NUL cannot even be stored by PostgreSQL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _characters(cls, v: Any) -> Any:
        bad = _bad_text(v)
        if bad is not None:
            raise failure("TEXT_INVALID_CHARACTER", char=ord(bad))
        return v


_GENERIC: dict[str, tuple[str, str, str]] = {
    # pydantic error type -> (our code, zh template, en template)
    "missing": ("FIELD_MISSING", "缺少必填字段", "field is required"),
    "extra_forbidden": ("FIELD_UNKNOWN", "不认识的字段（拼写错误或放错了位置？）", "unknown field (misspelt or misplaced?)"),
    "enum": ("FIELD_CHOICE", "取值不在允许范围内", "value is not one of the allowed choices"),
    "literal_error": ("FIELD_CHOICE", "取值不在允许范围内", "value is not one of the allowed choices"),
    "date_from_datetime_parsing": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_from_datetime_inexact": ("DATE_FORMAT", "这里需要日期（YYYY-MM-DD），不是日期时间", "a date (YYYY-MM-DD) is needed, not a date-time"),
    "string_unicode": ("TEXT_INVALID_CHARACTER", "文字中有不可用的字符（如单独的代理项）", "the text holds a character that is not allowed (a lone surrogate)"),
    "date_parsing": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_type": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
}


def _generic(etype: str, err: Any, field: str) -> Problem:
    ctx = err.get("ctx") or {}
    if etype == "string_too_long" or (etype == "too_long" and isinstance(err.get("input"), str)):
        n = ctx.get("max_length")
        return problem("TEXT_TOO_LONG", field, name=field, limit=n)
    if etype.startswith("date_") and "outside expected range" in str(ctx.get("error", "")):
        return problem("DATE_NOT_EXIST", field, value=field)
    code, zh, en = _GENERIC[etype]
    return Problem(code, field, f"{zh}：{field}", err["msg"] if etype in ("enum", "literal_error") else en)


def problems_from(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn a pydantic ValidationError into our Problems (stable code, field path, zh + en)."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        field = f"{prefix}{'.' if prefix and loc else ''}{loc}"
        etype = err["type"]
        ctx = err.get("ctx") or {}
        if etype.isupper():  # one of ours, raised through fail()
            out.append(Problem(etype, field, str(ctx.get("zh", err["msg"])), err["msg"]))
        elif etype in _GENERIC or etype == "string_too_long" or (etype == "too_long" and isinstance(err.get("input"), str)):
            out.append(_generic(etype, err, field))
        elif etype == "value_error" and isinstance(ctx.get("error"), YidiError):
            ye: YidiError = ctx["error"]
            out.extend(Problem(p.code, field, p.message_zh, p.message_en) for p in ye.problems)
        else:
            out.append(Problem("FIELD_INVALID", field, f"字段取值无效：{field}（{err['msg']}）", err["msg"]))
    return out


def validate_model(model: type[M], data: Any, *, prefix: str = "", code: str | None = None,
                   today: dt.date | None = None) -> M:
    """Validate data into a model, raising YidiError with every problem found. `today` lets the checks that
    need a clock (a birth date in the future) run; the domain has none of its own."""
    try:
        return model.model_validate(data, context={"today": today} if today else None)
    except ValidationError as exc:
        raise YidiError.of(problems_from(exc, prefix), code=code) from None


def check_failures(check: Callable[[], object], field: str = "") -> list[Problem]:
    """The problem a model's own check raises (with failure()), as validate_model reports it; none when it passes.
    For a model built from trusted values (yidi.domain.trusted) whose checks across fields still apply."""
    try:
        check()
    except PydanticCustomError as exc:
        ctx = exc.context or {}
        return [Problem(exc.type, field, str(ctx.get("zh", exc.message())), exc.message())]
    return []


def checked_text(value: str, field: str, max_length: int) -> str:
    """The checks of a text field for doors without an input model (CLI options, query parameters): no
    control character, at most `max_length` characters; surrounding spaces dropped."""
    v = value.strip()
    bad = normalise.bad_character(v)
    if bad is not None:
        raise error("TEXT_INVALID_CHARACTER", field=field, char=ord(bad))
    if len(v) > max_length:
        raise error("TEXT_TOO_LONG", name=field, limit=max_length, field=field)
    return v


def check_dates(start: dt.date, end: dt.date | None, field: str) -> None:
    if end is not None and end < start:
        raise failure("DATE_ORDER", detail_zh=f"{field} 的结束日期早于开始日期",
                      detail_en=f"{field}: end date is before start date")
