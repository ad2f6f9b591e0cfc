#!/usr/bin/env python3
"""A small HIS (hospital information system) client of yidi's national interface envelope, POST /api/v1/fsi.

It does a hospital's day for one inpatient through the envelope alone: sign in (9001), read the person
(1101), admit (2401), upload the fee lines (2301), discharge (2402), pre-settle (2303), settle (2304) with
the total the HIS holds, query the settlement (5203), and reconcile the day's totals (3201) from its own
records. Standard library only: copy it into a HIS project and replace `send`.

    python examples/his_client.py --url http://127.0.0.1:8000 --key "$KEY" \
        --institution H44030000001 --id-number 360102195603120312 --name 张建国

The answers' amounts are strings exact to the fen: a HIS keeps them as decimals (never floats).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any

Send = Callable[[bytes], dict[str, Any]]

# the visit's fee lines as a HIS holds them: (line number, catalogue code, name, quantity, unit price)
LINES = (("1", "S001", "床位费（三人间）", "5", "80.00"), ("2", "XA01", "阿莫西林胶囊", "10", "35.00"),
         ("3", "XB01", "头孢呋辛酯片", "20", "40.50"))


class Refused(Exception):
    """The platform answered infcode -1."""


class His:
    """One hospital's connection: numbers its messages (institution + time + sequence, 30 characters)."""

    def __init__(self, send: Send, institution: str, today: dt.date | None = None) -> None:
        self.send, self.institution = send, institution
        self.today = today or dt.date.today()
        self.seq = itertools.count(1)
        self.stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
        self.sign_no = ""

    def call(self, infno: str, inp: dict[str, Any]) -> dict[str, Any]:
        msgid = f"{self.institution}{self.stamp}{next(self.seq):04d}"
        envelope = {"infno": infno, "msgid": msgid, "fixmedins_code": self.institution, "infver": "V1.0",
                    "opter_type": "1", "opter": "0001", "opter_name": "收费员", "sign_no": self.sign_no,
                    "inf_time": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "input": inp}
        reply = self.send(json.dumps(envelope, ensure_ascii=False).encode())
        if str(reply.get("infcode")) != "0":
            raise Refused(f"{infno}: {reply.get('err_code')} {reply.get('err_msg')}")
        return dict(reply.get("output") or {})


def run_day(his: His, id_number: str, name: str) -> dict[str, Any]:
    """Admit, upload, pre-settle, settle and reconcile one inpatient stay; what happened, for a report."""
    his.sign_no = his.call("9001", {"signIn": {"opter_no": "0001"}})["signinoutb"]["sign_no"]
    cert = {"mdtrt_cert_type": "02", "mdtrt_cert_no": id_number, "psn_no": id_number}
    person = his.call("1101", {"data": {**cert, "psn_name": name}})
    today = his.today.isoformat()
    admitted = his.call("2401", {"mdtrtinfo": {**cert, "psn_name": name, "med_type": "21",
                                               "begntime": f"{today} 08:30:00", "ipt_no": "ZY0001"}, "diseinfo": []})
    mdtrt_id = admitted["result"]["mdtrt_id"]
    feedetail = [{"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": id_number, "med_list_codg": code,
                  "medins_list_name": item, "cnt": cnt, "pric": pric, "fee_ocur_time": f"{today} 10:00:00",
                  "det_item_fee_sumamt": str(Decimal(cnt) * Decimal(pric))} for sn, code, item, cnt, pric in LINES]
    classified = his.call("2301", {"feedetail": feedetail})["result"]
    his.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": id_number, "endtime": f"{today} 16:00:00"}})
    held = sum(Decimal(x["det_item_fee_sumamt"]) for x in feedetail)  # the total the HIS holds
    body = {"data": {**cert, "mdtrt_id": mdtrt_id, "medfee_sumamt": str(held), "acct_used_flag": "1"}}
    quote = his.call("2303", body)["setlinfo"]
    settled = his.call("2304", body)["setlinfo"]
    shown = his.call("5203", {"data": {"psn_no": id_number, "setl_id": settled["setl_id"]}})["setlinfo"]
    # the day from the HIS's own records: here the one settlement this run made
    totals = {"stmt_begndate": today, "stmt_enddate": today, "fixmedins_setl_cnt": 1,
              "medfee_sumamt": settled["medfee_sumamt"], "fund_pay_sumamt": settled["fund_pay_sumamt"],
              "acct_pay": settled["acct_pay"], "cash_payamt": settled["psn_cash_pay"]}
    stmt = his.call("3201", {"data": totals})["stmtinfo"]
    return {"person": person["baseinfo"]["psn_name"], "mdtrt_id": mdtrt_id, "lines": len(classified),
            "quote": quote, "settlement": settled, "queried": shown, "reconciliation": stmt}


def http_sender(url: str, key: str) -> Send:
    def send(body: bytes) -> dict[str, Any]:
        req = urllib.request.Request(url.rstrip("/") + "/api/v1/fsi", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return dict(json.loads(r.read().decode("utf-8")))

    return send


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--key", required=True, help="the hospital's API key (yidi hospital key create)")
    ap.add_argument("--institution", default="H44030000001")
    ap.add_argument("--id-number", default="360102195603120312")
    ap.add_argument("--name", default="张建国")
    a = ap.parse_args(argv)
    try:
        day = run_day(His(http_sender(a.url, a.key), a.institution), a.id_number, a.name)
    except Refused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    s, r = day["settlement"], day["reconciliation"]
    print(f"{day['person']} · {day['mdtrt_id']} · {day['lines']} lines")
    print(f"settled {s['setl_id']}: total {s['medfee_sumamt']}, funds {s['fund_pay_sumamt']}, "
          f"account {s['acct_pay']}, cash {s['psn_cash_pay']}")
    print(f"reconciliation of the day: {r['stmt_rslt_dscr']} (stmt_rslt {r['stmt_rslt']})")
    return 0 if r["stmt_rslt"] == "0" else 2


if __name__ == "__main__":
    raise SystemExit(main())
