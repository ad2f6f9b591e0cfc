"""A request without credentials is refused by every API route with a JSON 401 — never a redirect.

Regression (issue 8): one full-suite run saw 200 for an anonymous GET /api/v1/hospital/visits/{id}. The web
pages turn a 401 into a 303 to the login page; a redirect on an API route, followed by the test client,
ends on the login page with 200. Page errors are only for page routes; API routes answer JSON.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from yidi.app import create_app
from yidi.http.authz import RULES
from yidi.http.security import AuthConfig
from yidi.services.context import Context


def test_every_api_route_refuses_anonymous_with_json_401(ctx: Context) -> None:
    for dev_headers in (False, True):
        app = create_app(ctx=ctx, auth=AuthConfig(b"anonymous-test-secret-0123", dev_headers=dev_headers))
        with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as c:
            spec = app.openapi()
            wrong = []
            for path, item in spec["paths"].items():
                for method in item:
                    rule = RULES.get(f"{method.upper()} {path}")
                    if rule is None or rule.public:
                        continue
                    url = re.sub(r"\{[^}]+\}", "1", path)
                    for _ in range(2):  # twice: nothing from one request may carry over to the next
                        r = c.request(method.upper(), url, json={} if method in ("post", "put", "patch") else None)
                        ok = (r.status_code == 401 and r.headers.get("content-type", "").startswith("application/json")
                              and r.json()["error"]["code"] == "AUTH_REQUIRED" and "location" not in r.headers)
                        if not ok:
                            wrong.append(f"{method.upper()} {path}: {r.status_code} {r.headers.get('location', '')}")
            assert not c.cookies, dict(c.cookies)
            assert not wrong, "\n".join(wrong)
