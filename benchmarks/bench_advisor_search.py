"""Advisor question search: top-1 / top-3 accuracy on the labelled set (tests/advisor/data/questions.yaml).

Run: .venv/bin/python benchmarks/bench_advisor_search.py [--misses]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

from yidi.advisor.search import default_index

DATA = Path(__file__).resolve().parent.parent / "tests" / "advisor" / "data"


def evaluate(path: Path) -> tuple[int, int, int, list[str]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    idx = default_index()
    top1 = top3 = 0
    misses = []
    for it in items:
        ok = {it["topic"], *it.get("also", [])}
        ids = [h.topic.id for h in idx.search(it["q"], 3)]
        top1 += bool(ids) and ids[0] in ok
        top3 += bool(ok.intersection(ids))
        if not ids or ids[0] not in ok:
            misses.append(f"{it['q']}  want {it['topic']}  got {ids}")
    return len(items), top1, top3, misses


def main() -> None:
    t0 = time.perf_counter()
    default_index()
    build = time.perf_counter() - t0
    for name in ("questions.yaml", "holdout.yaml"):
        path = DATA / name
        if not path.exists():
            continue
        t1 = time.perf_counter()
        n, a1, a3, misses = evaluate(path)
        per = (time.perf_counter() - t1) / n * 1000
        print(f"{name}: n={n}  top-1 {a1 / n:.1%} ({a1})  top-3 {a3 / n:.1%} ({a3})  {per:.2f} ms/query")
        if "--misses" in sys.argv:
            print("\n".join("  " + m for m in misses))
    print(f"index build {build * 1000:.0f} ms")


if __name__ == "__main__":
    main()
