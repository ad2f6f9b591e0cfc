"""FastAPI's own OpenTelemetry: off (no per-request check of the providers) unless the operator set one up before
the app was built, in which case FastAPI traces as it would by default."""

from __future__ import annotations

import pytest

import yidi.app as app_module
from yidi.app import create_app, fastapi_telemetry
from yidi.http.auth_config import AuthConfig
from yidi.services.context import Context


def test_without_a_provider_the_app_does_not_ask_for_one_per_request(ctx: Context) -> None:
    assert fastapi_telemetry() == {"tracing": False, "metrics": False, "logs": False}
    app = create_app(ctx=ctx, auth=AuthConfig(b"telemetry-test-secret-0123", dev_headers=False))
    assert not app._native_telemetry.enabled()


def test_a_configured_tracer_provider_keeps_fastapis_tracing(monkeypatch: pytest.MonkeyPatch, ctx: Context) -> None:
    class SdkTracerProvider:  # stands for an SDK's provider, set up before the app (opentelemetry-instrument)
        pass

    monkeypatch.setattr(app_module.trace, "get_tracer_provider", lambda: SdkTracerProvider())
    assert fastapi_telemetry() is None  # FastAPI's default: the global providers
    app = create_app(ctx=ctx, auth=AuthConfig(b"telemetry-test-secret-0123", dev_headers=False))
    assert app._native_telemetry.config["tracing"] is True
