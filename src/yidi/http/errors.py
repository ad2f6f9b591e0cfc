"""One envelope for every error: {"error": {code, message_zh, message_en, field, problems[]}} with its status."""

from __future__ import annotations

import logging
from typing import Any, cast

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.validation import problems_from

log = logging.getLogger("yidi.api")


class ProblemOut(BaseModel):
    code: str
    field: str
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    code: str
    message_zh: str
    message_en: str
    field: str
    problems: list[ProblemOut]


class ErrorOut(BaseModel):
    """Every 4xx answer of the API has this shape; `code` is stable and meant for programs."""

    error: ErrorBody


def file_responses(media: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route whose 200 is a file of this media type; its errors stay the JSON
    envelope documented app-wide (so do not set response_class, which would document errors as files)."""
    return {200: {"content": {media: {"schema": {"type": "string", "format": "binary"}}}}}


def render(err: YidiError) -> JSONResponse:
    # a 429 says when to come back (RFC 9110 Retry-After), so a client waits instead of hammering
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
    return JSONResponse({"error": err.as_dict()}, status_code=err.status, headers=headers)


class _Errors:
    """Adapts FastAPI's request errors to what problems_from reads (it only calls .errors())."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self._errors = errors

    def errors(self, include_url: bool = False) -> list[dict[str, Any]]:
        return self._errors


def _strip_loc(err: dict[str, Any]) -> dict[str, Any]:
    # FastAPI prefixes where the value came from ("body", "query", "path", "header"); the field path
    # inside the body is what a caller fixes, while a query parameter keeps its name.
    loc = tuple(err.get("loc", ()))
    if (loc and loc[0] == "body") or (loc and loc[0] in ("query", "path", "header")):
        loc = loc[1:]
    return {**err, "loc": loc}


_HTTP_CODES = {
    404: ("NOT_FOUND", "找不到这个地址", "no such resource"),
    405: ("METHOD_NOT_ALLOWED", "这个地址不支持该请求方法", "method not allowed on this resource"),
    413: ("PAYLOAD_TOO_LARGE", "请求内容过大", "request body too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请求内容类型不受支持，请用 application/json", "unsupported media type; send application/json"),
}


def install(app: FastAPI) -> None:
    """Register the handlers: YidiError, request validation, HTTP errors, the database being unavailable
    (503 DATABASE_UNAVAILABLE), and the last-resort 500."""

    # any route may meet an unavailable database: documented once for all of them (routes included later)
    app.router.responses.setdefault(503, {"model": ErrorOut, "description": "DATABASE_UNAVAILABLE: retry shortly"})

    @app.exception_handler(YidiError)
    async def _yidi(_req: Request, exc: YidiError) -> JSONResponse:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_strip_loc(e) for e in exc.errors()]
        if any(e.get("type") == "json_invalid" for e in errors):
            return render(error("JSON_SYNTAX", detail_zh="语法错误", detail_en="syntax error"))
        problems = problems_from(cast(ValidationError, _Errors(errors)))
        if not problems:  # pragma: no cover - pydantic always says what failed
            return render(error("REQUEST_INVALID"))
        return render(YidiError.of(problems, status=422))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        known = getattr(exc, "error", None)  # e.g. the body limit's 413, which says what the limit is
        if isinstance(known, YidiError):
            return render(known)
        code, zh, en = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理", str(exc.detail)))
        return JSONResponse({"error": YidiError(code, zh, en, "", exc.status_code).as_dict()},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(sqlalchemy.exc.DBAPIError)
    async def _database(_req: Request, exc: sqlalchemy.exc.DBAPIError) -> JSONResponse:
        # the database went away (restart, dropped connection, failover): the transaction was rolled back by
        # the database, nothing was written; the caller retries (with its idempotency key) a little later
        if not (exc.connection_invalidated or isinstance(exc, sqlalchemy.exc.OperationalError)):
            return await _unexpected(_req, exc)
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse({"error": error("DATABASE_UNAVAILABLE").as_dict()}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        # not the caller's fault: log it (never with personal data in the message) and say so plainly
        log.exception("unexpected error: %s", type(exc).__name__)
        return JSONResponse({"error": error("INTERNAL").as_dict()}, status_code=500)
