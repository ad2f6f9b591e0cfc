"""In-memory twin of the repository of files uploaded through the envelope (9101)."""

from __future__ import annotations

import dataclasses

from yidi.store.memory.tables import Tables
from yidi.store.repositories.fsi_files import FsiFile


class MemoryFsiFiles:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, f: FsiFile) -> FsiFile:
        for o in self.t.fsi_files.values():  # the database's unique keys
            if o.file_qury_no == f.file_qury_no or (o.institution, o.msgid) == (f.institution, f.msgid):
                raise LookupError(f"file {f.file_qury_no} breaks a unique key")
        f.id = max(self.t.fsi_files, default=0) + 1
        self.t.fsi_files[f.id] = dataclasses.replace(f)
        return f

    def by_number(self, file_qury_no: str) -> FsiFile | None:
        found = next((f for f in self.t.fsi_files.values() if f.file_qury_no == file_qury_no), None)
        return None if found is None else dataclasses.replace(found)

    def by_msgid(self, institution: str, msgid: str) -> FsiFile | None:
        found = next((f for f in self.t.fsi_files.values() if (f.institution, f.msgid) == (institution, msgid)), None)
        return None if found is None else dataclasses.replace(found)
