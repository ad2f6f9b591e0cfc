"""Benchmark: quote a 40-line inpatient bill with its full explanation, on one core.

Reports the median time per bill and bills per second for the engine alone, for validate + engine +
JSON (what `POST /api/v1/quote` does per bill), and a floor in the same process (a plain Decimal scan of
the same 40 lines), with the ratios. Run: .venv/bin/python benchmarks/bench_quote.py
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from yidi.domain.bill import Bill
from yidi.domain.engine import calculate
from yidi.domain.money import round_fen
from yidi.policies.loader import SAMPLE_DIR, load_packs

CODES = ["S001", "XA01", "XB01", "S002", "M001", "M002", "XC01", "XB02"]


def bill_json() -> dict[str, Any]:
    lines = [
        {"line_id": str(i), "code": CODES[i % len(CODES)], "quantity": str(1 + i % 3),
         "unit_price": f"{(37 * i) % 900 + 12}.{i % 100:02d}"}
        for i in range(40)
    ]
    return {
        "bill_id": "BENCH", "visit_type": "INPATIENT", "institution": "H44010000001",
        "admission_date": "2026-03-02", "discharge_date": "2026-03-12",
        "person": {"id_number": "360426199101010071", "name": "张三", "insured_region": "369900",
                   "scheme": "EMPLOYEE", "category": "RETIRED", "account_balance": "3000.00"},
        "filing": {"type": "OTHER_TEMPORARY", "treatment_area": "440000", "start": "2026-01-01"},
        "accumulators": {"year": 2026, "admissions": 1, "fund_paid": {"basic": "12000.00"}},
        "lines": lines,
    }


def timeit(fn: Callable[[], object], n: int) -> list[float]:
    for _ in range(min(200, n)):
        fn()  # warm up
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(n: int = 5000) -> None:
    packs = load_packs(SAMPLE_DIR)
    raw = bill_json()
    bill = Bill.model_validate(raw)
    result = calculate(bill, packs)
    assert len(result.steps) >= 5 and len(result.lines) == 40

    def floor() -> Decimal:
        return sum((round_fen(ln.quantity * ln.unit_price) for ln in bill.lines), Decimal(0))

    def engine() -> object:
        return calculate(bill, packs)

    def full() -> str:
        return json.dumps(calculate(Bill.model_validate(raw), packs).as_dict(), ensure_ascii=False)

    rows = [("floor: Decimal scan of 40 lines", timeit(floor, n)),
            ("engine: calculate() with explanation", timeit(engine, n)),
            ("validate + calculate + JSON", timeit(full, n // 2))]
    base = statistics.median(rows[0][1])
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, one core")
    print(f"{'what':40} {'median ms':>10} {'bills/s':>10} {'x floor':>8}")
    for name, ts in rows:
        med = statistics.median(ts)
        print(f"{name:40} {med * 1000:10.3f} {1 / med:10.0f} {med / base:8.1f}")


if __name__ == "__main__":
    main()
