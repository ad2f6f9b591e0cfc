"""A statement sent on psycopg's connection as its cursor sends it, without the cursor's per-statement Python."""

from __future__ import annotations

from collections.abc import Generator
from functools import lru_cache
from typing import Any

from psycopg import Connection as PgConnection
from psycopg import errors as pe
from psycopg._preparing import Prepare
from psycopg._queries import _query2pg_nocache
from psycopg.abc import Transformer as Dumping
from psycopg.adapt import Transformer
from psycopg.generators import execute as pq_execute
from psycopg.generators import fetch_many as pq_fetch_many
from psycopg.generators import send as pq_flush
from psycopg.pq import ConnStatus, ExecStatus, Format, TransactionStatus

# psycopg's private pieces used here (its query conversion, its prepared-statement manager, the connection's
# transaction start and its BEGIN's text) are those its Cursor.execute uses, in psycopg 3.3.9 as pinned in
# pyproject.toml: a newer psycopg must pass tests/store/test_pg_send.py before the pin moves.
_TUPLES_OK, _COMMAND_OK, _FATAL = ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK, ExecStatus.FATAL_ERROR
_SYNC, _IDLE, _BAD = ExecStatus.PIPELINE_SYNC, TransactionStatus.IDLE, ConnStatus.BAD
_INTRANS = TransactionStatus.INTRANS
_COMMIT = b"COMMIT"  # (a test makes it fail)
_TX_KEY = "yidi.pg_send.transformer"


class _Query:
    """What psycopg's prepared-statement manager keys a statement by: its text as sent and its parameters' types."""

    __slots__ = ("query", "types")

    def __init__(self, query: bytes, types: tuple[int, ...]) -> None:
        self.query, self.types = query, types


@lru_cache(maxsize=256)
def _converted(sql: str, encoding: str) -> tuple[bytes, list[Any], tuple[str, ...]]:
    """`sql` (pyformat, `%(name)s`) as psycopg converts it: ($n text, each placeholder's format, names by $n).
    Cursor.execute parses it again at every execute (and the cursor re-checks the parameters against it)."""
    query, formats, order, _parts = _query2pg_nocache(sql.encode(encoding), encoding)
    return query, formats, tuple(order or ())


def execute(conn: Any, sql: str, params: dict[str, Any]) -> tuple[list[Any], int, list[int] | None]:
    """(rows as tuples, rowcount, the columns' type codes or None when it returns no rows) of `sql` with `params`
    on `conn` (a SQLAlchemy Connection on psycopg, in its transaction), as `cursor.execute(sql, params)` and
    `fetchall()` give them: the same text, parameters dumped by the same dumpers, prepared when psycopg's own
    threshold says so (its manager, so a rollback's DEALLOCATE ALL covers these statements too), the same
    psycopg exceptions. A psycopg error is raised as psycopg raises it (the caller maps it)."""
    dc, tx = _connection(conn)
    return _one(dc, tx, *_dumped(dc, tx, [(sql, params)])[0])


def _one(dc: PgConnection[Any], tx: Dumping, q: _Query, dumped: Any, formats: Any
         ) -> tuple[list[Any], int, list[int] | None]:
    with dc.lock:
        results = dc.wait(_execute_gen(dc, q, dumped, formats))
    if len(results) != 1:
        raise pe.InternalError(f"{len(results)} results from one statement")
    return _outcome(dc, tx, results[0])


def execute_all(conn: Any, statements: list[tuple[str, dict[str, Any]]]) -> list[tuple[list[Any], int, list[int] | None]]:
    """Each of `statements` (text, parameters) as `execute` gives it, all sent in ONE round trip (a libpq pipeline
    ended by one Sync, after the transaction's BEGIN when it is not open yet): statements whose parameters do not
    depend on each other's results. They run one after the other in the server, as they would in separate round
    trips; the first that fails is raised (the server skips those after it, and the transaction is left failed,
    for the caller's rollback). A statement psycopg prepares now has its Parse in the same pipeline; when one has no
    parameters (psycopg sends it by the simple protocol) each goes alone, as `execute` sends it."""
    dc, tx = _connection(conn)
    sent = _dumped(dc, tx, statements)
    prepared = dc._prepared
    plans = [(q, *prepared.get(q), dumped, formats) for q, dumped, formats in sent]  # type: ignore[arg-type]
    if len(sent) < 2 or any(not dumped for _q, _prep, _n, dumped, _f in plans):
        return [_one(dc, tx, *one) for one in sent]
    with dc.lock:
        begin = dc._get_tx_start_command() if not dc._autocommit and dc.pgconn.transaction_status == _IDLE else None
        results = dc.wait(_all_gen(dc, begin, plans))
    return [_outcome(dc, tx, r[0]) for r in results]


