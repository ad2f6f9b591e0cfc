"""Issue 13, item 7: a scan is checked by its structure, not its first bytes. A file that starts `%PDF-` and
goes on as HTML or a zip bomb, a PDF whose page decodes to 100 MB, an image that declares a billion pixels
are refused (SCAN_INVALID 422 / SCAN_TOO_LARGE 413) on the API and on the page, and nothing is stored: no
document row, no file under the data folder, every table as before. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from tests.claims.helpers import JPEG, PDF, PNG, add_people, draft, error, me, upload
from tests.support.unchanged import unchanged
from yidi.services.context import Context


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels but carries almost no data (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    return out.getvalue()


def _pdf_with_page_bomb() -> bytes:
    """A well-formed PDF whose one page's content inflates to 100 MB (the decoded budget is 64 MB)."""
    w = PdfWriter()
    page = w.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    content.set_data(b" " * 100_000_000)
    page[NameObject("/Contents")] = w._add_object(content.flate_encode())
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.encrypt("secret")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


BAD: list[tuple[str, bytes, str, str, str, int]] = [
    ("pdf header + html", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>", "a.pdf",
     "application/pdf", "SCAN_INVALID", 422),
    ("pdf header + zip bomb", b"%PDF-1.7\n" + _zip_bomb(), "a.pdf", "application/pdf", "SCAN_INVALID", 422),
    ("pdf whose page inflates to 100 MB", _pdf_with_page_bomb(), "a.pdf", "application/pdf", "SCAN_TOO_LARGE", 413),
    ("encrypted pdf", _encrypted_pdf(), "a.pdf", "application/pdf", "SCAN_INVALID", 422),
    ("truncated pdf", PDF[: len(PDF) // 3], "a.pdf", "application/pdf", "SCAN_INVALID", 422),
    ("png of a billion pixels", _png_header(40_000, 25_000), "a.png", "image/png", "SCAN_TOO_LARGE", 413),
    ("png of 56 megapixels", _png_header(8_000, 7_000), "a.png", "image/png", "SCAN_TOO_LARGE", 413),
    ("png that does not decode", _png_header(40, 20), "a.png", "image/png", "SCAN_INVALID", 422),
    ("jpeg header + text", b"\xff\xd8\xff\xe0" + b"not a jpeg at all" * 10, "a.jpg", "image/jpeg", "SCAN_INVALID", 422),
    ("truncated png", PNG[:40], "a.png", "image/png", "SCAN_INVALID", 422),
]


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("what", "data", "name", "media", "code", "status"), BAD, ids=[b[0] for b in BAD])
def test_api_refuses_what_does_not_parse_and_stores_nothing(client: TestClient, ctx: Context, data_dir: Path,
                                                            what: str, data: bytes, name: str, media: str, code: str,
                                                            status: int) -> None:
    add_people(ctx)
    no = draft(client)["claim_no"]
    files = _files(data_dir)
    with unchanged(ctx):
        e = error(upload(client, no, "invoice", data, name, media=media), status, code)
    assert e["field"] == "file"
    assert _files(data_dir) == files  # no file written, not even a temporary one
    assert client.get(f"/api/v1/claims/{no}", headers=me()).json()["documents"] == []


def test_real_scans_are_stored(client: TestClient, ctx: Context, data_dir: Path) -> None:
    add_people(ctx)
    no = draft(client)["claim_no"]
    for data, name, media in ((PDF, "a.pdf", "application/pdf"), (PNG, "b.png", "image/png"),
                              (JPEG, "c.jpg", "image/jpeg")):
        assert upload(client, no, "invoice", data, name, media=media).status_code == 201
    assert len(_files(data_dir / "scans")) == 3


def test_page_upload_refuses_a_pdf_that_is_html(ctx: Context, demo: Any, data_dir: Path) -> None:
    from tests.web.conftest import csrf_of, login, person
    from yidi.app import create_app

    with TestClient(create_app(ctx=ctx), follow_redirects=False) as web:
        login(web, person("post_hoc"))
        token = csrf_of(web.get("/me/claims/new").text)
        r = web.post("/me/claims", data={"csrf": token, "institution": "H44010000002", "visit_type": "OUTPATIENT",
                                         "admitted_on": "2026-03-02", "diagnosis_name": "感冒"})
        assert r.status_code == 303, r.text[:1000]
        claim_page = r.headers["location"].split("?")[0]
        token = csrf_of(web.get(claim_page).text)
        files = _files(data_dir)
        for data, code in ((b"%PDF-1.4\n<html>not a pdf</html>", "SCAN_INVALID"),
                           (_png_header(40_000, 25_000), "SCAN_TOO_LARGE")):
            name = "a.pdf" if data.startswith(b"%PDF") else "a.png"
            with unchanged(ctx):
                r = web.post(f"{claim_page}/documents", data={"csrf": token, "material": "invoice"},
                             files={"scan": (name, data, "application/octet-stream")})
            assert r.status_code in (413, 422) and "<html" in r.text and code in r.text, r.text[:500]
        assert _files(data_dir) == files
        ok = web.post(f"{claim_page}/documents", data={"csrf": token, "material": "invoice"},
                      files={"scan": ("a.pdf", PDF, "application/pdf")})
        assert ok.status_code == 303, ok.text[:500]
