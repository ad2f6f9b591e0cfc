"""`yidi serve --workers N` (issue 15): N worker processes on one socket, one signing secret for all of them,
pool sizes within PostgreSQL's max_connections, TCP_NODELAY on every answer, refusals that say why, and each
process's start-up heap kept out of the garbage collector's full passes."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.support.db import BACKENDS, drop_database, new_database
from yidi import serving
from yidi.cli import app as cli_app
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.domain.errors import YidiError
from yidi.policies.loader import SAMPLE_DIR, load_packs
from yidi.services.context import Context
from yidi.store.db import MAX_OVERFLOW_ENV, POOL_SIZE_ENV, make_engine, pool_setting, session_factory

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers(server: psutil.Process) -> list[psutil.Process]:
    """The server's worker processes (multiprocessing's spawned children, not its resource tracker)."""
    return [p for p in server.children(recursive=True) if any("spawn_main" in part for part in p.cmdline())]


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, psutil.Process]]:
    """`yidi serve --workers 2` with the demo data. SQLite: the secret file beside the database. PostgreSQL with
    the development headers and no YIDI_SECRET_KEY: the one case where each worker would make its own secret."""
    url, engine, schema = new_database(request.param, tmp_path)
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("YIDI_SECRET_KEY", POOL_SIZE_ENV, MAX_OVERFLOW_ENV)}
    env.update(YIDI_DATABASE_URL=url, YIDI_DEV_HEADERS="1")
    proc = subprocess.Popen([sys.executable, "-m", "yidi.cli", "serve", "--workers", "2", "--port", str(port),
                             "--no-access-log"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    server = psutil.Process(proc.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a deadline for starting, not a timed assertion
        while len(_workers(server)) < 2 or not _answers(base):
            assert proc.poll() is None, "yidi serve exited"
            assert time.monotonic() < deadline, "yidi serve did not start"
            time.sleep(0.3)
        yield base, server
    finally:
        for p in _workers(server):
            p.resume()
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        drop_database(make_engine(url), schema)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _only(workers: list[psutil.Process], serving_one: psutil.Process) -> None:
    """Stop every worker but one, so that the next new connection is accepted by that one."""
    for p in workers:
        if p.pid == serving_one.pid:
            p.resume()
        else:
            p.suspend()


def test_two_workers_share_one_socket_and_one_secret(served: tuple[str, psutil.Process]) -> None:
    base, server = served
    workers = _workers(server)
    assert len(workers) == 2 and workers[0].pid != workers[1].pid
    first, second = workers
    _only(workers, first)
    r = httpx.post(f"{base}/api/v1/auth/token", timeout=30,  # a new connection: only `first` accepts it
                   data={"grant_type": "password", "username": "reviewer-369900", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    _only(workers, second)
    me = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200, me.text  # signed by `first`, accepted by `second`: the same secret
    assert me.json()["role"] == "agency"
    forged = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token[:-2]}xx"}, timeout=30)
    assert forged.status_code == 401  # the check is real: a changed signature is refused by the same worker
    _only(workers, first)
    assert httpx.get(f"{base}/api/v1/health", timeout=30).status_code == 200


def test_accepted_connections_have_nagle_off() -> None:
    # Without TCP_NODELAY a response written as head + body waited for the client's delayed ACK (~44 ms)
    with serving.listen_socket("127.0.0.1", 0, 16) as listener, \
            socket.create_connection(listener.getsockname()[:2]) as _client:
        conn, _ = listener.accept()
        with conn:
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_a_memory_database_cannot_have_several_workers() -> None:
    with pytest.raises(YidiError) as err:
        serving.check_workers(2, "sqlite://")
    assert err.value.code == "CONFIG_WORKERS_MEMORY"
    serving.check_workers(1, "sqlite://")  # one process keeps working as before
    for bad in (0, serving.MAX_WORKERS + 1):
        with pytest.raises(YidiError) as err:
            serving.check_workers(bad, "sqlite:///var/x.db")
        assert err.value.code == "CONFIG_WORKERS"


def test_serve_refuses_workers_on_a_memory_database_with_both_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATABASE_URL", "sqlite://")
    out = CliRunner().invoke(cli_app, ["serve", "--workers", "2"])
    assert out.exit_code == 2
    assert "CONFIG_WORKERS_MEMORY" in out.output and "内存数据库" in out.output


def test_a_secret_of_the_process_is_made_once_for_all_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIDI_SECRET_KEY", raising=False)
    assert not serving.share_secret("process", 1)  # one process: its own secret, as before
    assert "YIDI_SECRET_KEY" not in os.environ
    assert not serving.share_secret("file:/srv/yidi.db.secret", 4)  # every worker reads the same file
    assert serving.share_secret("process", 4)
    made = os.environ["YIDI_SECRET_KEY"]
    assert len(made) >= 32
    assert not serving.share_secret("process", 4)  # already set: kept, not replaced
    assert os.environ["YIDI_SECRET_KEY"] == made


def test_pool_sizes_from_the_environment_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_SIZE_ENV, raising=False)
    assert pool_setting(POOL_SIZE_ENV, 10, least=1) == 10
    monkeypatch.setenv(POOL_SIZE_ENV, "4")
    assert pool_setting(POOL_SIZE_ENV, 10, least=1) == 4
    for bad in ("0", "-1", "ten", "1e3", "501", "４"):
        monkeypatch.setenv(POOL_SIZE_ENV, bad)
        with pytest.raises(YidiError) as err:
            pool_setting(POOL_SIZE_ENV, 10, least=1)
        assert err.value.code == "CONFIG_POOL_SIZE" and err.value.field == POOL_SIZE_ENV


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_share_postgresql_connections(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_SIZE_ENV, raising=False)
    monkeypatch.delenv(MAX_OVERFLOW_ENV, raising=False)
    _url, engine, schema = new_database(backend, tmp_path)
    ctx = Context(engine, session_factory(engine), load_packs(SAMPLE_DIR), dt.date.today)
    try:
        plan = serving.plan_pools(ctx, 2)
        if backend == "sqlite":
            assert (plan.pool_size, plan.max_overflow, plan.budget) == (10, 10, None)
            return
        with engine.connect() as conn:
            max_conn = int(conn.execute(text("SHOW max_connections")).scalar_one())
            reserved = int(conn.execute(text("SHOW superuser_reserved_connections")).scalar_one())
        budget = max_conn - reserved - serving.HEADROOM
        assert plan.budget == budget
        # e.g. max_connections 100, 3 reserved: budget 87; 2 workers get the single-process 10 + 10 each
        assert plan.per_worker == min(20, budget // 2)
        many = budget // 4
        plan = serving.plan_pools(ctx, many)  # 4 connections each: 2 kept, 2 at a peak
        assert (plan.pool_size, plan.max_overflow) == (2, 2)
        assert many * plan.per_worker <= budget
        with pytest.raises(YidiError) as err:
            serving.plan_pools(ctx, budget)  # 1 connection each is too few
        assert err.value.code == "CONFIG_POOL_TOO_SMALL"
        monkeypatch.setenv(POOL_SIZE_ENV, "3")  # the operator's choice is kept (a pooler may stand between)
        plan = serving.plan_pools(ctx, budget)
        assert (plan.pool_size, plan.max_overflow, plan.given) == (3, 10, True)
    finally:
        drop_database(engine, schema)


def test_a_worker_leaves_its_start_heap_out_of_the_collectors_full_passes(tmp_path: Path) -> None:
    """Each worker imports yidi.asgi. Its start-up objects (packs, catalogues, SQLAlchemy's and pydantic's
    structures) live as long as the process; a full collection walked every one of them with the worker's
    threads stopped (130 ms idle, up to 270 ms under load: the settle benchmark's p99). After the import they
    are frozen: what the collector still walks is what requests make later; and it collects young objects after
    20,000 allocations rather than 700."""
    env = {k: v for k, v in os.environ.items() if k not in (POOL_SIZE_ENV, MAX_OVERFLOW_ENV)}
    env.update(YIDI_DATABASE_URL=f"sqlite:///{tmp_path / 'yidi.db'}", YIDI_SECRET_KEY="a-test-secret-of-32-characters!!")
    probe = ("import gc, yidi.asgi; gc.collect(); "
             "print(gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[0])")
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    frozen, walked, young = int(out[0]), int(out[1]), int(out[2])
    assert frozen > 100_000  # the built app: ~450,000 objects
    assert walked < frozen // 20  # without the freeze: 0 frozen, everything walked
    # Python's default of 700 ran a young collection about once per settle under load, and the full ones after
    assert young == 20_000


def test_one_process_serve_prepares_its_collector_before_serving(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    import gc

    import uvicorn

    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: seen.append((gc.get_freeze_count(), gc.get_threshold()[0])))
    monkeypatch.setenv("YIDI_DATABASE_URL", f"sqlite:///{tmp_path / 'yidi.db'}")
    monkeypatch.chdir(tmp_path)
    threshold = gc.get_threshold()
    try:
        out = CliRunner().invoke(cli_app, ["serve", "--no-demo", "--no-access-log"])
    finally:
        gc.unfreeze()  # this test process's own objects back under the collector
        gc.set_threshold(*threshold)
    assert out.exit_code == 0, out.output
    assert len(seen) == 1 and seen[0][0] > 100_000
    assert seen[0][1] == 20_000  # and its young collections 20,000 allocations apart, not 700
