"""Who is using the pages: the ONE mechanism of issue 8 (yidi.http.security), seen from the web layer.

- Log in: user name + password through `security.login` (rate-limited, scrypt), which sets the session
  cookie `yidi_session`; log out through `security.logout`.
- CSRF: every form carries `security.csrf_token(request)` (field `csrf`); every unsafe request made with the
  session cookie is checked by `security.check_csrf` — by the app-wide authorisation dependency before
  the page runs, and by `security.logout` itself for the public logout.
- Who may open which page: `yidi.http.authz.RULES` alone (the pages' entries are registered by
  `yidi.web.pages.mount`). A page receives the principal the authorisation layer established (`Who`);
  it never checks roles itself. What a signed-out visitor or a refused one sees (the login page, an HTML
  error page) is decided by the web layer's error handler (`yidi.web.pages.mount`).
- The demo start page offers one button per demo account (`app.state.demo_logins`, handed over by the app
  assembly, yidi.app), which submits that account's user name and the demo password through the same login
  form — only when the server runs the sample pack (the demo). The pages never import the demo data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from yidi.http import security
from yidi.services.access import Principal

CSRF_FIELD = security.CSRF_FIELD
SESSION_COOKIE = security.SESSION_COOKIE


def principal(request: Request) -> Principal | None:
    """The principal the authorisation layer established for this request (None: nobody signed in)."""
    who: Principal | None = getattr(request.state, "principal", None)
    return who


async def signed_in(request: Request) -> Principal:
    """Page dependency: the caller. The app-wide `authorize` has already checked the route's rule, so this
    only hands the principal over (AUTH_REQUIRED if, against that, there is none)."""
    who = await security.optional_principal(request)
    if who is None:
        raise security.auth_required()
    return who


Who = Annotated[Principal, Depends(signed_in)]


def csrf_token(request: Request) -> str:
    return security.csrf_token(request)
