"""Do the rows still hold what the audit trail says yidi wrote? (issue 13, part of `yidi audit verify`)

Two passes, both streamed:
1. the row log against the chain: for every record since the log began, the digests over its log lines
   must equal the record's before/after digests (which its entry hash proves); lines edited, deleted or
   added by hand break this;
2. each table against the log, one table at a time: the newest line per row is what the row must hold
   now. Reported, per row (table, key):
   - `changed`: the row differs from what yidi last wrote;
   - `added`: a row yidi never wrote (or wrote as deleted);
   - `deleted`: a row yidi wrote is gone;
   - `overwritten`: when yidi changed the row at seq N it was not in the state yidi had left it in:
     someone edited it in between, and yidi's write carried the edit on.
Cost: pass 1 reads the log once (every line ever written, like the chain); pass 2 reads each table once and
holds one table's newest lines in memory (about 400 bytes a row). docs/security.md has measured figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import Table, func, literal, select, union_all
from sqlalchemy.orm import Session

from yidi.store import row_state
from yidi.store.audit_chain import SKIP_TABLES
from yidi.store.auth_models import AuditRowLogRow as Line
from yidi.store.schema import metadata
from yidi.store.settlement_models import AuditRow

_YIELD = 5000

WHAT = {
    "changed": ("在 yidi 之外被修改", "changed outside yidi"),
    "added": ("在 yidi 之外被添加", "added outside yidi"),
    "deleted": ("在 yidi 之外被删除", "deleted outside yidi"),
    "overwritten": ("在 yidi 之外被修改，之后 yidi 的写入沿用了改动", "changed outside yidi, then written on by yidi"),
}


@dataclass(frozen=True)
class RowProblem:
    table: str
    key: str
    kind: str  # changed / added / deleted / overwritten
    seq: int | None  # the record of yidi's last write of the row (overwritten: the write that found it edited)

    def as_dict(self) -> dict[str, Any]:
        zh, en = WHAT[self.kind]
        return {"table": self.table, "key": self.key, "kind": self.kind, "seq": self.seq, "message_zh": zh,
                "message_en": en}


@dataclass
class RowReport:
    tables: int = 0
    rows: int = 0  # rows compared
    lines: int = 0  # log lines read
    counts: Counter[str] = field(default_factory=Counter)  # problems per kind
    problems: list[RowProblem] = field(default_factory=list)  # the first `limit` of them
    log_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.counts and not self.log_problems

    def add(self, p: RowProblem, limit: int) -> None:
        self.counts[p.kind] += 1
        if len(self.problems) < limit:
            self.problems.append(p)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "tables": self.tables, "rows": self.rows, "log_lines": self.lines,
                "counts": dict(self.counts), "problems": [p.as_dict() for p in self.problems],
                "log_problems": self.log_problems}


def verify_rows(session: Session, *, limit: int = 100, tables: list[Table] | None = None) -> RowReport:
    """Compare every audited row with the row log, and the row log with the chain."""
    rep = RowReport()
    _check_log(session, rep, limit)
    dialect = session.get_bind().dialect
    todo = tables if tables is not None else audited_tables()
    # sizes first (two statements): empty tables cost nothing, small ones are read without a server cursor
    lines = dict(session.execute(select(Line.table_name, func.count()).group_by(Line.table_name)).all())
    rows = dict(session.execute(union_all(*[select(literal(t.name), func.count()).select_from(t) for t in todo]))
                .all()) if todo else {}
    for table in todo:
        rep.tables += 1
        n_lines, n_rows = int(lines.get(table.name, 0)), int(rows.get(table.name, 0))
        if n_lines or n_rows:
            _check_table(session, table, dialect, rep, limit, n_lines, n_rows)
    return rep


def snapshot(session: Session) -> None:
    """Read everything that follows from one snapshot (PostgreSQL REPEATABLE READ), so that writes committed
    while the check runs cannot look like changes; call first in the transaction. SQLite transactions here
    take the write lock (yidi.store.db), which holds writers off for the check's duration."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def audited_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.name not in SKIP_TABLES]


