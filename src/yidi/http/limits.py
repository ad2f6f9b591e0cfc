"""One request-body limit for every route, enforced while the body streams in: 413 PAYLOAD_TOO_LARGE.

The limits, by kind of route (stated here once):

| kind | routes | limit |
|---|---|---|
| upload | claim scans and fee lists (API and pages), the desk's fee-line file, the estimate's fee list | the largest of the scan and fee-list limits of yidi.services.claims (YIDI_MAX_SCAN_BYTES, YIDI_MAX_FEE_LIST_BYTES) + 1 MiB for the form around the file |
| lines | JSON or forms that carry fee lines or files: /api/v1/hospital/*, /api/v1/fsi (2301 lines, 9101 files), /api/v1/quote, /api/v1/claims*, /api/v1/advice, the claim and desk pages | 4 MiB (a 5,000-line bill is about 1.5 MB) |
| everything else | logins, filings, reviews, clearing, page forms | 256 KiB |

A declared `Content-Length` over the limit is refused before a byte is read; a chunked body is counted as
it arrives and cut at the limit (the app's read fails with 413 and whatever the app answers is replaced by
the 413). A pure ASGI middleware, so it sits in front of everything, authentication included.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

KIB, MIB = 1024, 1024 * 1024
DEFAULT_LIMIT = 256 * KIB
LINES_LIMIT = 4 * MIB
UPLOAD_FORM_OVERHEAD = 1 * MIB

_UPLOAD = re.compile(r"^/(?:api/v1/claims/[^/]+/(?:documents|fee-list)|me/claims/[^/]+/(?:documents|fee-list)"
                     r"|desk/visits/[^/]+/lines|estimate)$")
_LINES = re.compile(r"^/(?:api/v1/(?:hospital/|fsi$|quote$|claims(?:/|$)|advice$)|me/claims(?:/|$)|desk/)")


def upload_limit() -> int:
    from yidi.services.claims import ClaimsConfig

    cfg = ClaimsConfig.from_env()
    return max(cfg.max_scan_bytes, cfg.max_fee_list_bytes) + UPLOAD_FORM_OVERHEAD


def limit_for(path: str, upload_bytes: int) -> int:
    """The body limit of a request path, in bytes."""
    if _UPLOAD.match(path):
        return upload_bytes
    return LINES_LIMIT if _LINES.match(path) else DEFAULT_LIMIT


def _shown(n: int) -> str:
    return f"{n // MIB} MB" if n >= MIB and n % MIB == 0 else (f"{n / MIB:.1f} MB" if n >= MIB else f"{n // KIB} KB")


def too_large(limit: int) -> YidiError:
    return error("PAYLOAD_TOO_LARGE", limit=_shown(limit))


class BodyTooLarge(HTTPException):
    """Raised from the body stream when it passes the limit; rendered as the 413 envelope (yidi.http.errors)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large")
        self.error = too_large(limit)


def _answer(limit: int) -> JSONResponse:
    # Connection: close, so a client still sending the rest of a large body is not read any further
    return JSONResponse({"error": too_large(limit).as_dict()}, status_code=413, headers={"Connection": "close"})


class BodyLimit:
    """ASGI middleware: the body limit of `limit_for`, checked on the declared length and while streaming."""

    def __init__(self, app: ASGIApp, upload_bytes: int | None = None) -> None:
        self.app = app
        self.upload_bytes = upload_limit() if upload_bytes is None else upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.upload_bytes)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await _answer(limit)(scope, receive, send)  # refused unread
            return
        received, over, started, replaced = 0, False, False, False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def checked(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the app's own answer to a cut body is dropped: ours was sent
            if message["type"] == "http.response.start":
                if over and message["status"] != 413:  # the app swallowed the error and answered something else
                    replaced = True
                    await _answer(limit)(scope, receive, send)
                    return
                started = True
            await send(message)

        try:
            await self.app(scope, counted, checked)
        except BodyTooLarge:
            if started:
                raise
            await _answer(limit)(scope, receive, send)
