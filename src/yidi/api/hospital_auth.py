"""Hospital authentication for /api/v1/hospital: a per-institution API key, and a cap on request size.

`Authorization: Bearer yk_<id>.<secret>` (or `X-Api-Key: yk_...`) becomes Principal(HOSPITAL, institution).
Small on purpose: issue 8 can swap this one dependency for OAuth2 client credentials.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from yidi.domain.errors import YidiError
from yidi.services import hospital_keys
from yidi.services.access import Principal, Role
from yidi.services.context import Context

MAX_BODY = 4 * 1024 * 1024  # a 1000-line batch is ~200 KB; anything far larger is refused unread


def hospital_principal(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer yk_<key id>.<secret>")] = None,
    x_api_key: Annotated[str | None, Header(alias="X-Api-Key", description="alternative to Authorization")] = None,
    content_length: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    if content_length is not None and content_length.isdigit() and int(content_length) > MAX_BODY:
        raise YidiError("PAYLOAD_TOO_LARGE", f"请求内容超过 {MAX_BODY // (1024 * 1024)} MB；请分批上传",
                        f"request body over {MAX_BODY // (1024 * 1024)} MB; send it in batches", "", 413)
    key = x_api_key
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            key = token.strip()
    if not key:
        raise YidiError("AUTH_REQUIRED", "需要医疗机构 API 密钥：Authorization: Bearer yk_...",
                        "hospital API key required: Authorization: Bearer yk_...", "Authorization", 401)
    ctx: Context = request.app.state.ctx
    return Principal(Role.HOSPITAL, hospital_keys.verify(ctx, key))


Hospital = Annotated[Principal, Depends(hospital_principal)]
