"""对明细账 the national way (issue 18): the HIS uploads its day's settlement detail with 9101 文件上传 (base64 or a
byte array, plain text or a zip), yidi checks and keeps it, and 3202 names it by `file_qury_no` and is answered
line by line: AMOUNT_DIFFERS, MISSING_AT_HOSPITAL, UNKNOWN_TO_US. Bounded, idempotent by msgid, and only the
uploading institution reads its file. The day holds the kit's stay (tests/fsi/test_fhir.py: 1560.00, 492.15
from the fund, 1067.85 from the account, 0.00 cash)."""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fsi.test_fhir import settled
from tests.fsi.test_gateway import fsi
from tests.support.db import TODAY, as_
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson
from yidi.domain import bounds as B
from yidi.domain.errors import YidiError
from yidi.fsi import detail_file
from yidi.services.context import Context

HEADER = "setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tfund_pay_sumamt\tacct_pay\trefd_setl_flag\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def zipped(*members: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def upload(client: TestClient, content: Any, msgid: str | None, filename: str = "MX.txt", **envelope: Any) -> dict[str, Any]:
    return fsi(client, "9101", {"fsUploadIn": {"in": content, "filename": filename}}, msgid, **envelope)


def reconcile(client: TestClient, file_qury_no: str, fund: str = "492.15", acct: str = "1067.85",
              count: int = 1, **envelope: Any) -> dict[str, Any]:
    return fsi(client, "3202", {"data": {"stmt_begndate": TODAY.isoformat(), "stmt_enddate": TODAY.isoformat(),
                                         "medfee_sumamt": "1560.00", "fund_pay_sumamt": fund, "acct_pay": acct,
                                         "cash_payamt": "0.00", "fixmedins_setl_cnt": count,
                                         "file_qury_no": file_qury_no}}, **envelope)


