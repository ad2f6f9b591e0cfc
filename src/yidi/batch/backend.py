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
    def any_over(self, cond: Any, part: Sequence[str]) -> Any: ...
    def with_columns(self, df: Any, cols: dict[str, Any]) -> Any: ...
    def select(self, df: Any, cols: list[str]) -> Any: ...
    def table(self, data: dict[str, list[Any]]) -> Any: ...
    def join(self, df: Any, dim: Any, on: list[str], how: str = "left") -> Any: ...
    def lookup(self, df: Any, key: str, table: dict[str, list[Any]]) -> Any: ...
    def split_lines(self, df: Any) -> tuple[Any, Any]: ...
    def explode_lines(self, df: Any, lines: Any, keep: list[str]) -> Any: ...
    def code_ids(self, ln: Any, codes: list[str], out: str) -> Any: ...
    def line_sums(self, df: Any, lines: Any, ln: Any, cols: list[str]) -> Any: ...
    def distinct(self, df: Any, cols: list[str]) -> list[tuple[Any, ...]]: ...
    def rows(self, df: Any, cond: Any, cols: list[str]) -> list[tuple[Any, ...]]: ...
    def rows_by_key(self, df: Any, key: str, values: list[Any], cols: list[str]) -> list[tuple[Any, ...]]: ...
    def count(self, df: Any, cond: Any) -> int: ...
    def patch(self, df: Any, key: str, cols: list[str], rows: list[tuple[Any, ...]]) -> Any: ...
    def prepare(self, df: Any, order: list[str]) -> Any: ...
    def part_key(self, df: Any, cols: list[str], name: str) -> tuple[Any, list[str]]: ...
    def checkpoint(self, df: Any) -> Any: ...