def _stream(session: Session, q: Any, size: int | None = None) -> Iterator[Any]:
    """Rows of `q`: through a server-side cursor in batches, unless known to be few."""
    if size is not None and size <= _YIELD:
        return iter(session.execute(q).all())
    return iter(session.execute(q.execution_options(yield_per=_YIELD)))


def _check_log(session: Session, rep: RowReport, limit: int) -> None:
    start = session.scalar(select(func.max(AuditRow.seq)).where(AuditRow.action == row_state.LOG_START)) or 1
    recs = _stream(session, select(AuditRow.seq, AuditRow.at, AuditRow.before_digest, AuditRow.after_digest,
                                   AuditRow.lane).where(AuditRow.seq >= start).order_by(AuditRow.seq))
    lines = _stream(session, select(Line.seq, Line.table_name, Line.row_key, Line.before, Line.after)
                    .order_by(Line.seq, Line.ord))
    rec = next(recs, None)
    prev: dict[int, Any] = {}  # per lane: the previous record, and whether its digests were proved by lines

    def problem(text: str) -> None:
        if len(rep.log_problems) < limit:
            rep.log_problems.append(text)

    def passed(r: Any, proved: bool, *, had_lines: bool = False) -> None:
        if not proved and r.after_digest and not had_lines:
            # a transaction with several records (a use case's own ones) logs its lines under the first; they
            # follow one another in their lane (other lanes' records may come between them in the global order)
            last = prev.get(r.lane)
            same = last is not None and last[1] and tuple(last[0][1:]) == tuple(r[1:])
            if not same:
                problem(f"seq {r.seq}: its row log lines are missing (deleted?)")
            proved = bool(same)
        prev[r.lane] = (r, proved)

    for seq, group in groupby(lines, key=lambda line: line.seq):
        befores, afters = row_state.ListDigest(), row_state.ListDigest()
        for line in group:
            rep.lines += 1
            befores.add(line.before)
            afters.add([line.table_name, line.row_key, line.after])
        while rec is not None and rec.seq < seq:
            passed(rec, False)
            rec = next(recs, None)
        if rec is None or rec.seq != seq:
            problem(f"row log lines under seq {seq}, which has no audit record (added by hand?)")
            continue
        ok = (befores.hexdigest(), afters.hexdigest()) == (rec.before_digest, rec.after_digest)
        if not ok:
            problem(f"seq {seq}: its row log lines do not match the record's digests (edited?)")
        passed(rec, ok, had_lines=True)
        rec = next(recs, None)
    while rec is not None:
        passed(rec, False)
        rec = next(recs, None)


def _check_table(session: Session, table: Table, dialect: Any, rep: RowReport, limit: int, n_lines: int,
                 n_rows: int) -> None:
    newest: dict[str, tuple[str, int]] = {}
    lines = _stream(session, select(Line.row_key, Line.seq, Line.before, Line.after)
                    .where(Line.table_name == table.name).order_by(Line.row_key, Line.seq), n_lines) if n_lines else iter(())
    for key, group in groupby(lines, key=lambda line: line.row_key):
        after, seq = row_state.DELETED, 0
        for line in group:
            if line.before not in (row_state.ADOPTED, row_state.UNKNOWN) and line.before != after:
                rep.add(RowProblem(table.name, key, "overwritten", line.seq), limit)
            after, seq = line.after, line.seq
        if after != row_state.DELETED:
            newest[key] = (after, seq)
    for row in _stream(session, select(*row_state.read_columns(table)), n_rows) if n_rows else ():
        rep.rows += 1
        key, now = row_state.stored_state(table, row, dialect)
        want = newest.pop(key, None)
        if want is None:
            rep.add(RowProblem(table.name, key, "added", None), limit)
        elif want[0] != now:
            rep.add(RowProblem(table.name, key, "changed", want[1]), limit)
    for key, (_d, seq) in newest.items():
        rep.add(RowProblem(table.name, key, "deleted", seq), limit)
