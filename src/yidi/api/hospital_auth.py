"""Hospital authentication for /api/v1/hospital: a per-institution API key, and a cap on request size.

`Authorization: Bearer <token>` (OAuth2 client credentials, issue 8) or the key itself `Bearer yk_<id>.<secret>`
(or `X-Api-Key: yk_...`) becomes Principal(HOSPITAL, institution): yidi.api.security reads them all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from yidi.api.security import get_principal, oauth2_scheme
from yidi.domain.errors import YidiError
from yidi.services.access import Principal, Role, require

MAX_BODY = 4 * 1024 * 1024  # a 1000-line batch is ~200 KB; anything far larger is refused unread


async def hospital_principal(
    request: Request,
    content_length: Annotated[str | None, Header(include_in_schema=False)] = None,
    _token: Annotated[str | None, Depends(oauth2_scheme)] = None,  # shows the OAuth2 lock in /docs
) -> Principal:
    # the size cap first: an oversized batch is refused before anything is read or verified
    if content_length is not None and content_length.isdigit() and int(content_length) > MAX_BODY:
        raise YidiError("PAYLOAD_TOO_LARGE", f"请求内容超过 {MAX_BODY // (1024 * 1024)} MB；请分批上传",
                        f"request body over {MAX_BODY // (1024 * 1024)} MB; send it in batches", "", 413)
    # issue 8: one authentication for every door (token from client credentials, or the API key itself)
    principal = await get_principal(request)
    require(principal, Role.HOSPITAL, what_zh="使用医疗机构接口", what_en="use the hospital API")
    return principal


Hospital = Annotated[Principal, Depends(hospital_principal)]
