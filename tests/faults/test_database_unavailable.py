"""The database unreachable (PostgreSQL restarting, a failover, a dropped connection): every door answers a
clean 503 DATABASE_UNAVAILABLE with Retry-After, quickly — not a 500, not a hang. Uses an engine pointed at a
closed port, so the shared PostgreSQL is never restarted; tests/faults/test_faults_pg.py drops live
connections of a running server."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.support.db import TODAY
from yidi.app import create_app
from yidi.domain.packset import PackSet
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory


def test_unreachable_database_is_a_clean_503(packs: PackSet) -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/gone", connect_args={"connect_timeout": 2})
    ctx = Context(engine, session_factory(engine), packs, lambda: TODAY)
    hospital = {"X-Yidi-Role": "hospital", "X-Yidi-Subject": "H44010000001"}
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as c:
        t = time.monotonic()
        for method, path, kw in [
            ("GET", "/api/v1/health", {}),
            ("GET", "/api/v1/institutions", {}),
            ("POST", "/api/v1/eligibility", {"headers": hospital, "json": {
                "id_number": "360102195603120312", "name": "张建国", "institution": "H44010000001",
                "visit_type": "OUTPATIENT"}}),
            ("POST", "/api/v1/hospital/visits/MD1/settle", {"headers": hospital, "json": {"idempotency_key": "retry-0001"}}),
        ]:
            r = c.request(method, path, **kw)
            assert r.status_code == 503, (path, r.text)
            assert r.json()["error"]["code"] == "DATABASE_UNAVAILABLE" and r.headers["retry-after"] == "1"
        assert time.monotonic() - t < 20  # refused at once: no hang
        assert "503" in c.get("/openapi.json").json()["paths"]["/api/v1/hospital/visits/{mdtrt_id}/settle"]["post"][
            "responses"]
    engine.dispose()
