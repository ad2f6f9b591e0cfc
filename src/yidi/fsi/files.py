"""9101 文件上传 through the envelope: a hospital's file (the day's settlement detail for 对明细账 3202), read and
checked as yidi.fsi.detail_file says, then kept under a file number (`file_qury_no`) that 3202 names."""

from __future__ import annotations

from typing import Any

from yidi.domain import bounds as B
from yidi.domain.error_catalogue import error
from yidi.fsi import detail_file
from yidi.fsi.envelope import Envelope
from yidi.fsi.fields import Node
from yidi.services import settlement as svc
from yidi.services.access import Principal
from yidi.services.context import Context


def upload(ctx: Context, principal: Principal, env: Envelope, inp: Node) -> dict[str, Any]:
    """`fsUploadIn`: `in` (the file, base64 or a byte array), `filename`, `fixmedins_code`; idempotent by msgid."""
    if env.msgid is None:
        raise error("FSI_FIELD_MISSING", field="msgid", name="msgid", what_zh="上传文件须带报文号，用作幂等键",
                    what_en="a file upload needs the msgid, its idempotency key")
    n = inp.data("fs_upload_in", "data")
    filename = n.text("filename", required="文件名|the file's name", max_len=B.FILE_NAME)
    assert filename is not None
    n.text("fixmedins_code", max_len=30)  # the envelope's own code is the one checked
    if n.raw("in") is None:
        raise error("FSI_FIELD_MISSING", field="in", name="in", what_zh="文件内容", what_en="the file's content")
    data = detail_file.file_bytes(n.raw("in"))
    text = detail_file.text_of(data)
    rows = detail_file.rows_of(text)
    f = svc.store_file(ctx, principal, env.msgid, filename, data, text, len(rows))
    return {"file_qury_no": f.file_qury_no, "filename": f.filename, "size": f.size, "rows": f.rows,
            "sha256": f.sha256, "upload_time": f.uploaded_at.strftime("%Y-%m-%d %H:%M:%S")}


def detail_items(ctx: Context, principal: Principal, file_qury_no: str) -> list[dict[str, Any]]:
    """The settlements a file this institution uploaded lists, as 3202 compares them."""
    return [r.as_item() for r in detail_file.rows_of(svc.file_text(ctx, principal, file_qury_no))]
