"""Rows a repository handed out as records stay referenced until the unit of work ends.

SQLAlchemy's identity map holds unchanged rows weakly: once a repository turned a row into a record and let
go of it, saving the record back would cost a SELECT to find the row again (six more statements per
settlement). Holding them in the session keeps `session.get` a lookup in memory.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def hold(session: Session, *rows: object) -> None:
    session.info.setdefault("yidi_rows", []).extend(rows)
