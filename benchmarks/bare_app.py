"""The floor for `GET /api/v1/health`: a bare FastAPI app doing what a health check must (one SELECT 1), nothing else.

Served by benchmarks/eligibility_http.py under the same uvicorn and worker count as yidi:
  /sync   a `def` route, SELECT 1 through a SQLAlchemy pool (psycopg), in the thread pool — as yidi's routes run;
  /async  an `async def` route, SELECT 1 through SQLAlchemy asyncio + psycopg's async driver;
  /nodb   an `async def` route returning a constant: the HTTP stack alone;
  /static the same StaticFiles over the same folder as yidi's /static: the floor for a static file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

URL = os.environ.get("BARE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
engine = create_engine(URL, pool_size=10, max_overflow=10, pool_pre_ping=True)
async_engine = create_async_engine(URL, pool_size=10, max_overflow=10, pool_pre_ping=True)
app = FastAPI()
# yidi's own static folder, found beside this file (the benchmark must not import yidi: a floor shares nothing)
app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parents[1] / "src" / "yidi" / "web" / "static"),
          name="static")


@app.get("/sync")
def sync_select() -> dict[str, Any]:
    with engine.connect() as conn:
        return {"status": "ok", "one": conn.execute(text("SELECT 1")).scalar_one()}


@app.get("/async")
async def async_select() -> dict[str, Any]:
    async with async_engine.connect() as conn:
        return {"status": "ok", "one": (await conn.execute(text("SELECT 1"))).scalar_one()}


@app.get("/nodb")
async def nodb() -> dict[str, Any]:
    return {"status": "ok"}