def execute_and_commit(conn: Any, sql: str, params: dict[str, Any]) -> tuple[tuple[list[Any], int, list[int] | None], bool]:
    """`execute`, and COMMIT sent behind the statement in the same round trip (one libpq pipeline, one Sync) when
    the transaction is open and the statement can go in a pipeline: (its result as `execute` gives it, whether the
    transaction was committed). When the statement fails the server skips the COMMIT: its error is raised and the
    transaction is left failed, for the caller's rollback; a COMMIT that fails is raised as psycopg raises it (the
    server has then rolled back). Otherwise (a statement without parameters, no open transaction) the statement
    goes alone, as `execute` sends it, and the caller commits."""
    dc, tx = _connection(conn)
    ((q, dumped, formats),) = _dumped(dc, tx, [(sql, params)])
    prep, name = dc._prepared.get(q)  # type: ignore[arg-type]
    if not dumped or dc._autocommit or dc.pgconn.transaction_status != _INTRANS:
        return _one(dc, tx, q, dumped, formats), False
    with dc.lock:
        results = dc.wait(_all_gen(dc, None, [(q, prep, name, dumped, formats)], commit=True))
    return _outcome(dc, tx, results[0][0]), True


def _all_gen(dc: PgConnection[Any], begin: bytes | None, plans: list[tuple[_Query, Prepare, bytes, Any, Any]],
             *, commit: bool = False) -> Generator[Any, Any, list[list[Any]]]:
    """`_pipelined`, then psycopg's prepared-statement manager told how each statement went (as `_execute_gen`
    tells it of its one)."""
    results = yield from _pipelined(dc, begin, plans, commit=commit)
    for (q, prep, name, _p, _f), got in zip(plans, results, strict=True):
        _remember(dc._prepared, q, prep, name, got)
    yield from dc._prepared.maintain_gen(dc)
    return results


def _connection(conn: Any) -> tuple[PgConnection[Any], Dumping]:
    """`conn`'s psycopg connection and the Transformer kept with it (one per DBAPI connection, its dumpers and
    loaders found once, not at every statement's cursor)."""
    fairy = conn.connection
    info = fairy.info  # lives as long as this DBAPI connection (cleared when it is replaced)
    tx = info.get(_TX_KEY)
    if tx is None:
        tx = info[_TX_KEY] = Transformer.from_context(fairy.driver_connection)
    return fairy.driver_connection, tx


def _dumped(dc: PgConnection[Any], tx: Dumping,
            statements: list[tuple[str, dict[str, Any]]]) -> list[tuple[_Query, Any, Any]]:
    """Each statement as psycopg sends it: (its converted text and parameter types, the dumped parameters, their
    formats); the Transformer's types and formats are those of its last dump, so they are taken at once."""
    out = []
    for sql, params in statements:
        query, formats, names = _converted(sql, dc.pgconn._encoding)
        try:
            values = [params[k] for k in names]
        except KeyError as e:  # as psycopg says it
            raise pe.ProgrammingError(f"query parameter missing: {e.args[0]}") from None
        dumped = tx.dump_sequence(values, formats)
        out.append((_Query(query, tx.types or ()), dumped, tx.formats))
    return out


def _outcome(dc: PgConnection[Any], tx: Dumping, res: Any) -> tuple[list[Any], int, list[int] | None]:
    """One statement's result as `execute` gives it, or its error raised as psycopg raises it."""
    status = res.status
    if status == _TUPLES_OK:
        tx.set_pgresult(res)
        n = res.ntuples
        return tx.load_rows(0, n, tuple), n, [res.ftype(i) for i in range(res.nfields)]
    if status == _FATAL:
        raise pe.error_from_result(res, encoding=dc.pgconn._encoding)
    if status != _COMMAND_OK:
        raise pe.InternalError(f"unexpected result status from query: {ExecStatus(status).name}")
    count = res.command_tuples
    return [], count if count is not None else -1, None


def _execute_gen(dc: PgConnection[Any], q: _Query, params: Any, formats: Any) -> Generator[Any, Any, list[Any]]:
    """Cursor._execute_gen's steps for one statement outside a pipeline: BEGIN when the connection is idle, then
    the statement, prepared (Parse once, then only Bind/Execute) as psycopg's manager decides. A statement that
    opens the transaction goes with its BEGIN (and its Parse, when prepared now) in one round trip (`_pipelined`)
    unless it has no parameters (that keeps psycopg's own steps: BEGIN alone, then the statement)."""
    prepared, pgconn = dc._prepared, dc.pgconn
    prep, name = prepared.get(q)  # type: ignore[arg-type]
    if not dc._autocommit and pgconn.transaction_status == _IDLE and params:
        (results,) = yield from _pipelined(dc, dc._get_tx_start_command(), [(q, prep, name, params, formats)])
    else:
        yield from dc._start_query()
        if prep is Prepare.NO:
            if params:
                pgconn.send_query_params(q.query, params, param_formats=formats, param_types=q.types,
                                         result_format=Format.TEXT)
            else:  # as the cursor sends a statement without parameters: the simple query protocol
                pgconn.send_query(q.query)
        else:
            if prep is Prepare.SHOULD:
                pgconn.send_prepare(name, q.query, param_types=q.types)
                for r in (yield from pq_execute(pgconn)):
                    if r.status == _FATAL:
                        raise pe.error_from_result(r, encoding=pgconn._encoding)
            pgconn.send_query_prepared(name, params, param_formats=formats, result_format=Format.TEXT)
        results = yield from pq_execute(pgconn)
    _remember(prepared, q, prep, name, results)
    yield from prepared.maintain_gen(dc)
    return results


