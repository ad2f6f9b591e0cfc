"""The desk scans a person's 医保码 (issue 18): the form is filled with who it is, and a code works once."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login, person
from yidi.services import credentials
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def test_a_scanned_code_fills_the_check_form_once(ctx: Context, web: TestClient) -> None:
    pid = person("referral")  # 赵敏 in the demo dataset
    key = web.app.state.auth.key("e-credential")  # type: ignore[attr-defined]
    token = credentials.issue(ctx, Principal(Role.PERSON, pid), key).token
    login(web, "desk-H44010000001")
    csrf = csrf_of(web.get("/desk").text)
    r = web.post("/desk/credential", data={"csrf": csrf, "credential": token})
    assert r.status_code == 200 and "赵敏" in r.text and 'id="scanned"' in r.text
    filled = re.search(r'name="id_number"[^>]*value="([^"]*)"', r.text)
    assert filled and filled.group(1) == pid
    again = web.post("/desk/credential", data={"csrf": csrf, "credential": token})  # a screenshot shown twice
    assert again.status_code == 409 and 'data-code="CREDENTIAL_REPLAYED"' in again.text and pid not in again.text
    changed = web.post("/desk/credential", data={"csrf": csrf, "credential": token[:-1] + ("A" if token[-1] != "A" else "B")})
    assert changed.status_code == 422 and 'data-code="CREDENTIAL_INVALID"' in changed.text
