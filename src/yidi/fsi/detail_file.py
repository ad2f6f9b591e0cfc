"""The settlement detail file of 对明细账 (3202), uploaded first with 9101 文件上传: how yidi reads and checks it.

`in` (9101) carries the file's bytes as base64 text, or as a JSON array of byte values (Java writes them
signed, -128…127; 0…255 is read too). The file is a zip holding one text file, or the text itself; UTF-8
(a BOM is dropped) or else GB18030. Each line is one settlement or revocation of the day, its fields
separated by a tab (or `|`), in this order [C: the platform's column layout is not in the public sources read]:

    setl_id  mdtrt_id  psn_no  medfee_sumamt  fund_pay_sumamt  acct_pay  refd_setl_flag

cash is medfee_sumamt - fund_pay_sumamt - acct_pay (the identity every settlement keeps); refd_setl_flag 1
marks the revocation (amounts negative, as the platform's refund records are). Blank lines and a header line
(its first field `setl_id`) are skipped. Everything is checked at upload, so 3202 finds a readable file.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yidi.domain import bounds as B
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

COLUMNS = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")
_AMOUNT = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
_SPLIT = re.compile(r"\t|\|")


def invalid(zh: str, en: str, line: int | None = None) -> YidiError:
    return error("FSI_FILE_INVALID", field="in", where_zh=f"（第 {line} 行）" if line else "",
                 where_en=f" (line {line})" if line else "", detail_zh=zh, detail_en=en)


def too_large(what_zh: str, what_en: str, limit: str) -> YidiError:
    return error("FSI_FILE_TOO_LARGE", field="in", what_zh=what_zh, what_en=what_en, limit=limit)


def file_bytes(raw: Any) -> bytes:
    """The bytes `in` carries: base64 text or a list of byte values; bounded before it is decoded."""
    if isinstance(raw, str):
        if len(raw) > (B.FSI_FILE_BYTES * 4) // 3 + 4:
            raise too_large("文件", "the file", f"{B.FSI_FILE_BYTES} bytes")
        try:
            data = base64.b64decode(re.sub(r"\s+", "", raw), validate=True)
        except (binascii.Error, ValueError):
            raise invalid("in 应为文件内容的 base64 文本或字节数组", "in must be the file as base64 text or a byte array") from None
    elif isinstance(raw, list):
        if len(raw) > B.FSI_FILE_BYTES:
            raise too_large("文件", "the file", f"{B.FSI_FILE_BYTES} bytes")
        if not all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in raw):
            raise invalid("字节数组只能含 -128…255 的整数", "a byte array holds whole numbers -128…255 only")
        data = bytes(b & 0xFF for b in raw)
    else:
        raise invalid("in 应为文件内容的 base64 文本或字节数组", "in must be the file as base64 text or a byte array")
    if not data:
        raise invalid("文件为空", "the file is empty")
    if len(data) > B.FSI_FILE_BYTES:
        raise too_large("文件", "the file", f"{B.FSI_FILE_BYTES} bytes")
    return data


def text_of(data: bytes) -> str:
    """The file's text: unzipped when it is a zip (one member, its size bounded before it is read)."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = [i for i in z.infolist() if not i.is_dir()]
                if len(members) != 1:
                    raise invalid(f"压缩包应只含一个文件（有 {len(members)} 个）", f"the zip must hold one file (it holds {len(members)})")
                if members[0].file_size > B.FSI_FILE_TEXT:
                    raise too_large("解压后的文本", "the unzipped text", f"{B.FSI_FILE_TEXT} bytes")
                with z.open(members[0]) as f:
                    data = f.read(B.FSI_FILE_TEXT + 1)  # the header's size may lie: never read past the bound
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
            raise invalid("压缩包无法读取", "the zip cannot be read") from None
        if len(data) > B.FSI_FILE_TEXT:
            raise too_large("解压后的文本", "the unzipped text", f"{B.FSI_FILE_TEXT} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise invalid("文本编码应为 UTF-8 或 GB18030", "the text must be UTF-8 or GB18030") from None
    return text.removeprefix("\ufeff")


@dataclass(frozen=True, slots=True)
class DetailRow:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    revoked: bool

    def as_item(self) -> dict[str, Any]:
        """As a settlement of the reconciliation request (yidi.services.settlement.ReconcileItem)."""
        return {"setl_id": self.setl_id, "medfee_sumamt": self.medfee_sumamt, "fund_pay_sumamt": self.fund_pay_sumamt,
                "acct_pay": self.acct_pay, "cash_payamt": self.medfee_sumamt - self.fund_pay_sumamt - self.acct_pay,
                "revoked": self.revoked}


def rows_of(text: str) -> list[DetailRow]:
    """Every row of the detail text, checked field by field (the first bad one refused with its line)."""
    out: list[DetailRow] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in _SPLIT.split(line)]
        if n == 1 and fields[0].lower() == "setl_id":
            continue  # a header
        if len(fields) != len(COLUMNS):
            raise invalid(f"应有 {len(COLUMNS)} 列（{'、'.join(COLUMNS)}），此行有 {len(fields)} 列",
                          f"expected {len(COLUMNS)} fields ({', '.join(COLUMNS)}), found {len(fields)}", n)
        values = dict(zip(COLUMNS, fields, strict=True))
        for k in ("setl_id", "mdtrt_id", "psn_no"):
            if not _ID.match(values[k]):
                raise invalid(f"{k} “{values[k][:40]}”无效", f"{k} {values[k][:40]!r} is not valid", n)
        for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay"):
            if not _AMOUNT.match(values[k]):
                raise invalid(f"{k} “{values[k][:30]}”不是金额（最多两位小数）", f"{k} {values[k][:30]!r} is not an amount "
                              "(at most two decimals)", n)
        if values["refd_setl_flag"] not in ("0", "1"):
            raise invalid("refd_setl_flag 应为 0 或 1", "refd_setl_flag must be 0 or 1", n)
        if len(out) >= B.FSI_FILE_ROWS:
            raise too_large("行数", "the rows", f"{B.FSI_FILE_ROWS}")
        out.append(DetailRow(values["setl_id"], values["mdtrt_id"], values["psn_no"], Decimal(values["medfee_sumamt"]),
                             Decimal(values["fund_pay_sumamt"]), Decimal(values["acct_pay"]), values["refd_setl_flag"] == "1"))
    if not out:
        raise invalid("文件没有结算明细行", "the file has no settlement rows")
    return out
