"""The few dataframe operations the re-adjudication plan needs, for Polars (here) and PySpark (spark.py).

The plan (plan.py) is written once against this small surface: column expressions with Python operators,
`when`, least/greatest, exact integer floor division, running sums and minima over a partition in
settlement order, joins with small dimension tables, a group sum, and patching rows by key. Polars
expressions and PySpark Columns both support +, -, *, comparisons, &, | and ~, so the plan's arithmetic
is literally the same code on both engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import polars as pl


class Backend(Protocol):
    """What plan.py calls; `Expr` and `Frame` are the engine's own types."""

    name: str

    def c(self, name: str) -> Any: ...
    def lit(self, value: Any) -> Any: ...
    def when(self, cond: Any, then: Any, otherwise: Any) -> Any: ...
    def least(self, *xs: Any) -> Any: ...
    def greatest(self, *xs: Any) -> Any: ...
    def fdiv(self, a: Any, b: Any) -> Any: ...
    def to_int(self, cond: Any) -> Any: ...
    def is_null(self, e: Any) -> Any: ...
    def year(self, e: Any) -> Any: ...
    def cum_sum(self, e: Any, part: Sequence[str]) -> Any: ...
    def cum_min(self, e: Any, part: Sequence[str]) -> Any: ...
    def lag(self, e: Any, part: Sequence[str], default: Any) -> Any: ...
    def max_over(self, e: Any, part: Sequence[str]) -> Any: ...
    def min_over(self, e: Any, part: Sequence[str]) -> Any: ...
    def with_columns(self, df: Any, cols: dict[str, Any]) -> Any: ...
    def table(self, data: dict[str, list[Any]]) -> Any: ...
    def join(self, df: Any, dim: Any, on: list[str], how: str = "left") -> Any: ...
    def explode_lines(self, df: Any, keep: list[str]) -> Any: ...
    def group_sum(self, df: Any, key: str, cols: list[str]) -> Any: ...
    def distinct(self, df: Any, cols: list[str]) -> list[tuple[Any, ...]]: ...
    def rows(self, df: Any, cond: Any, cols: list[str]) -> list[tuple[Any, ...]]: ...
    def count(self, df: Any, cond: Any) -> int: ...
    def patch(self, df: Any, key: str, cols: list[str], rows: list[tuple[Any, ...]]) -> Any: ...
    def prepare(self, df: Any, order: list[str]) -> Any: ...
    def part_key(self, df: Any, cols: list[str], name: str) -> tuple[Any, list[str]]: ...
    def checkpoint(self, df: Any) -> Any: ...


