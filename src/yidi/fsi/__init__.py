"""The national interface envelope (POST /api/v1/fsi): the platform's transactions, by infno, on yidi's services.

One behaviour, two shapes: every transaction here calls the same use case as the JSON API
(yidi.services.settlement), so a visit settles to the same fen through either door. envelope reads and
answers the envelope, fields reads what real HIS software sends, persons the credential, and one module
per group of transactions: visits, fees, settle, queries. docs/national-interface.md lists each infno.
"""

from __future__ import annotations

from yidi.fsi import fees, files, queries, settle, visits
from yidi.fsi.envelope import Handler, answer

HANDLERS: dict[str, Handler] = {
    "9001": queries.sign_in,
    "1101": queries.person,
    "2201": visits.register_outpatient,
    "2202": visits.cancel_registration,
    "2401": visits.admit,
    "2402": visits.discharge,
    "2403": visits.change,
    "2404": visits.cancel_registration,
    "2405": visits.cancel_discharge,
    "2301": fees.upload,
    "2204": fees.upload,
    "2302": fees.withdraw,
    "2205": fees.withdraw,
    "2303": settle.pre_settle,
    "2206": settle.pre_settle,
    "2304": settle.settle,
    "2207": settle.settle,
    "2305": settle.revoke,
    "2208": settle.revoke,
    "2601": settle.reverse,
    "5203": settle.show,
    "5206": queries.accumulators,
    "3201": queries.reconcile,
    "3202": queries.reconcile,
    "9101": files.upload,
}

__all__ = ["HANDLERS", "answer"]
