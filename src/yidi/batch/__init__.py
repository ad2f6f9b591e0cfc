"""Set-based engines: re-adjudication of many settlements at once (Polars locally, PySpark at scale).

The per-bill engine (yidi.domain.engine.calculate) is the definition; the set-based plan here is its
twin, proven equal to the fen by tests/batch/test_differential.py. See docs/batch.md.
"""
