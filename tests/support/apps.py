"""One app object per test fixture, reused by every test with that test's own context and configuration.

FastAPI builds its route tables on an app's first request: about 0.4 s of CPU for yidi's routes and pages,
paid again by every test that makes a new app. `create_app` keeps nothing per app except `app.state` (the
context, the authentication configuration, the authorisation's route table), so a test gets the app that
`create_app` made for it in all that matters: the shared object, with the state `create_app` just built for
this test's context. Routes, handlers and middleware are the same for every app `create_app` builds.
"""

from __future__ import annotations

from fastapi import FastAPI

_SHARED: dict[str, FastAPI] = {}
_KEEP = ("route_keys",)  # state derived from the routes alone: built once per shared app


def reuse(fresh: FastAPI, slot: str) -> FastAPI:
    """The shared app of `slot` (one per fixture, so two fixtures of one test never share an app), now
    holding `fresh`'s state; `fresh` itself is dropped before it ever served a request."""
    app = _SHARED.setdefault(slot, fresh)
    if app is not fresh:
        kept = {k: getattr(app.state, k) for k in _KEEP if hasattr(app.state, k)}
        app.state = fresh.state
        for k, v in kept.items():
            setattr(app.state, k, v)
    assert app.state.ctx is fresh.state.ctx
    return app
