"""Read the tables agencies keep (CSV in UTF-8 or GB18030, Excel .xlsx) into rows of header -> text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yidi.domain.error_catalogue import error


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as text: its header and the data rows, each with the line number a person sees."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) if it decodes, else GB18030 — what Excel on a Chinese Windows writes.

    UTF-8 is tried first because GB18030 decodes nearly any byte sequence: the reverse order would read
    every UTF-8 file as mojibake without an error.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise error("FILE_ENCODING") from None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float):
        # Excel keeps numbers as binary floats; its shortest repr is what the clerk typed (12.5, not
        # 12.4999…), and integral values lose their ".0" so codes like 440100 stay codes.
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def read_table(path: Path) -> Table:
    """Read a .csv or .xlsx file. Blank rows are skipped; line numbers count the header as line 1."""
    if not path.exists():
        raise error("FILE_NOT_FOUND", path=path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix not in (".csv", ".txt"):
        raise error("FILE_TYPE", detail_zh=f"不支持的文件类型 {suffix}：请用 .csv 或 .xlsx",
                    detail_en=f"unsupported file type {suffix}: use .csv or .xlsx", status=422)
    text, enc = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    raw = list(reader)
    return _table([[c.strip() for c in r] for r in raw], enc)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # imported here: only Excel pays for it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise error("FILE_UNREADABLE", reason=type(exc).__name__) from None
    try:
        ws = wb.worksheets[0]
        raw = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _table(raw, "xlsx")


def _table(raw: list[list[str]], enc: str) -> Table:
    if not raw or not any(raw[0]):
        raise error("FILE_EMPTY", detail_zh="文件没有表头行", detail_en="the file has no header row")
    headers = [h.strip() for h in raw[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, dict[str, str]]] = []
    for n, r in enumerate(raw[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        rows.append((n, {h: (r[i].strip() if i < len(r) else "") for i, h in enumerate(headers)}))
    return Table(headers, rows, enc)
