"""POST /api/v1/fsi: the national platform's envelope for a hospital's HIS (yidi.fsi; docs/national-interface.md).

The hospital's credentials as for /api/v1/hospital (its API key or token: 401 / 403 otherwise). Everything
after that is answered as an envelope with HTTP 200 — a failure is `infcode` -1 with `err_msg` and
`err_code` — because that is what HIS software reads; never a 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from yidi.api.deps import Ctx
from yidi.api.hospital_auth import Hospital
from yidi.fsi import HANDLERS, answer
from yidi.http.security import config_of
from yidi.http.threads import in_thread

router = APIRouter(tags=["fsi 国家平台接口报文 national interface envelope"])


class FsiReply(BaseModel):
    infcode: int = Field(description="0 success, -1 failure")
    inf_refmsgid: str
    refmsg_time: str
    respond_time: str
    err_msg: str | None
    err_code: str | None = Field(description="yidi's stable error code (docs/errors.md) when infcode is -1")
    warn_msg: str | None = Field(description="input keys yidi did not use")
    msgid: str | None = None
    output: dict[str, Any] | None


REQUEST_SCHEMA = {
    "type": "object", "required": ["infno", "input"],
    # the same bounds yidi.fsi.envelope checks at the door, stated for the HIS vendor
    "properties": {"infno": {"type": "string", "maxLength": 10, "example": "1101"},
                   "msgid": {"type": "string", "maxLength": 64}, "fixmedins_code": {"type": "string", "maxLength": 30},
                   "input": {"type": "object"}},
}


@router.post("/fsi", response_model=FsiReply, summary="国家平台接口报文 (infno 9001, 1101, 2201–2405, 2301–2305, 2601, "
             "3201/3202, 5203, 5206)",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/json": {"schema": REQUEST_SCHEMA}}}})
async def fsi(request: Request, ctx: Ctx, caller: Hospital) -> JSONResponse:
    raw = await request.body()
    key = config_of(request).key("e-credential")
    ctype = request.headers.get("content-type")
    return JSONResponse(await in_thread(answer, ctx, caller, raw, HANDLERS, key, ctype))
