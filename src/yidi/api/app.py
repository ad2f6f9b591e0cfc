"""The FastAPI application: create_app(settings) wires the service context, routes and error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from yidi.api import (
    advice,
    claims,
    clearing,
    eligibility,
    errors,
    family,
    filings,
    hospital,
    me,
    reference,
    security,
)
from yidi.api import simulate as simulation
from yidi.api.authz import authorize
from yidi.api.errors import ErrorOut
from yidi.api.limits import BodyLimit
from yidi.services.context import Context
from yidi.services.personal_data import install_log_masking
from yidi.settings import Settings
from yidi.web import pages

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, ctx: Context | None = None,
               auth: security.AuthConfig | None = None) -> FastAPI:
    """Build the app. The context (engine, packs) is made here, not at first request, so that a bad
    policy pack or database URL stops the server at start instead of failing requests later."""
    install_log_masking()  # issue 8: ID numbers, names, phones, bank accounts masked in every log line
    context = ctx or Context.from_settings(settings or Settings.from_env())
    # issue 8: secret and dev-header switch from the environment (YIDI_SECRET_KEY, YIDI_DEV_HEADERS)
    auth_config = auth or security.AuthConfig.from_env(context.engine.url.render_as_string())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if ctx is None:  # only dispose what we created
            context.close()

    app = FastAPI(
        title="yidi 异地就医 API",
        version="1",
        description="Cross-region medical insurance: filing (备案), eligibility at admission, institutions, quotes. "
                    "Errors always come as {\"error\": {code, message_zh, message_en, field, problems[]}}.",
        lifespan=lifespan,
        dependencies=[Depends(authorize)],  # issue 8: every route is checked against yidi.api.authz.RULES
        responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut},
                   404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 413: {"model": ErrorOut},
                   415: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    )
    app.state.ctx = context
    app.state.auth = auth_config
    app.add_middleware(BodyLimit)  # issue 13: one streaming body limit for every route (413), before anything else
    errors.install(app)
    app.include_router(security.router, prefix=API_PREFIX)  # tokens, sessions (issue 8)
    app.include_router(me.router, prefix=API_PREFIX)  # a person's own data (issue 8)
    app.include_router(family.me_router, prefix=API_PREFIX)  # 家人关联 who may act for whom (issue 13)
    app.include_router(family.agency_router, prefix=API_PREFIX)
    app.include_router(filings.router, prefix=API_PREFIX)
    app.include_router(eligibility.router, prefix=API_PREFIX)
    app.include_router(reference.router, prefix=API_PREFIX)
    app.include_router(hospital.router, prefix=API_PREFIX)  # direct settlement for hospitals (issue 4)
    app.include_router(advice.router, prefix=API_PREFIX)  # 异地就医助手 (issue 9)
    app.include_router(claims.router, prefix=API_PREFIX)  # 手工报销 manual claims (issue 5)
    app.include_router(clearing.router, prefix=API_PREFIX)  # 清算 clearing (issue 6)
    app.include_router(simulation.router, prefix=API_PREFIX)  # 政策模拟 policy simulation (issue 7)
    pages.mount(app)  # server-rendered pages and /static (issue 10)
    return app
