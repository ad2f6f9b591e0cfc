"""文件上传 (9101): a hospital's file kept for a later transaction (the settlement detail of 对明细账 3202), once
per msgid; read back only by the institution that uploaded it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from yidi.domain.error_catalogue import error
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import audit, hospital, msgid_reused, now, refuse_reversed
from yidi.store.repositories.fsi_files import FsiFile
from yidi.store.repositories.messages import Message
from yidi.store.retry import retrying


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_qury_no: str
    filename: str
    size: int
    rows: int
    sha256: str
    uploaded_at: dt.datetime
    replayed: bool = False


def _shown(f: FsiFile, replayed: bool = False) -> StoredFile:
    return StoredFile(f.file_qury_no, f.filename, f.size, f.rows, f.sha256, f.uploaded_at, replayed)


def store_file(ctx: Context, principal: Principal, msgid: str, filename: str, data: bytes, text: str,
               rows: int) -> StoredFile:
    """Keep a checked file (`data` as sent, `text` as read from it). The same msgid with the same file answers
    the first file number again; with another file 409 MSGID_REUSED (as with a msgid another transaction used)."""
    inst = hospital(principal, "上传文件", "upload files")
    digest = hashlib.sha256(data).hexdigest()

    def run() -> StoredFile:
        today = ctx.today()
        with ctx.uow() as uow:
            found = uow.fsi_files.by_msgid(inst, msgid)
            if found is not None:
                if (found.sha256, found.filename) != (digest, filename):
                    raise msgid_reused(msgid)
                return _shown(found, replayed=True)
            msg = uow.messages.get(inst, msgid)
            refuse_reversed(msg, msgid)
            if msg is not None:
                raise msgid_reused(msgid)
            f = uow.fsi_files.add(FsiFile(None, f"F{today:%Y%m%d}{secrets.token_hex(8).upper()}", inst, msgid, filename,
                                          digest, len(data), rows, text, now()))
            uow.messages.add(Message(None, inst, msgid, "9101", "DONE", request_hash=digest, at=now()))
            audit(uow, principal, "FILE_UPLOAD", "fsi_file", f.file_qury_no,
                  {"filename": filename, "size": len(data), "rows": rows, "sha256": digest})
            return _shown(f)

    return retrying(run)


def file_text(ctx: Context, principal: Principal, file_qury_no: str) -> str:
    """The text of a file this institution uploaded (another institution's is not found: it does not leak)."""
    inst = hospital(principal, "读取文件", "read files")
    with ctx.uow() as uow:
        f = uow.fsi_files.by_number(file_qury_no)
        if f is None or f.institution != inst:
            raise error("FSI_FILE_NOT_FOUND", file_qury_no=file_qury_no)
        return f.content
