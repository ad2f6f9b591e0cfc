"""A scan is what it claims to be: a PDF parses as a PDF, an image decodes, within limits on decoded size.

The first bytes (yidi.domain.claim_rules.sniff) only name the format; a file that starts with `%PDF-` and
goes on as HTML or a zip bomb must not be stored as a PDF for a reviewer to open. So before anything is
written the file is read by its format's parser: pypdf for a PDF (every page's content and every image or
form it draws decoded, under a budget of decoded bytes), Pillow for JPEG/PNG (dimensions bounded before
any pixel is decoded, then verify() and load()). What does not parse is SCAN_INVALID (422); what would
decode beyond the limits is SCAN_TOO_LARGE (413). Nothing is stored in either case.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

from PIL import Image
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import IndirectObject, StreamObject

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

log = logging.getLogger("yidi.claims")

MAX_PDF_PAGES = 200  # a claim's papers: invoices, fee lists, a discharge summary
MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel phone photo; more is not a paper scan
MAX_DECODED_BYTES = 64 * 1024 * 1024  # all streams of one PDF, decoded
MAX_XOBJECTS = 2_000  # images and forms drawn, over all pages

# Pillow's own decompression-bomb guard, at our bound: above it Pillow warns (made an error below), above
# twice it refuses outright. The dimensions are also checked before decoding, so this is a second line.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_PDF_LIMITS: dict[str, Any] = {
    name: MAX_DECODED_BYTES for name in (
        "maximum_declared_stream_length", "array_based_stream_maximum_output_length", "jbig2_maximum_output_length",
        "lzw_maximum_output_length", "run_length_maximum_output_length", "zlib_maximum_output_length",
        "brotli_maximum_output_length", "image_maximum_buffer_size", "stream_decoding_work_maximum_length")
} | {"page_tree_maximum_entries": 10 * MAX_PDF_PAGES, "page_tree_maximum_page_entries": 100 * MAX_PDF_PAGES}


def invalid(kind: str) -> YidiError:
    name = kind.upper()
    return error("SCAN_INVALID", name=name)


def too_large(what_zh: str, what_en: str) -> YidiError:
    return error("SCAN_TOO_LARGE", what_zh=f"解开后 {what_zh}", what_en=f"decoded: {what_en}")


def check_scan(kind: str, data: bytes) -> None:
    """Refuse a scan whose structure is not its kind's ("pdf" / "jpeg" / "png") or that decodes too large."""
    if kind == "pdf":
        _check_pdf(data)
    else:
        _check_image(kind, data)


def _check_image(kind: str, data: bytes) -> None:
    fmt = {"jpeg": "JPEG", "png": "PNG"}[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                w, h = im.size
                if w * h > MAX_IMAGE_PIXELS:
                    raise too_large(f"{w}×{h} 像素，上限 {MAX_IMAGE_PIXELS}", f"{w}x{h} pixels, limit {MAX_IMAGE_PIXELS}")
                im.verify()  # structure and checksums, without decoding
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                if fmt == "JPEG":  # every coefficient is still decoded, at 1/8 scale: far less memory
                    im.draft("RGB", (max(1, w // 8), max(1, h // 8)))
                im.load()
    except YidiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large(f"超过 {MAX_IMAGE_PIXELS} 像素", f"more than {MAX_IMAGE_PIXELS} pixels") from None
    except Exception as exc:  # any decoder error of untrusted bytes means: not a valid image
        log.info("scan refused: %s does not decode (%s)", kind, type(exc).__name__)
        raise invalid(kind) from None


def _check_pdf(data: bytes) -> None:
    try:
        with apply_configuration(**_PDF_LIMITS):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise invalid("pdf")  # a reviewer could not open it
            pages = len(reader.pages)
            if pages == 0:
                raise invalid("pdf")
            if pages > MAX_PDF_PAGES:
                raise too_large(f"{pages} 页，上限 {MAX_PDF_PAGES} 页", f"{pages} pages, limit {MAX_PDF_PAGES}")
            _decode_pages(reader)
    except YidiError:
        raise
    except (LimitReachedError, MemoryError):
        raise too_large(f"解压后超过 {MAX_DECODED_BYTES} 字节", f"more than {MAX_DECODED_BYTES} bytes decoded") from None
    except Exception as exc:  # any parser error of untrusted bytes (pypdf raises many kinds) means: not a PDF
        log.info("scan refused: pdf does not parse (%s)", type(exc).__name__)
        raise invalid("pdf") from None


def _decode_pages(reader: PdfReader) -> None:
    """Decode what a viewer would: each page's content, and the images and forms it draws (once each)."""
    budget = MAX_DECODED_BYTES
    seen: set[tuple[int, int]] = set()
    for page in reader.pages:
        contents = page.get_contents()
        budget -= len(contents.get_data()) if contents is not None else 0
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        pending = list(xobjects.get_object().values()) if xobjects is not None else []
        while pending:
            ref = pending.pop()
            if isinstance(ref, IndirectObject):
                key = (ref.idnum, ref.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > MAX_XOBJECTS:
                    raise too_large(f"超过 {MAX_XOBJECTS} 个图像或表单", f"more than {MAX_XOBJECTS} images or forms")
            obj = ref.get_object()
            if not isinstance(obj, StreamObject):
                continue
            width, height = int(obj.get("/Width", 0) or 0), int(obj.get("/Height", 0) or 0)
            if width * height > MAX_IMAGE_PIXELS:
                raise too_large(f"图像 {width}×{height} 像素", f"an image of {width}x{height} pixels")
            budget -= len(obj.get_data())
            inner = obj.get("/Resources")
            nested = inner.get_object().get("/XObject") if inner is not None else None
            if nested is not None:  # a form drawing further images
                pending.extend(nested.get_object().values())
            if budget < 0:
                break
        if budget < 0:
            raise too_large(f"解压后超过 {MAX_DECODED_BYTES} 字节", f"more than {MAX_DECODED_BYTES} bytes decoded")
