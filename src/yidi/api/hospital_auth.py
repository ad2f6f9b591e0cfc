"""Hospital authentication for /api/v1/hospital: the caller must be a hospital (its API key or a token).

`Authorization: Bearer <token>` (OAuth2 client credentials, issue 8) or the key itself `Bearer yk_<id>.<secret>`
(or `X-Api-Key: yk_...`) becomes Principal(HOSPITAL, institution): yidi.http.security reads them all. The
size of a batch is capped for every route alike, before anything is read (yidi.http.limits).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from yidi.http.security import get_principal, oauth2_scheme
from yidi.services.access import Principal, Role, require


async def hospital_principal(
    request: Request,
    _token: Annotated[str | None, Depends(oauth2_scheme)] = None,  # shows the OAuth2 lock in /docs
) -> Principal:
    # issue 8: one authentication for every door (token from client credentials, or the API key itself)
    principal = await get_principal(request)
    require(principal, Role.HOSPITAL, what_zh="使用医疗机构接口", what_en="use the hospital API")
    return principal


Hospital = Annotated[Principal, Depends(hospital_principal)]
