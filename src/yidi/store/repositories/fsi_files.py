"""Repository of files uploaded through the national envelope (9101 文件上传), found by file number or msgid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from yidi.store.settlement_models import FsiFileRow


@dataclass(slots=True)
class FsiFile:
    """A file as stored: the columns of table fsi_files (`id` None until added)."""

    id: int | None
    file_qury_no: str
    institution: str
    msgid: str
    filename: str
    sha256: str
    size: int
    rows: int
    content: str
    uploaded_at: dt.datetime


FIELDS = tuple(f.name for f in fields(FsiFile))


class FsiFileRepository(Protocol):
    def add(self, f: FsiFile) -> FsiFile:
        """Store a new file (a second one with the same file number or (institution, msgid) is refused)."""
        ...

    def by_number(self, file_qury_no: str) -> FsiFile | None: ...

    def by_msgid(self, institution: str, msgid: str) -> FsiFile | None: ...


def _file(row: FsiFileRow) -> FsiFile:
    return FsiFile(*(getattr(row, n) for n in FIELDS))


class FsiFiles:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, f: FsiFile) -> FsiFile:
        row = FsiFileRow(**{n: getattr(f, n) for n in FIELDS if n != "id"})
        self.s.add(row)
        self.s.flush()
        f.id = row.id
        return f

    def by_number(self, file_qury_no: str) -> FsiFile | None:
        row = self.s.scalars(select(FsiFileRow).where(FsiFileRow.file_qury_no == file_qury_no)).one_or_none()
        return None if row is None else _file(row)

    def by_msgid(self, institution: str, msgid: str) -> FsiFile | None:
        row = self.s.scalars(select(FsiFileRow).where(FsiFileRow.institution == institution,
                                                      FsiFileRow.msgid == msgid)).one_or_none()
        return None if row is None else _file(row)