def test_a_detail_file_reconciles_line_by_line(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    setl_id = settled(client)
    # the HIS's own file agrees: a zip sent as the signed byte array a Java HIS writes
    good = zipped(("MX20260310.txt", (HEADER + f"{setl_id}\tMD1\tP1\t1560.00\t492.15\t1067.85\t0\n").encode()))
    up = upload(client, [b - 256 if b > 127 else b for b in good], "H44030000001202603109101", "MX20260310.zip")
    assert up["infcode"] == 0 and up["output"]["rows"] == 1 and up["output"]["size"] == len(good), up
    out = reconcile(client, up["output"]["file_qury_no"])
    assert out["infcode"] == 0 and out["output"]["stmtinfo"]["stmt_rslt"] == "0" and out["output"]["stmt_detail"] == []
    # a file with the fund 0.15 short, a settlement we never made, and without ours: each named
    text = HEADER + f"{setl_id}\tMD1\tP1\t1560.00\t492.00\t1068.00\t0\nS20260310FFFFFFFFFFFF\tMD2\tP2\t10.00\t0.00\t0.00\t0\n"
    up = upload(client, b64(text), "H44030000001202603109102")
    out = reconcile(client, up["output"]["file_qury_no"], "492.00", "1068.00")
    assert out["output"]["stmtinfo"]["stmt_rslt"] == "1"
    assert out["output"]["stmt_detail"] == [
        {"setl_id": setl_id, "revoked": False, "problem": "AMOUNT_DIFFERS",
         "fields": {"fund_pay_sumamt": {"ours": "492.15", "theirs": "492.00"},
                    "acct_pay": {"ours": "1067.85", "theirs": "1068.00"}}},
        {"setl_id": "S20260310FFFFFFFFFFFF", "revoked": False, "problem": "UNKNOWN_TO_US"}]
    only_other = upload(client, b64(HEADER + "S20260310EEEEEEEEEEEE\tMD3\tP3\t1.00\t0.00\t0.00\t0\n"),
                        "H44030000001202603109103")
    detail = reconcile(client, only_other["output"]["file_qury_no"])["output"]["stmt_detail"]
    assert {(d["setl_id"], d["problem"]) for d in detail} == {("S20260310EEEEEEEEEEEE", "UNKNOWN_TO_US"),
                                                              (setl_id, "MISSING_AT_HOSPITAL")}


def test_uploads_are_idempotent_private_and_checked(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    text = b64(HEADER + "S1\tMD1\tP1\t1.00\t0.00\t0.00\t0\n")
    first = upload(client, text, "H44030000001202603109201")
    again = upload(client, text, "H44030000001202603109201")
    assert again["output"]["file_qury_no"] == first["output"]["file_qury_no"]
    before = snapshot(ctx)
    refused = upload(client, b64(HEADER + "S2\tMD1\tP1\t1.00\t0.00\t0.00\t0\n"), "H44030000001202603109201")
    assert (refused["infcode"], refused["err_code"]) == (-1, "MSGID_REUSED")
    # another hospital cannot use the number (nor learn that it exists)
    other = fsi_as(client, "H44010000001", first["output"]["file_qury_no"])
    assert (other["infcode"], other["err_code"]) == (-1, "FSI_FILE_NOT_FOUND")
    for content, code in (
            (b64(HEADER + "S1\tMD1\tP1\t1.00\t0.00\t0.00\n"), "FSI_FILE_INVALID"),  # six fields
            (b64("S1\tMD1\tP1\t1.005\t0.00\t0.00\t0\n"), "FSI_FILE_INVALID"),  # a third decimal
            (b64("S1\tMD1\tP1\t1e3\t0.00\t0.00\t0\n"), "FSI_FILE_INVALID"),  # an exponent
            (b64(HEADER), "FSI_FILE_INVALID"),  # no rows
            ("not base64!", "FSI_FILE_INVALID"),
            ([1, 2, 300], "FSI_FILE_INVALID"),
            ({"a": 1}, "FSI_FILE_INVALID"),
            (base64.b64encode(zipped(("a.txt", b"x"), ("b.txt", b"y"))).decode(), "FSI_FILE_INVALID"),  # two files
            (base64.b64encode(zipped(("big.txt", b"0" * (B.FSI_FILE_TEXT + 1)))).decode(), "FSI_FILE_TOO_LARGE"),
            ("A" * ((B.FSI_FILE_BYTES * 4) // 3 + 8), "FSI_FILE_TOO_LARGE")):
        out = upload(client, content, "H44030000001202603109202")
        assert (out["infcode"], out["err_code"]) == (-1, code), (str(content)[:60], out)
    assert (upload(client, text, None)["err_code"]) == "FSI_FIELD_MISSING"  # the msgid is the idempotency key
    assert_unchanged(ctx, before)


def fsi_as(client: TestClient, institution: str, file_qury_no: str) -> dict[str, Any]:
    r = client.post("/api/v1/fsi", json={"infno": "3202", "input": {"data": {
        "stmt_begndate": TODAY.isoformat(), "medfee_sumamt": "0", "fund_pay_sumamt": "0", "acct_pay": "0",
        "fixmedins_setl_cnt": 0, "file_qury_no": file_qury_no}}}, headers=as_("hospital", institution))
    return dict(r.json())


@pytest.mark.parametrize(("text", "rows"), [
    (HEADER + "S1\tM1\tP1\t100.00\t80.00\t20.00\t0\n", [("S1", "100.00", "80.00", "20.00", "0.00", False)]),
    # a revocation, |-separated, GB18030-free ASCII, no header, CRLF; cash = 100.00 - 70.00 - 10.00 = 20.00
    ("S2|M2|P2|-100.00|-70.00|-10.00|1\r\n\r\n", [("S2", "-100.00", "-70.00", "-10.00", "-20.00", True)]),
])
def test_rows_read_by_hand(text: str, rows: list[tuple[Any, ...]]) -> None:
    got = [r.as_item() for r in detail_file.rows_of(detail_file.text_of(text.encode()))]
    assert [(i["setl_id"], str(i["medfee_sumamt"]), str(i["fund_pay_sumamt"]), str(i["acct_pay"]), str(i["cash_payamt"]),
             i["revoked"]) for i in got] == rows


def test_a_bad_line_is_named() -> None:
    with pytest.raises(YidiError) as e:
        detail_file.rows_of(HEADER + "S1\tM1\tP1\t1.00\t0.00\t0.00\t0\nS2\tM2\tP2\tx\t0.00\t0.00\t0\n")
    assert e.value.code == "FSI_FILE_INVALID" and "line 3" in e.value.message_en
