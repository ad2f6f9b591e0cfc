"""The HTTP app, assembled in one place: the service context, the shared HTTP pieces (yidi.http), the JSON API
(yidi.api) and the pages (yidi.web). The API and the pages never import each other; only this module sees both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry import (  # FastAPI's own dependency; _logs: private in name, as FastAPI uses it
    _logs,
    metrics,
    trace,
)

from yidi.api import routes as api
from yidi.demo.logins import start_page_logins
from yidi.http import errors
from yidi.http.auth_config import AuthConfig
from yidi.http.authz import authorize
from yidi.http.errors import ErrorOut
from yidi.http.limits import BodyLimit
from yidi.services import hospital_keys
from yidi.services.context import Context
from yidi.services.personal_data import install_log_masking
from yidi.settings import Settings
from yidi.web import pages


def fastapi_telemetry() -> TelemetryConfig | None:
    """FastAPI's own OpenTelemetry spans and metrics: as FastAPI decides (the global providers) when a provider is
    configured by the time the app is built (OTEL_PYTHON_*_PROVIDER, or an SDK set up before, as
    `opentelemetry-instrument` does); otherwise off. Left on, FastAPI asks for the three providers on every
    request, in case one was set since: ~9 µs of CPU each time on a 2-core machine, for nothing."""
    unset = {"ProxyTracerProvider", "_ProxyMeterProvider", "ProxyLoggerProvider"}  # the API's placeholders
    got = (trace.get_tracer_provider(), metrics.get_meter_provider(), _logs.get_logger_provider())
    if any(type(p).__name__ not in unset for p in got):
        return None
    return {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None, *, ctx: Context | None = None,
               auth: AuthConfig | None = None) -> FastAPI:
    """Build the app. The context (engine, packs) is made here, not at first request, so that a bad
    policy pack or database URL stops the server at start instead of failing requests later."""
    install_log_masking()  # issue 8: ID numbers, names, phones, bank accounts masked in every log line
    context = ctx or Context.from_settings(settings or Settings.from_env())
    # issue 8: secret and dev-header switch from the environment (YIDI_SECRET_KEY, YIDI_DEV_HEADERS)
    auth_config = auth or AuthConfig.from_env(context.engine.url.render_as_string())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the rows of hospital keys in use read again in the background, not on their requests' path
        stop_key_reads = hospital_keys.keep_fresh(context)
        try:
            yield
        finally:
            stop_key_reads()
        if ctx is None:  # only dispose what we created
            context.close()

    app = FastAPI(
        title="yidi 异地就医 API",
        version="1",
        description="Cross-region medical insurance: filing (备案), eligibility at admission, institutions, quotes. "
                    "Errors always come as {\"error\": {code, message_zh, message_en, field, problems[]}}.",
        lifespan=lifespan,
        telemetry=fastapi_telemetry(),
        dependencies=[Depends(authorize)],  # issue 8: every route is checked against yidi.http.authz.RULES
        responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut},
                   404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 413: {"model": ErrorOut},
                   415: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    )
    app.state.ctx = context
    app.state.auth = auth_config
    # the demo's one-click logins for the start and login pages (shown only while the sample pack is served)
    app.state.demo_logins = start_page_logins()
    app.add_middleware(BodyLimit)  # issue 13: one streaming body limit for every route (413), before anything else
    errors.install(app)
    pages.mount_static(app)  # first: a static file is not matched against every route's pattern
    api.mount(app)
    pages.mount(app)  # server-rendered pages and /static (issue 10)
    return app
