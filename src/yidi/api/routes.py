"""The JSON API's routers, all under /api/v1 (the app is assembled in yidi.app)."""

from __future__ import annotations

from fastapi import FastAPI

from yidi.api import (
    advice,
    auth,
    chronic,
    claims,
    clearing,
    eligibility,
    family,
    fhir,
    filings,
    fsi,
    hospital,
    me,
    pharmacy,
    reference,
    statistics,
)
from yidi.api import simulate as simulation

API_PREFIX = "/api/v1"


def mount(app: FastAPI) -> None:
    """Add every API router to an app (the assembly's one line for the API door)."""
    app.include_router(reference.first, prefix=API_PREFIX)  # the health check, matched first (see there)
    app.include_router(auth.router, prefix=API_PREFIX)  # tokens, sessions (issue 8)
    app.include_router(me.router, prefix=API_PREFIX)  # a person's own data (issue 8)
    app.include_router(family.me_router, prefix=API_PREFIX)  # 家人关联 who may act for whom (issue 13)
    app.include_router(family.agency_router, prefix=API_PREFIX)
    app.include_router(filings.router, prefix=API_PREFIX)
    app.include_router(chronic.me_router, prefix=API_PREFIX)  # 门诊慢特病认定 (issue 17)
    app.include_router(chronic.router, prefix=API_PREFIX)
    app.include_router(chronic.hospital_router, prefix=API_PREFIX)
    app.include_router(eligibility.router, prefix=API_PREFIX)
    app.include_router(reference.router, prefix=API_PREFIX)
    app.include_router(hospital.router, prefix=API_PREFIX)  # direct settlement for hospitals (issue 4)
    app.include_router(pharmacy.router, prefix=API_PREFIX)  # 定点零售药店 counter 2101/2102/2103 (issue 17)
    app.include_router(fsi.router, prefix=API_PREFIX)  # the national interface envelope (issue 18)
    app.include_router(fhir.router, prefix=API_PREFIX)  # FHIR R4 export (issue 18)
    app.include_router(advice.router, prefix=API_PREFIX)  # 异地就医助手 (issue 9)
    app.include_router(claims.router, prefix=API_PREFIX)  # 手工报销 manual claims (issue 5)
    app.include_router(clearing.router, prefix=API_PREFIX)  # 清算 clearing (issue 6)
    app.include_router(simulation.router, prefix=API_PREFIX)  # 政策模拟 policy simulation (issue 7)
    app.include_router(statistics.router, prefix=API_PREFIX)  # 统计月报 monthly statistics (issue 19)
