"""What a scan really is: PDF, JPEG or PNG by its first bytes; a name or declared type that disagrees is refused."""

from __future__ import annotations

from collections.abc import Mapping

from yidi.domain.error_catalogue import error

SCAN_TYPES: Mapping[str, tuple[bytes, tuple[str, ...], str]] = {
    # kind -> (magic bytes, file name endings, media type)
    "pdf": (b"%PDF-", (".pdf",), "application/pdf"),
    "jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg"), "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", (".png",), "image/png"),
}


def sniff(data: bytes, filename: str, declared: str | None, max_bytes: int) -> str:
    """The scan's real type ("pdf" / "jpeg" / "png"), or the reason it is refused.

    The content decides; the name and the declared media type must agree with it, so a file that says one
    thing and is another is refused rather than stored under a false label.
    """
    if not data:
        raise error("SCAN_EMPTY")
    if len(data) > max_bytes:
        raise error("SCAN_TOO_LARGE", what_zh=f"{len(data)} 字节，上限 {max_bytes} 字节",
                    what_en=f"{len(data)} bytes, limit {max_bytes}")
    kind = next((k for k, (magic, _e, _m) in SCAN_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise error("SCAN_TYPE_UNSUPPORTED")
    _magic, endings, media = SCAN_TYPES[kind]
    name = filename.lower()
    known_endings = tuple(e for _m, es, _t in SCAN_TYPES.values() for e in es)
    if name.endswith(known_endings) and not name.endswith(endings):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"文件名“{filename}”与内容（{kind.upper()}）不符",
                    detail_en=f"file name {filename!r} does not match its content ({kind})")
    if "." in name and not name.endswith(known_endings):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"文件扩展名不受支持：“{filename}”（请用 .pdf/.jpg/.png）",
                    detail_en=f"unsupported file name ending: {filename!r} (use .pdf, .jpg or .png)")
    decl = (declared or "").split(";")[0].strip().lower()
    if decl and decl not in ("application/octet-stream", media) and not (kind == "jpeg" and decl == "image/jpg"):
        raise error("SCAN_TYPE_MISMATCH", detail_zh=f"声明的文件类型 {decl} 与内容（{kind.upper()}）不符",
                    detail_en=f"declared type {decl} does not match the content ({kind})")
    return kind


def media_type(kind: str) -> str:
    return SCAN_TYPES[kind][2]
