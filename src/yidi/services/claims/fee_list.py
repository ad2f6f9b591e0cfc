"""A hospital's exported fee list (费用明细, CSV in UTF-8 or GB18030, or .xlsx) read into a claim's fee lines."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yidi.domain.bill import FeeLine
from yidi.domain.error_catalogue import error
from yidi.domain.errors import Problem, YidiError
from yidi.domain.validation import problems_from
from yidi.services.access import Principal
from yidi.services.claims.access import doer
from yidi.services.claims.drafts import edit
from yidi.services.claims.requests import MAX_LINES, ClaimIn, ClaimsConfig
from yidi.services.context import Context
from yidi.services.tabular import read_table
from yidi.store.scans import storage_full

# fee list headers as hospitals export them, Chinese or English, mapped to FeeLine fields
LINE_HEADERS = {
    "line_id": "line_id", "feedetl_sn": "line_id", "明细流水号": "line_id", "流水号": "line_id", "序号": "line_id",
    "code": "code", "med_list_codg": "code", "医保编码": "code", "项目编码": "code", "医保目录编码": "code", "编码": "code",
    "name": "name", "项目名称": "name", "名称": "name", "med_list_name": "name",
    "quantity": "quantity", "cnt": "quantity", "数量": "quantity",
    "unit_price": "unit_price", "pric": "unit_price", "单价": "unit_price",
    "amount": "amount", "det_item_fee_sumamt": "amount", "金额": "amount", "总金额": "amount", "费用金额": "amount",
    "date": "date", "fee_ocur_time": "date", "日期": "date", "费用发生日期": "date", "费用日期": "date",
}


def parse_fee_list(filename: str, data: bytes, max_bytes: int) -> list[FeeLine]:
    """A hospital's exported fee list (CSV in UTF-8 or GB18030, or .xlsx) as validated fee lines; every bad
    row is reported at once with its row number, and nothing is kept when any row is bad."""
    name = filename.lower()
    if not data:
        raise error("FILE_EMPTY", detail_zh="上传的文件是空的", detail_en="the uploaded file is empty")
    if len(data) > max_bytes:
        raise error("FILE_TOO_LARGE", detail_zh=f"{len(data)} 字节，上限 {max_bytes} 字节",
                    detail_en=f"{len(data)} bytes, limit {max_bytes}")
    suffix = ".xlsx" if name.endswith(".xlsx") else ".csv" if name.endswith((".csv", ".txt")) else ""
    if not suffix:
        raise error("FILE_TYPE", detail_zh="费用明细请上传 .csv 或 .xlsx 文件",
                    detail_en="upload the fee list as .csv or .xlsx")
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise error("FILE_TYPE", detail_zh="文件名为 .xlsx，但内容不是 Excel 文件",
                    detail_en="named .xlsx but the content is not Excel")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"fee-list{suffix}"
            path.write_bytes(data)
            table = read_table(path)
    except OSError as exc:  # the scratch copy could not be written (disk full): nothing was changed
        raise storage_full() from exc
    mapped = {h: LINE_HEADERS.get(h.strip().lower(), LINE_HEADERS.get(h.strip())) for h in table.headers}
    have = set(mapped.values())
    need = [f for f in ("code", "quantity", "unit_price") if f not in have]
    if need:
        raise error("FILE_HEADER", need=need)
    lines: list[FeeLine] = []
    problems: list[Problem] = []
    for n, row in table.rows:
        data_row: dict[str, Any] = {}
        for h, v in row.items():
            key = mapped.get(h)
            if key and v != "":
                data_row[key] = v
        data_row.setdefault("line_id", str(n - 1))
        try:
            lines.append(FeeLine.model_validate(data_row))
        except ValidationError as exc:
            problems.extend(Problem(p.code, f"row {n}: {p.field}", f"第 {n} 行：{p.message_zh}", f"row {n}: {p.message_en}")
                            for p in problems_from(exc))
    if problems:
        raise YidiError.of(problems, code="FILE_ROWS_INVALID")
    if not lines:
        raise error("FILE_EMPTY", detail_zh="费用明细文件没有数据行", detail_en="the fee list has no rows")
    if len(lines) > MAX_LINES:
        raise error("FILE_TOO_LARGE", detail_zh=f"最多 {MAX_LINES} 条明细", detail_en=f"at most {MAX_LINES} lines")
    return lines


def upload_fee_list(ctx: Context, principal: Principal, claim_no: str, filename: str, data: bytes,
                    config: ClaimsConfig | None = None) -> dict[str, Any]:
    """Replace the claim's lines by those of an uploaded fee list."""
    doer(principal, "上传费用明细", "upload fee lists")
    cfg = config or ClaimsConfig.from_env()
    lines = parse_fee_list(filename, data, cfg.max_fee_list_bytes)
    return edit(ctx, principal, claim_no, ClaimIn(lines=lines))
