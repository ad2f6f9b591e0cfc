"""Request dependencies: the shared service context and the caller's principal.

The principal comes from yidi.http.security (bearer tokens, hospital API keys, page sessions, and the
development headers X-Yidi-Role / X-Yidi-Subject only when YIDI_DEV_HEADERS enables them); whether it may
use a route is decided by yidi.http.authz for every request; records are scoped in the services
(yidi.services.access). Routers keep importing `Caller` and `Ctx` from here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from yidi.http.security import Caller, get_principal
from yidi.services.context import Context

__all__ = ["Caller", "Ctx", "get_context", "get_principal"]


async def get_context(request: Request) -> Context:
    # async: FastAPI runs a plain `def` dependency in the thread pool, a hop per request for one attribute
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_context)]