class PolarsBackend:
    """Eager Polars: the frame is sorted once in settlement order per person, so a window's running
    sum over a partition follows that order (Polars keeps row order inside each group)."""

    name = "polars"

    def c(self, name: str) -> pl.Expr:
        return pl.col(name)

    def lit(self, value: Any) -> pl.Expr:
        if isinstance(value, bool):
            return pl.lit(value)
        if isinstance(value, int):
            return pl.lit(value, dtype=pl.Int64)
        return pl.lit(value)

    def when(self, cond: Any, then: Any, otherwise: Any) -> pl.Expr:
        return pl.when(cond).then(then).otherwise(otherwise)

    def least(self, *xs: Any) -> pl.Expr:
        return pl.min_horizontal(*xs)

    def greatest(self, *xs: Any) -> pl.Expr:
        return pl.max_horizontal(*xs)

    def fdiv(self, a: Any, b: Any) -> pl.Expr:
        return a // b  # type: ignore[no-any-return]

    def is_null(self, e: Any) -> pl.Expr:
        return e.is_null()  # type: ignore[no-any-return]

    def to_int(self, cond: Any) -> pl.Expr:
        return cond.cast(pl.Int64)  # type: ignore[no-any-return]

    def year(self, e: Any) -> pl.Expr:
        return e.dt.year().cast(pl.Int64)  # type: ignore[no-any-return]

    def cum_sum(self, e: Any, part: Sequence[str]) -> pl.Expr:
        return e.cum_sum().over(list(part))  # type: ignore[no-any-return]

    def cum_min(self, e: Any, part: Sequence[str]) -> pl.Expr:
        return e.cum_min().over(list(part))  # type: ignore[no-any-return]

    def lag(self, e: Any, part: Sequence[str], default: Any) -> pl.Expr:
        return e.shift(1).over(list(part)).fill_null(default)  # type: ignore[no-any-return]

    def max_over(self, e: Any, part: Sequence[str]) -> pl.Expr:
        return e.max().over(list(part))  # type: ignore[no-any-return]

    def min_over(self, e: Any, part: Sequence[str]) -> pl.Expr:
        return e.min().over(list(part))  # type: ignore[no-any-return]

    # Between checkpoints the plan is a lazy query, so Polars fuses the many small column steps and
    # materialises only the columns that are used; a checkpoint (before a count, rows or patch) collects.
    def with_columns(self, df: pl.DataFrame | pl.LazyFrame, cols: dict[str, Any]) -> pl.LazyFrame:
        return df.lazy().with_columns(**cols)

    def table(self, data: dict[str, list[Any]]) -> pl.DataFrame:
        df = pl.DataFrame(data, strict=False)
        return df.with_columns(pl.col(pl.Int32).cast(pl.Int64))

    def join(self, df: pl.DataFrame | pl.LazyFrame, dim: pl.DataFrame | pl.LazyFrame, on: list[str],
             how: str = "left") -> pl.LazyFrame:
        return df.lazy().join(dim.lazy(), on=on, how=how, maintain_order="left")  # type: ignore[arg-type]

    def explode_lines(self, df: pl.DataFrame | pl.LazyFrame, keep: list[str]) -> pl.LazyFrame:
        return df.lazy().select([*keep, "lines"]).explode("lines").unnest("lines")

    def group_sum(self, df: pl.DataFrame | pl.LazyFrame, key: str, cols: list[str]) -> pl.LazyFrame:
        return df.lazy().group_by(key).agg([pl.col(c).sum() for c in cols])

    def distinct(self, df: pl.DataFrame | pl.LazyFrame, cols: list[str]) -> list[tuple[Any, ...]]:
        return df.lazy().select(cols).unique().collect().rows()

    def rows(self, df: pl.DataFrame | pl.LazyFrame, cond: Any, cols: list[str]) -> list[tuple[Any, ...]]:
        return df.lazy().filter(cond).select(cols).collect().rows()

    def count(self, df: pl.DataFrame | pl.LazyFrame, cond: Any) -> int:
        return int(df.lazy().select(cond.sum()).collect().item())

    def patch(self, df: pl.DataFrame | pl.LazyFrame, key: str, cols: list[str], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
        df = self.checkpoint(df)
        if not rows:
            return df
        fix = pl.DataFrame(rows, schema=[key, *[f"__fix_{c}" for c in cols]], orient="row")
        fix = fix.with_columns(pl.col(key).cast(df.schema[key]))
        out = df.join(fix, on=key, how="left", maintain_order="left")
        return out.with_columns(**{c: pl.coalesce(pl.col(f"__fix_{c}").cast(df.schema[c]), pl.col(c)) for c in cols}).drop(
            [f"__fix_{c}" for c in cols])

    def prepare(self, df: pl.DataFrame | pl.LazyFrame, order: list[str]) -> pl.DataFrame:
        return df.lazy().sort(order).collect()

    def part_key(self, df: pl.DataFrame | pl.LazyFrame, cols: list[str], name: str) -> tuple[pl.DataFrame, list[str]]:
        """One integer id for a partition of the (sorted) frame: windows hash one int64, not four strings."""
        changed = pl.lit(False)
        for col in cols:
            changed = changed | (pl.col(col) != pl.col(col).shift(1)).fill_null(True)
        return df.lazy().with_columns(changed.cast(pl.Int64).cum_sum().alias(name)).collect(), [name]

    def checkpoint(self, df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        return df.collect() if isinstance(df, pl.LazyFrame) else df
