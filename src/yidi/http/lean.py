"""The hot routes' hidden twins answered without FastAPI's general dependency solver (issue 15).

FastAPI solves a route's dependencies anew for every request: it walks the tree, works out each one's cache key
(scopes, generator or not), builds an empty sub-response and reads four kinds of parameters at every level:
~0.2-0.4 ms of CPU for an eligibility check or a 1101 (1.5-2.5 ms in all). For a route whose dependencies are
plain `async def` functions of the request and of each other (yidi's: the app-wide `authorize`, `Ctx`, `Caller`,
`Hospital` and the OAuth2 / cookie markers), `plan` lays the tree out once, in the order FastAPI solves it (depth
first, each function once per request), and `handler` runs that list. The route's own parameters, its body and
its answer go through FastAPI's own functions (`request_params_to_args`, `request_body_to_args`,
`serialize_response`): the same checks, the same errors, the same bytes. Anything else (a dependency with yield,
a sync one, scopes, overrides set, a sync endpoint, a streamed answer, a custom response class) is left to
FastAPI's own handler, which every other route keeps.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import params
from fastapi._compat import Undefined
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var, serialize_response  # FastAPI is pinned
from fastapi.utils import is_body_allowed_for_status_code
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True, slots=True)
class Step:
    """One dependency: its function, the parameters that get the request, and those that get an earlier result."""

    call: Callable[..., Any]
    request_args: tuple[str, ...]  # the parameters that receive the request itself
    dep_args: tuple[tuple[str, Callable[..., Any]], ...]  # (parameter, the function whose result it takes)


def _is_async(call: Any) -> bool:
    # a function, or an instance whose class's __call__ is one (the security schemes: OAuth2PasswordBearer, …)
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def _plain(d: Dependant) -> bool:
    """A dependency the plan can run: an async function of the request and other plain dependencies only."""
    return (d.call is not None and _is_async(d.call) and d.use_cache and d.scope is None and d.concurrency is None
            and not (d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params)
            and not (d.own_oauth_scopes or d.parent_oauth_scopes or d.security_scopes_param_name or d.websocket_param_name
                     or d.response_param_name or d.background_tasks_param_name)
            and all(_plain(s) for s in d.dependencies))


def plan(route: Any) -> tuple[Step, ...] | None:
    """The dependencies of a route (as included: with the app's own) in the order FastAPI solves them (depth
    first, a function once), or None when one of them, the endpoint or its answer needs what only FastAPI's
    handler does."""
    root: Dependant | None = route.dependant
    if (root is None or root.call is None or not inspect.iscoroutinefunction(root.call)
            or not all(_plain(s) for s in root.dependencies) or root.background_tasks_param_name
            or root.security_scopes_param_name or root.websocket_param_name or route.response_field is None
            or not isinstance(route.response_class, DefaultPlaceholder)
            or getattr(route, "is_sse_stream", False) or getattr(route, "is_json_stream", False)
            or (route.body_field is not None and isinstance(route.body_field.field_info, params.Form))):
        return None
    steps: list[Step] = []
    seen: set[Any] = set()

    def add(d: Dependant) -> None:
        for sub in d.dependencies:
            add(sub)
        if d is root or d.call in seen:
            return
        assert d.call is not None
        seen.add(d.call)
        asks = tuple(n for n in (d.request_param_name, d.http_connection_param_name) if n)
        steps.append(Step(d.call, asks, tuple((s.name, s.call) for s in d.dependencies if s.name and s.call)))

    add(root)
    return tuple(steps)


def handler(route: Any, steps: tuple[Step, ...], fallback: Handler) -> Handler:
    """The route's request handler over `steps` (`route`: the route as included, with the app's dependencies)."""
    root, body_field, response_field = route.dependant, route.body_field, route.response_field
    call = root.call
    assert call is not None
    named = tuple((s.name, s.call) for s in root.dependencies if s.name and s.call)
    asks = tuple(n for n in (root.request_param_name, root.http_connection_param_name) if n)
    overrides = route.dependency_overrides_provider

    async def lean(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await fallback(request)  # a test replaced a dependency: FastAPI's solver honours it
        body: Any = Undefined
        if body_field is not None and await request.body():
            # JsonRoute has checked the media type and parsed the body: the value FastAPI would read
            body = await request.json()
        results: dict[Any, Any] = {}
        for step in steps:  # an error raised here answers as it does under FastAPI's solver
            kwargs = {n: request for n in step.request_args}
            kwargs.update({n: results[c] for n, c in step.dep_args})
            results[step.call] = await step.call(**kwargs)
        values: dict[str, Any] = {n: results[c] for n, c in named}
        values.update({n: request for n in asks})
        errors: list[Any] = []
        for fields, received in ((root.path_params, request.path_params), (root.query_params, request.query_params),
                                 (root.header_params, request.headers), (root.cookie_params, request.cookies)):
            if fields:
                got, bad = request_params_to_args(fields, received)
                values.update(got)
                errors += bad
        if root.body_params:
            got, bad = await request_body_to_args(root.body_params, received_body=body,
                                                  embed_body_fields=route._embed_body_fields)
            values.update(got)
            errors += bad
        if errors:
            raise RequestValidationError(errors, body=None if body is Undefined else body)
        sub = Response()
        del sub.headers["content-length"]
        sub.status_code = None  # type: ignore[assignment]
        if root.response_param_name:
            values[root.response_param_name] = sub
        raw = await call(**values)
        if isinstance(raw, Response):
            return raw
        content = await serialize_response(
            field=response_field, response_content=raw, include=route.response_model_include,
            exclude=route.response_model_exclude, by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset, exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none, is_coroutine=True, dump_json=True)
        status = sub.status_code or route.status_code
        response = Response(content=content, media_type="application/json", status_code=status or 200)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        response.headers.raw.extend(sub.headers.raw)
        return response

    return lean



def for_route(route: APIRoute, standard: Handler) -> Handler:
    """`route`'s handler over its plan, or `standard` (FastAPI's) when it has none. Called while FastAPI builds
    the handler of the route as included in the app, which its context variable names (as APIRoute's own
    get_route_handler reads it): the app's dependencies are part of that route's tree."""
    included = _effective_route_context_var.get()
    as_included: Any = included if included is not None and included.original_route is route else route
    steps = plan(as_included)
    return standard if steps is None else handler(as_included, steps, standard)
