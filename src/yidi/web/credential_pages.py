"""出示医保码: the person's e-credential as a QR code (yidi.services.credentials), a new one each minute."""

from __future__ import annotations

import datetime as dt

import segno
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from yidi.domain.errors import YidiError
from yidi.http.security import config_of
from yidi.services import credentials
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, page, plain_params

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
BEIJING = dt.timezone(dt.timedelta(hours=8))
REFRESH_SECONDS = 60  # the page fetches a new code this often; each code is valid for five minutes


@router.get("/me/credential", response_class=Response)
def show(request: Request, who: Who) -> Response:
    try:
        c = credentials.issue(ctx_of(request), who, config_of(request).key("e-credential"))
    except YidiError as err:
        return error_page(request, err)
    qr = segno.make(c.token, error="m").svg_inline(scale=5, border=2, title="医保电子凭证 e-credential")
    until = c.expires_at.astimezone(BEIJING).strftime("%H:%M:%S")
    response = page(request, "person/credential.html", c=c, qr=qr, until=until, refresh=REFRESH_SECONDS)
    response.headers["Cache-Control"] = "no-store"  # a code must never be shown again from a cache
    return response
