"""Form parsing shared by the pages: form fields into the services' input models, fee lines from text."""

from __future__ import annotations

from typing import Any

from yidi.domain.bill import FeeLine
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.validation import validate_model


def lines_from_text(text: str, field: str = "lines") -> list[FeeLine]:
    """Fee lines typed one per line: `code, quantity, unit price[, name]` (Chinese commas and tabs too).

    Every bad line is reported at once, numbered as the person sees it.
    """
    out: list[FeeLine] = []
    problems: list[Problem] = []
    rows = [r for r in text.replace("，", ",").replace("\t", ",").splitlines() if r.strip()]
    for n, row in enumerate(rows, start=1):
        parts = [p.strip() for p in row.split(",")]
        if len(parts) < 3:
            problems.append(problem("LINE_FORMAT", field, row=n))
            continue
        data: dict[str, Any] = {"line_id": str(n), "code": parts[0], "quantity": parts[1], "unit_price": parts[2]}
        if len(parts) > 3 and parts[3]:
            data["name"] = parts[3]
        try:
            out.append(validate_model(FeeLine, data))
        except YidiError as err:
            problems += [Problem(p.code, field, f"第 {n} 行：{p.message_zh}", f"line {n}: {p.message_en}")
                         for p in err.problems]
    if problems:
        raise YidiError.of(problems)
    if not out:
        raise error("BILL_NO_LINES", field=field)
    return out