def _remember(prepared: Any, q: _Query, prep: Prepare, name: bytes, results: list[Any]) -> None:
    """psycopg's prepared-statement manager told how the statement went (as Cursor._execute_gen tells it)."""
    key = prepared.maybe_add_to_cache(q, prep, name)
    if key is not None:
        prepared.validate(key, prep, name, results)


def _pipelined(dc: PgConnection[Any], begin: bytes | None, plans: list[tuple[_Query, Prepare, bytes, Any, Any]],
               *, commit: bool = False) -> Generator[Any, Any, list[list[Any]]]:
    """Each statement's results, sent (after psycopg's own BEGIN, its text as `_start_query` sends it, when
    `begin` is given) in one libpq pipeline ended by one Sync: one round trip instead of one each. The BEGIN is
    explicit, so the Sync does not end the transaction: after it the connection is as after separate round
    trips, in the transaction (INTRANS), or, when a statement failed, in a failed one (INERROR) that a ROLLBACK
    ends; a BEGIN that failed is raised as `_exec_command` raises it (the statements, skipped by the server, then
    have no result). Those the server skipped after a failure come back PIPELINE_ABORTED. With `commit`, COMMIT
    goes after the statements: skipped (PIPELINE_ABORTED) when one of them failed, the connection then INERROR
    as without it; when it ran, the connection is IDLE afterwards, and a COMMIT that failed is raised after the
    statements' errors (there are none then). The caller tells psycopg's prepared-statement manager how each went."""
    dc._check_connection_ok()
    pgconn = dc.pgconn
    pgconn.enter_pipeline_mode()
    failed: BaseException | None = None
    try:
        if begin is not None:
            pgconn.send_query_params(begin, None)  # in a pipeline only the extended protocol (as psycopg sends it)
        for q, prep, name, params, formats in plans:
            if prep is Prepare.SHOULD:  # prepared now (psycopg's threshold reached): its Parse goes in the pipeline
                pgconn.send_prepare(name, q.query, param_types=q.types)
            if prep is Prepare.NO:
                pgconn.send_query_params(q.query, params, param_formats=formats, param_types=q.types,
                                         result_format=Format.TEXT)
            else:  # already prepared in this session: Bind/Execute only
                pgconn.send_query_prepared(name, params, param_formats=formats, result_format=Format.TEXT)
        if commit:
            pgconn.send_query_params(_COMMIT, None)
        pgconn.pipeline_sync()
        yield from pq_flush(pgconn)
        got: list[list[Any]] = []
        while not ((res := (yield from pq_fetch_many(pgconn))) and res[0].status == _SYNC):
            got.append(res)
    except BaseException as e:
        failed = e
        raise
    finally:
        # as psycopg's Pipeline leaves it: an error while leaving (results not collected after an interruption)
        # does not hide the one that interrupted; the Connection then invalidates this connection
        if pgconn.status != _BAD:
            try:
                pgconn.exit_pipeline_mode()
            except pe.OperationalError:
                if failed is None:
                    raise
    if begin is not None:
        if not got or len(got[0]) != 1:
            raise pe.InternalError(f"{len(got)} results from BEGIN and {len(plans)} statements")
        began = got.pop(0)[0]
        if began.status != _COMMAND_OK:
            raise pe.error_from_result(began, encoding=pgconn._encoding)
    if len(got) != len(plans) + sum(p[1] is Prepare.SHOULD for p in plans) + commit or any(len(r) != 1 for r in got):
        raise pe.InternalError(f"{len(got)} results from {len(plans)} statements")
    results, rest = [], iter(got)
    for _q, prep, _n, _p, _f in plans:
        if prep is Prepare.SHOULD and (parsed := next(rest)[0]).status == _FATAL:
            raise pe.error_from_result(parsed, encoding=pgconn._encoding)  # (the statements after it: skipped)
        results.append(next(rest))
    if commit:
        committed = next(rest)[0]
        if committed.status == _FATAL and all(r[0].status != _FATAL for r in results):
            raise pe.error_from_result(committed, encoding=pgconn._encoding)
    return results
