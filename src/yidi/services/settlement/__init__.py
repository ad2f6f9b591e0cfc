"""Direct settlement (直接结算) for hospitals: register a visit, upload and withdraw fee lines, pre-settle,
settle, revoke, reverse (冲正) by message id, query year accumulators, reconcile a day.

Modelled on the national platform's hospital transactions (docs/rules.md R-6.2): 2401/2201 register, 2301/2204
fee upload, 2302/2205 withdraw, 2303/2206 pre-settle, 2304/2207 settle, 2305/2208 revoke, 2601 reversal,
5206 accumulators, 3201/3202 reconciliation; the lifecycle 2404/2202 cancel, 2403 change, 2402 discharge, 2405
discharge cancel (yidi.domain.visit_states says which state allows which). The calculation is yidi.domain.engine.calculate, always.

How safety is obtained (each use case is one unit of work, yidi.store.uow):
- settle, revoke and reversal first lock the person's year-accumulator row (INSERT ... ON CONFLICT DO
  NOTHING, then SELECT ... FOR UPDATE on PostgreSQL; on SQLite that INSERT is the transaction's first
  write, which takes the database write lock, so writers run one at a time). Everything that decides the
  money (idempotency key, visit status, lines, accumulators, account balance) is read again *after* the
  lock, so two hospitals settling for one person at once compute one after the other.
- unique constraints back this up: one settlement per (institution, idempotency key), one live settlement
  per visit, one message per (institution, msgid). A transaction that loses such a race is rolled back
  and run again once, and then finds the winner's result.
- every error a caller can cause is a YidiError raised before commit, so it changes nothing.

One idea per module: requests (what a hospital sends), checks (what several use cases check alike), views
(what they answer), visits (register, show), visit_list (the desk's list), lifecycle (cancel, change, discharge), lines (upload, withdraw), bills (the calculation), settle
(quote, settle), revoke (revoke, reversal), queries (accumulators, reconciliation). The doors import this
package only.
"""

from yidi.services.settlement.bills import bill_of
from yidi.services.settlement.checks import request_hash
from yidi.services.settlement.files import StoredFile, file_text, store_file
from yidi.services.settlement.history import History, SettlementItem, Slip, person_settlements, slip, slips
from yidi.services.settlement.lifecycle import cancel_discharge, cancel_visit, change_visit, discharge
from yidi.services.settlement.lines import upload_lines, withdraw_lines
from yidi.services.settlement.persons import PersonInfo, person_info
from yidi.services.settlement.queries import (
    AccumulatorView,
    ReconcileView,
    accumulators,
    day_totals,
    reconcile,
)
from yidi.services.settlement.requests import (
    FIXABLE_BEFORE_DISCHARGE,
    INFNO,
    MAX_BATCH,
    MAX_LINES_PER_VISIT,
    REVERSAL,
    AccumulatorQueryIn,
    CancelDischargeIn,
    CancelVisitIn,
    ChangeVisitIn,
    DischargeIn,
    MsgId,
    PersonQueryIn,
    PreSettleIn,
    QuoteBasis,
    ReconcileIn,
    ReconcileItem,
    RegisterVisitIn,
    ReversalIn,
    RevokeIn,
    SettleIn,
    SettlementConfig,
    UploadLinesIn,
    WithdrawLinesIn,
)
from yidi.services.settlement.revoke import ReversalView, reverse, revoke
from yidi.services.settlement.settle import pre_settle, settle, show_settlement
from yidi.services.settlement.unsettled import UnsettledVisit, claim_values, unsettled_visits
from yidi.services.settlement.views import Change, Quote, SettlementView, VisitView, settlement_answer
from yidi.services.settlement.visit_list import VisitListIn, VisitSummary, visit_list
from yidi.services.settlement.visits import register_visit, show_visit

__all__ = [
    "FIXABLE_BEFORE_DISCHARGE",
    "INFNO",
    "MAX_BATCH",
    "MAX_LINES_PER_VISIT",
    "REVERSAL",
    "AccumulatorQueryIn",
    "AccumulatorView",
    "CancelDischargeIn",
    "CancelVisitIn",
    "Change",
    "ChangeVisitIn",
    "DischargeIn",
    "History",
    "MsgId",
    "PersonInfo",
    "PersonQueryIn",
    "PreSettleIn",
    "Quote",
    "QuoteBasis",
    "ReconcileIn",
    "ReconcileItem",
    "ReconcileView",
    "RegisterVisitIn",
    "ReversalIn",
    "ReversalView",
    "RevokeIn",
    "SettleIn",
    "SettlementConfig",
    "SettlementItem",
    "SettlementView",
    "Slip",
    "StoredFile",
    "UnsettledVisit",
    "UploadLinesIn",
    "VisitListIn",
    "VisitSummary",
    "VisitView",
    "WithdrawLinesIn",
    "accumulators",
    "bill_of",
    "cancel_discharge",
    "cancel_visit",
    "change_visit",
    "claim_values",
    "day_totals",
    "discharge",
    "file_text",
    "person_info",
    "person_settlements",
    "pre_settle",
    "reconcile",
    "register_visit",
    "request_hash",
    "reverse",
    "revoke",
    "settle",
    "settlement_answer",
    "show_settlement",
    "show_visit",
    "slip",
    "slips",
    "store_file",
    "unsettled_visits",
    "upload_lines",
    "visit_list",
    "withdraw_lines",
]
