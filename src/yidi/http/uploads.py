"""An uploaded file read within its size limit, for the API's and the pages' uploads alike (FILE_MISSING,
FILE_TOO_LARGE)."""

from __future__ import annotations

from fastapi import UploadFile

from yidi.domain.error_catalogue import error


def chosen(upload: UploadFile | None, field: str = "scan") -> tuple[UploadFile, str]:
    """The upload a form sent and its file name, or FILE_MISSING when the person chose no file (browsers send an
    empty part)."""
    if upload is None or not upload.filename:
        raise error("FILE_MISSING", field=field, detail_zh="扫描件或照片", detail_en="a scan or photo")
    return upload, upload.filename


async def read_within(upload: UploadFile, limit: int, field: str = "file") -> bytes:
    """The file's bytes, or FILE_TOO_LARGE (413). One byte past the limit is read, no more: enough to know it is
    too big without holding a huge upload in memory."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise error("FILE_TOO_LARGE", field=field, detail_zh=f"上限 {limit} 字节", detail_en=f"the limit is {limit} bytes")
    return data
