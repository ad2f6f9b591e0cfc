"""Validated value types for input models, and the translation of validation failures into Problems."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from yidi.domain.errors import Problem, YidiError
from yidi.domain.money import FEN, decimals_of, parse_decimal

M = TypeVar("M", bound=BaseModel)


def fail(code: str, zh: str, en: str) -> PydanticCustomError:
    """A validation failure with our stable code; the Chinese text rides in the context."""
    return PydanticCustomError(code, en, {"zh": zh})


# Larger than any bill, quantity or price: bounds every product and sum well inside the decimal context and
# the fen columns (BIGINT), so an absurd number is a 422, never an overflow deep inside (found by fuzzing).
NUMBER_LIMIT = Decimal(100_000_000)


def _number(value: Any) -> Decimal:
    try:
        d = parse_decimal(value)
    except ValueError:
        raise fail("NOT_A_NUMBER", f"不是数字：{value!r}", f"not a number: {value!r}") from None
    if abs(d) >= NUMBER_LIMIT:
        raise fail("NUMBER_TOO_LARGE", f"数值过大（绝对值须小于 1 亿）：{value}",
                   f"number too large (absolute value must be below 100000000): {value}")
    return d


def _yuan(value: Any) -> Decimal:
    d = _number(value)
    if decimals_of(d.normalize()) > 2:
        raise fail("MONEY_PRECISION", f"金额 {value} 超过两位小数（精确到分）", f"amount {value} has more than 2 decimals")
    if d < 0:
        raise fail("MONEY_NEGATIVE", f"金额不能为负：{value}", f"amount must not be negative: {value}")
    return d.quantize(FEN)


def _ratio(value: Any) -> Decimal:
    d = _number(value)
    if not (0 <= d <= 1):
        raise fail("RATIO_RANGE", f"比例应在 0 到 1 之间，收到 {value}", f"ratio must be between 0 and 1, got {value}")
    return d


def _points(value: Any) -> Decimal:
    d = _number(value)
    if not (0 <= d <= 100):
        raise fail("POINTS_RANGE", f"百分点应在 0 到 100 之间，收到 {value}", f"percentage points must be 0..100, got {value}")
    return d


def _positive(value: Any) -> Decimal:
    d = _number(value)
    if d <= 0:
        raise fail("QUANTITY_NOT_POSITIVE", f"数量必须大于零，收到 {value}", f"quantity must be greater than zero, got {value}")
    if decimals_of(d.normalize()) > 4:
        raise fail("QUANTITY_PRECISION", f"数量最多四位小数：{value}", f"quantity has more than 4 decimals: {value}")
    return d


def _region_code(value: Any) -> str:
    s = str(value).strip()
    if len(s) != 6 or not s.isdigit():
        raise fail("REGION_FORMAT", f"统筹区编码应为6位数字，收到“{s}”", f"region code must be 6 digits, got {s!r}")
    return s


Yuan = Annotated[Decimal, BeforeValidator(_yuan)]
Ratio = Annotated[Decimal, BeforeValidator(_ratio)]
Points = Annotated[Decimal, BeforeValidator(_points)]
Quantity = Annotated[Decimal, BeforeValidator(_positive)]
RegionCode = Annotated[str, BeforeValidator(_region_code)]


class Strict(BaseModel):
    """Base for every input model: unknown keys are errors (a silently ignored setting is a defect)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_GENERIC: dict[str, tuple[str, str, str]] = {
    # pydantic error type -> (our code, zh template, en template)
    "missing": ("FIELD_MISSING", "缺少必填字段", "field is required"),
    "extra_forbidden": ("FIELD_UNKNOWN", "不认识的字段（拼写错误或放错了位置？）", "unknown field (misspelt or misplaced?)"),
    "enum": ("FIELD_CHOICE", "取值不在允许范围内", "value is not one of the allowed choices"),
    "literal_error": ("FIELD_CHOICE", "取值不在允许范围内", "value is not one of the allowed choices"),
    "date_from_datetime_parsing": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_parsing": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
    "date_type": ("DATE_FORMAT", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"),
}


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
        elif etype in _GENERIC:
            code, zh, en = _GENERIC[etype]
            detail = err["msg"] if etype in ("enum", "literal_error") else en
            out.append(Problem(code, field, f"{zh}：{field}", detail))
        elif etype == "value_error" and isinstance(ctx.get("error"), YidiError):
            ye: YidiError = ctx["error"]
            out.extend(Problem(p.code, field, p.message_zh, p.message_en) for p in ye.problems)
        else:
            out.append(Problem("FIELD_INVALID", field, f"字段取值无效：{field}（{err['msg']}）", err["msg"]))
    return out


def validate_model(model: type[M], data: Any, *, prefix: str = "", code: str | None = None) -> M:
    """Validate data into a model, raising YidiError with every problem found."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise YidiError.of(problems_from(exc, prefix), code=code) from None


def check_dates(start: dt.date, end: dt.date | None, field: str) -> None:
    if end is not None and end < start:
        raise fail("DATE_ORDER", f"{field} 的结束日期早于开始日期", f"{field}: end date is before start date")
