"""Small real scans for the tests: a PDF that parses, PNG and JPEG images that decode (made here, not stored)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    """A PDF of blank A4 pages, as pypdf writes it."""
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def image_bytes(fmt: str, color: tuple[int, int, int] = (250, 250, 250), size: tuple[int, int] = (40, 20)) -> bytes:
    """A plain image in `fmt` ("PNG" or "JPEG"); another colour gives other bytes (another paper)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()