class PolarsBackend:
    """Polars, lazy between checkpoints. The frame is sorted once in settlement order per person
    (`prepare`), after the line stage, so the person-year is a run of consecutive rows.

    Windows are not `.over()` (a hash grouping per expression) but positional: `part_key` stores, for a
    partition, the permutation that orders the frame by partition (stable, so settlement order is kept
    inside each partition), its inverse and the partition starts and ends; a running sum is then a
    gather, one cumulative sum minus the value at the partition start, and a gather back. For the
    person-year itself (already contiguous) no permutation is needed. Lines never travel with the
    settlement frame: `split_lines` keeps them aside, `explode_lines` pairs them with a few settlement
    columns in the same row order, and `line_sums` adds each settlement's line totals by position
    (a cumulative sum read at the list offsets), with no hash grouping and no join back.
    """

    name = "polars"

    def __init__(self) -> None:
        self._perm: dict[str, bool] = {}  # partition name -> has a permutation (not contiguous)

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

    # -- positional windows (see the class docstring) ---------------------------------------------
    def _name(self, part: Sequence[str]) -> str:
        if len(part) != 1 or part[0] not in self._perm:
            raise ValueError(f"partition {list(part)} has no part_key")
        return part[0]

    def _to_part(self, e: pl.Expr, name: str) -> pl.Expr:
        return e.gather(pl.col(f"__{name}_p")) if self._perm[name] else e

    def _from_part(self, e: pl.Expr, name: str) -> pl.Expr:
        return e.gather(pl.col(f"__{name}_i")) if self._perm[name] else e

    def _seg_sum(self, e: pl.Expr, name: str) -> pl.Expr:
        """Running sum restarting at each partition start, in partition order."""
        s = self._to_part(e, name)
        cs = s.cum_sum()
        return cs - pl.when(pl.col(f"__{name}_s")).then(cs - s).otherwise(None).forward_fill()

    def cum_sum(self, e: Any, part: Sequence[str]) -> pl.Expr:
        name = self._name(part)
        return self._from_part(self._seg_sum(e, name), name)

    def cum_min(self, e: Any, part: Sequence[str]) -> pl.Expr:
        return e.cum_min().over(self._name(part))  # type: ignore[no-any-return]

    def lag(self, e: Any, part: Sequence[str], default: Any) -> pl.Expr:
        name = self._name(part)
        prev = self._from_part(self._to_part(e, name).shift(1), name)
        return pl.when(pl.col(f"__{name}_f")).then(default).otherwise(prev)

    def any_over(self, cond: Any, part: Sequence[str]) -> pl.Expr:
        name = self._name(part)
        run = self._seg_sum(cond.cast(pl.Int64), name)
        total = pl.when(pl.col(f"__{name}_e")).then(run).otherwise(None).backward_fill()
        return self._from_part(total, name) > 0

    # Between checkpoints the plan is a lazy query, so Polars fuses the many small column steps and
    # materialises only the columns that are used; a checkpoint (before a count, rows or patch) collects.
    def with_columns(self, df: pl.DataFrame | pl.LazyFrame, cols: dict[str, Any]) -> pl.LazyFrame:
        return df.lazy().with_columns(**cols)

    def select(self, df: pl.DataFrame | pl.LazyFrame, cols: list[str]) -> pl.LazyFrame:
        return df.lazy().select(cols)

    def table(self, data: dict[str, list[Any]]) -> pl.DataFrame:
        df = pl.DataFrame(data, strict=False)
        return df.with_columns(pl.col(pl.Int32).cast(pl.Int64))

    def join(self, df: pl.DataFrame | pl.LazyFrame, dim: pl.DataFrame | pl.LazyFrame, on: list[str],
             how: str = "left") -> pl.LazyFrame:
        # the plan joins dimension tables that have a row for every key (build_dims raises otherwise),
        # so a left join keeps every row; it is much cheaper than an order-keeping inner join
        return df.lazy().join(dim.lazy(), on=on, how="left", maintain_order="left")

    def lookup(self, df: pl.DataFrame | pl.LazyFrame, key: str, table: dict[str, list[Any]]) -> pl.LazyFrame:
        """Columns of a dense table by row position: row `key` (null where `key` is out of range).
        A gather from a small array per column: no hashing, no join."""
        cols = self.table(table)
        n = cols.height
        at = pl.when((pl.col(key) >= 0) & (pl.col(key) < n)).then(pl.col(key)).otherwise(n)
        pad = pl.concat([cols, cols.clear(1)])  # row n: nulls
        return df.lazy().with_columns(**{name: pl.lit(pad.get_column(name)).gather(at) for name in cols.columns})

    def split_lines(self, df: pl.DataFrame | pl.LazyFrame) -> tuple[pl.DataFrame, pl.Series]:
        df = df.collect() if isinstance(df, pl.LazyFrame) else df
        return df.drop("lines").rechunk(), df.get_column("lines")

    def explode_lines(self, df: pl.DataFrame | pl.LazyFrame, lines: pl.Series, keep: list[str]) -> pl.LazyFrame:
        """One row per line (an empty list gives one row of nulls), in the frame's row order."""
        own = self.checkpoint(self.select(df, keep))
        return own.with_columns(lines.alias("lines")).lazy().explode("lines").unnest("lines")

    def code_ids(self, ln: pl.DataFrame | pl.LazyFrame, codes: list[str], out: str) -> pl.LazyFrame:
        """Each line's code as its index in `codes` (sorted), -1 for a code not in it."""
        return ln.lazy().with_columns(
            pl.col("code").cast(pl.Enum(codes), strict=False).to_physical().cast(pl.Int64).fill_null(-1).alias(out))

    def line_sums(self, df: pl.DataFrame | pl.LazyFrame, lines: pl.Series, ln: pl.DataFrame | pl.LazyFrame,
                  cols: list[str]) -> pl.DataFrame:
        """Per settlement, the sum of `cols` over its lines (0 without lines), by list offsets."""
        df = self.checkpoint(df)
        # the per-line steps are row-local: the streaming engine runs them morsel by morsel in cache
        # instead of materialising each intermediate column of 20 million rows
        sums = ln.lazy().select(cols).collect(engine="streaming")
        ends = lines.list.len().clip(lower_bound=1).cum_sum().cast(pl.Int64) - 1
        out = {}
        for col in cols:
            cs = sums.get_column(col).fill_null(0).cum_sum().gather(ends)
            out[col] = cs - cs.shift(1, fill_value=0)
        return df.with_columns(**out)

    def distinct(self, df: pl.DataFrame | pl.LazyFrame, cols: list[str]) -> list[tuple[Any, ...]]:
        return df.lazy().select(cols).unique().collect().rows()

    def rows(self, df: pl.DataFrame | pl.LazyFrame, cond: Any, cols: list[str]) -> list[tuple[Any, ...]]:
        return df.lazy().filter(cond).select(cols).collect().rows()

    def rows_by_key(self, df: pl.DataFrame | pl.LazyFrame, key: str, values: list[Any], cols: list[str]) -> list[tuple[Any, ...]]:
        return df.lazy().filter(pl.col(key).is_in(values)).select(cols).collect().rows()

    def count(self, df: pl.DataFrame | pl.LazyFrame, cond: Any) -> int:
        return int(df.lazy().select(cond.sum()).collect().item())

    def patch(self, df: pl.DataFrame | pl.LazyFrame, key: str, cols: list[str], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
        df = self.checkpoint(df)
        if not rows:
            return df
        fix = pl.DataFrame(rows, schema=[key, *[f"__fix_{c}" for c in cols]], orient="row")
        fix = fix.with_columns(pl.col(key).cast(df.schema[key]))
        # join only the key column (the frame is wide), then take the fixed values where there are any
        # (the key in one chunk: a join probing a column of many small chunks is several times slower)
        got = df.get_column(key).rechunk().to_frame().join(fix, on=key, how="left", maintain_order="left")
        return df.with_columns(**{c: pl.coalesce(got.get_column(f"__fix_{c}").cast(df.schema[c]), pl.col(c)) for c in cols})

    def prepare(self, df: pl.DataFrame | pl.LazyFrame, order: list[str]) -> pl.DataFrame:
        return df.lazy().sort(order).collect()

    def part_key(self, df: pl.DataFrame | pl.LazyFrame, cols: list[str], name: str) -> tuple[pl.DataFrame, list[str]]:
        """The positional window columns of a partition of the (sorted) frame (see the class docstring).

        Either columns the frame is sorted by (a run of equal values is one partition: the person-year),
        or such a contiguous partition's name followed by columns (small integers) that split it. Adds
        `__{name}_p` (the permutation into partition order) and `__{name}_i` (its inverse) when needed,
        `__{name}_s` / `__{name}_e` (partition start / end, in partition order) and `__{name}_f`
        (first of its partition, in frame order)."""
        df = self.checkpoint(df)
        if len(cols) > 1 and self._perm.get(cols[0]) is False:
            head, rest = [cols[0]], cols[1:]
        else:  # the frame is sorted by these columns
            head, rest = list(cols), []
        if not rest:  # the frame's own order: a run of equal values is one partition
            start = pl.lit(False)
            for col in head:
                start = start | (pl.col(col) != pl.col(col).shift(1)).fill_null(True)
            df = df.with_columns(start.alias(f"__{name}_s"))
            df = df.with_columns(pl.col(f"__{name}_s").shift(-1).fill_null(True).alias(f"__{name}_e"),
                                 pl.col(f"__{name}_s").alias(f"__{name}_f"),
                                 pl.col(f"__{name}_s").cast(pl.Int64).cum_sum().alias(name))
            self._perm[name] = False
            return df, [name]
        perm = pl.arg_sort_by([*head, *rest], maintain_order=True).cast(pl.Int64)
        df = df.with_columns(perm.alias(f"__{name}_p"))
        start = pl.lit(False)
        for col in [*head, *rest]:
            v = pl.col(col).gather(pl.col(f"__{name}_p"))
            start = start | (v != v.shift(1)).fill_null(True)
        df = df.with_columns(start.alias(f"__{name}_s"),
                             pl.int_range(pl.len(), dtype=pl.Int64).sort_by(f"__{name}_p").alias(f"__{name}_i"))
        df = df.with_columns(pl.col(f"__{name}_s").shift(-1).fill_null(True).alias(f"__{name}_e"),
                             pl.col(f"__{name}_s").gather(pl.col(f"__{name}_i")).alias(f"__{name}_f"),
                             pl.col(f"__{name}_s").cast(pl.Int64).cum_sum().gather(pl.col(f"__{name}_i")).alias(name))
        self._perm[name] = True
        return df, [name]

    def checkpoint(self, df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        return df.collect() if isinstance(df, pl.LazyFrame) else df
