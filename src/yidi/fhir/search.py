"""FHIR R4 search answers: a searchset Bundle of resources, the `created` date parameter read as FHIR reads it
(eq / ge / gt / le / lt prefixes on a day or a month), and the server's CapabilityStatement (/metadata)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.resource import Resource

import yidi
from yidi.domain.error_catalogue import error

_DATE = re.compile(r"^(eq|ge|gt|le|lt)?(\d{4})-(\d{2})(?:-(\d{2}))?$")
MAX_DATE_PARAMS = 2  # a range is two (ge…&le…); more says nothing new


def _bad(value: str, zh: str, en: str) -> Exception:
    return error("FHIR_SEARCH_INVALID", field="created", name="created", value=value[:40], detail_zh=zh, detail_en=en)


def date_range(values: Sequence[str]) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day (each None: open) that `created=…` values allow together, e.g. `2026-12` is
    1–31 December, `ge2026-12-01&lt2026-12-07` is 1–6 December. Anything else is FHIR_SEARCH_INVALID."""
    if len(values) > MAX_DATE_PARAMS:
        raise _bad(",".join(values), f"最多 {MAX_DATE_PARAMS} 个", f"at most {MAX_DATE_PARAMS} values")
    first: dt.date | None = None
    last: dt.date | None = None
    for v in values:
        m = _DATE.match(v)
        if m is None:
            raise _bad(v, "应为 [eq|ge|gt|le|lt]YYYY-MM-DD 或 YYYY-MM", "expected [eq|ge|gt|le|lt]YYYY-MM-DD or YYYY-MM")
        prefix, y, mo, d = m.group(1) or "eq", int(m.group(2)), int(m.group(3)), m.group(4)
        try:
            lo = dt.date(y, mo, int(d) if d else 1)
            hi = lo if d else dt.date(y, mo, calendar.monthrange(y, mo)[1])
        except ValueError:
            raise _bad(v, "不是有效日期", "not a valid date") from None
        lower = {"eq": lo, "ge": lo, "gt": hi + dt.timedelta(days=1)}.get(prefix)
        upper = {"eq": hi, "le": hi, "lt": lo - dt.timedelta(days=1)}.get(prefix)
        first = lower if lower is not None and (first is None or lower > first) else first
        last = upper if upper is not None and (last is None or upper < last) else last
    return first, last


def searchset(base: str, kind: str, resources: Sequence[Resource], self_url: str) -> Bundle:
    """The resources a search found, each under its full URL (the library validates the Bundle)."""
    return Bundle.model_validate({
        "resourceType": "Bundle", "type": "searchset", "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [{"fullUrl": f"{base}/{kind}/{r.id}", "resource": r, "search": {"mode": "match"}} for r in resources],
    })


def _resource(kind: str, interactions: Sequence[str], doc: str, params: Sequence[tuple[str, str, str]] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "interaction": [{"code": i} for i in interactions], "documentation": doc}
    if params:
        out["searchParam"] = [{"name": n, "type": t, "documentation": d} for n, t, d in params]
    return out


def capability_statement(base: str, today: dt.date) -> CapabilityStatement:
    """What yidi's FHIR routes offer: read-only resources, one search, R4 JSON, Bearer credentials."""
    return CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement", "status": "active", "date": today.isoformat(), "kind": "instance",
        "publisher": "yidi", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "yidi", "version": yidi.__version__},
        "implementation": {"description": "yidi 异地就医 FHIR R4 导出 (read-only)", "url": base},
        "rest": [{
            "mode": "server",
            "documentation": "只读；每个资源的可见范围与对应的 JSON 接口相同 (scoped as the JSON routes)",
            "security": {"description": "Authorization: Bearer <token or hospital key> (docs/security.md)"},
            "resource": [
                _resource("ExplanationOfBenefit", ("read", "search-type"),
                          "结算 a settlement: the person, a linked relative, the desk that made it",
                          (("patient", "token", "参保人身份证号 the person's ID number (a desk: required)"),
                           ("created", "date", "结算日期 settlement day: [eq|ge|gt|le|lt]YYYY-MM-DD or YYYY-MM"))),
                _resource("Coverage", ("read",), "备案 a filing: the person, the insured region's staff"),
                _resource("CoverageEligibilityResponse", ("create",),
                          "待遇资格核验 the eligibility answer, POST with the /api/v1/eligibility body (changes nothing)"),
                _resource("PaymentReconciliation", ("read",),
                          "清算明细 a month's clearing line: {month}.{treatment}.{insured}, the two agencies and the centre"),
            ],
        }],
    })
