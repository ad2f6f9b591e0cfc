"""Monthly clearing on the store (SQLite and PostgreSQL): worked example, rerun, close, late changes,
disputes, advance funds, and totals equal to the sum of the settlements behind them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from yidi.clearing import synth
from yidi.clearing.definition import Month
from yidi.domain.errors import YidiError
from yidi.services import clearing as service
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import clearing_models as cm
from yidi.store.settlement_models import SettlementRow

BJ, SH, GZ, SZ = "110100", "310100", "440100", "440300"
H_BJ, H_SH, H_GZ, H_SZ = "H11010000001", "H31010000001", "H44010000001", "H44030000001"
OCT = dt.date(2026, 10, 1)
NATIONAL = Principal(Role.CLEARING, "000000")  # the national clearing operator runs and closes months


def agency(region: str) -> Principal:
    return Principal(Role.AGENCY, region)


def worked_month(ctx: Context) -> None:
    e = ctx.engine
    # s1 Beijing insured, Shanghai hospital: funds 800 + 200, cash 300 -> 北京 owes 上海 1,000.00
    synth.put_settlement(e, "S1", H_SH, BJ, OCT.replace(day=3), hifp=80_000, hifob=20_000, cash=30_000)
    # s2 Shanghai insured, Beijing hospital: fund 250 + account 50 -> 上海 owes 北京 300.00
    synth.put_settlement(e, "S2", H_BJ, SH, OCT.replace(day=4), hifp=25_000, acct=5_000, cash=1_000,
                         visit_type=synth.VisitType.OUTPATIENT)
    # s3 Beijing insured, Shenzhen hospital -> 北京 owes 广东 500.00
    synth.put_settlement(e, "S3", H_SZ, BJ, OCT.replace(day=5), hifp=50_000)
    # s4 Shenzhen insured, Shanghai hospital -> 广东 owes 上海 200.00
    synth.put_settlement(e, "S4", H_SH, SZ, OCT.replace(day=6), hifp=20_000)
    # s5 Shenzhen insured, Beijing hospital -> 广东 owes 北京 100.00
    synth.put_settlement(e, "S5", H_BJ, SZ, OCT.replace(day=7), hifp=10_000)
    # s6 settled and revoked in the same month: nets to nothing
    synth.put_settlement(e, "S6", H_SZ, BJ, OCT.replace(day=8), hifp=99_900, revoked_on=OCT.replace(day=20))
    # s7 Shenzhen insured, Guangzhou hospital: inside 广东, cleared by the province (intra), not netted
    synth.put_settlement(e, "S7", H_GZ, SZ, OCT.replace(day=9), hifp=8_000)
    # s8 a September settlement: before clearing began, never moves
    synth.put_settlement(e, "S8", H_SH, BJ, dt.date(2026, 9, 30), hifp=77_700)


def test_worked_example_three_provinces(ctx: Context) -> None:
    """Netting of three provinces, by hand (yuan):

        gross (payer -> payee):  北京->上海 1000   上海->北京 300   北京->广东 500   广东->上海 200   广东->北京 100
        北京 110000: receives 300 + 100 = 400,   pays 1000 + 500 = 1500,  net -1100
        上海 310000: receives 1000 + 200 = 1200, pays 300,               net  +900
        广东 440000: receives 500,               pays 200 + 100 = 300,   net  +200   (intra 80)
        nets sum to 0; bilateral: 北京->上海 1000-300 = 700, 北京->广东 500-100 = 400, 广东->上海 200
    """
    worked_month(ctx)
    out = service.run_month(ctx, NATIONAL, "2026-10")
    assert out.verification.ok, out.verification.checks
    assert out.cleared_fen == 100_000 + 30_000 + 50_000 + 20_000 + 10_000 + 8_000
    v = service.month_view(ctx, "2026-10")
    pos = {p["province"]: (p["receivable_fen"], p["payable_fen"], p["net_fen"], p["intra_fen"]) for p in v.provinces}
    assert pos == {"110000": (40_000, 150_000, -110_000, 0), "310000": (120_000, 30_000, 90_000, 0),
                   "440000": (50_000, 30_000, 20_000, 8_000)}
    net = {(n["payer_province"], n["payee_province"]): (n["gross_fen"], n["bilateral_net_fen"]) for n in v.netting}
    assert net == {("110000", "310000"): (100_000, 70_000), ("310000", "110000"): (30_000, 0),
                   ("110000", "440000"): (50_000, 40_000), ("440000", "110000"): (10_000, 0),
                   ("440000", "310000"): (20_000, 20_000)}
    pair = {(p["treatment_region"], p["insured_region"]): p for p in v.pairs}
    s1 = pair[SH, BJ]
    assert (s1["hifp_fen"], s1["hifob_fen"], s1["fund_fen"], s1["cash_fen"], s1["cleared_fen"]) == (80_000, 20_000, 100_000, 30_000, 100_000)
    assert (pair[BJ, SH]["acct_fen"], pair[BJ, SH]["cleared_fen"]) == (5_000, 30_000)
    # s6 settled and revoked in October: nothing moves, only s3 is on that line
    assert (pair[SZ, BJ]["cleared_fen"], pair[SZ, BJ]["n_settle"], pair[SZ, BJ]["n_revoke"]) == (50_000, 1, 0)
    hosp = {h["institution"]: h["owed_fen"] for h in v.hospitals}
    assert hosp == {H_SH: 120_000, H_BJ: 40_000, H_SZ: 50_000, H_GZ: 8_000}


def test_mutual_aid_is_cleared_with_the_account(ctx: Context) -> None:
    # Shanghai insured, Beijing hospital: fund 250.00, own account 50.00, a family member's account 20.00
    # (家庭共济), cash 10.00 -> 上海 owes 北京 250 + 50 + 20 = 320.00; the pair's account column 50 + 20 = 70.00
    synth.put_settlement(ctx.engine, "M1", H_BJ, SH, OCT.replace(day=4), hifp=25_000, acct=5_000, mulaid=2_000,
                         cash=1_000, visit_type=synth.VisitType.OUTPATIENT)
    out = service.run_month(ctx, NATIONAL, "2026-10")
    assert out.verification.ok, out.verification.checks
    assert out.cleared_fen == 32_000
    v = service.month_view(ctx, "2026-10")
    (pair,) = v.pairs
    assert (pair["acct_fen"], pair["cash_fen"], pair["cleared_fen"]) == (7_000, 1_000, 32_000)
    assert {h["institution"]: h["owed_fen"] for h in v.hospitals} == {H_BJ: 32_000}


def test_rerun_gives_identical_results(ctx: Context) -> None:
    synth.seed_store(ctx.engine, [Month(2026, 10)], 600, seed=3)
    a = service.run_month(ctx, NATIONAL, "2026-10")
    va = service.month_view(ctx, "2026-10")
    b = service.run_month(ctx, NATIONAL, "2026-10")
    vb = service.month_view(ctx, "2026-10")
    assert b.unchanged and b.runs == 2 and a.content_hash == b.content_hash
    assert (va.pairs, va.hospitals, va.provinces, va.netting, va.advance) == (vb.pairs, vb.hospitals, vb.provinces, vb.netting, vb.advance)


def test_totals_equal_sum_of_settlements_to_the_fen(ctx: Context) -> None:
    synth.seed_store(ctx.engine, [Month(2026, 10), Month(2026, 11)], 700, seed=5, revoke_rate=0.1)
    out = service.run_month(ctx, NATIONAL, "2026-10")
    assert out.verification.ok
    s = SettlementRow
    with ctx.engine.connect() as conn:
        cross = s.insured_region != s.treatment_region
        settled = conn.execute(select(func.sum(s.fund_pay_sumamt_fen + s.acct_pay_fen), func.sum(s.hifp_pay_fen))
                               .where(cross, s.settlement_date.between(OCT, dt.date(2026, 10, 31)))).one()
        revoked = conn.execute(select(func.sum(s.fund_pay_sumamt_fen + s.acct_pay_fen), func.sum(s.hifp_pay_fen))
                               .where(cross, s.settlement_date.between(OCT, dt.date(2026, 10, 31)),
                                      s.revoked_on <= dt.date(2026, 10, 31))).one()
    assert out.cleared_fen == int(settled[0]) - int(revoked[0] or 0)
    v = service.month_view(ctx, "2026-10")
    assert sum(p["hifp_fen"] for p in v.pairs) == int(settled[1]) - int(revoked[1] or 0)
    assert sum(h["owed_fen"] for h in v.hospitals) == out.cleared_fen
    assert service.verify(ctx, "2026-10").ok


def test_closed_month_is_frozen_and_late_changes_land_next_month(ctx: Context) -> None:
    worked_month(ctx)
    closed = service.close_month(ctx, NATIONAL, "2026-10")
    assert closed.status == "CLOSED" and closed.verification.ok
    # a revocation in November of an October settlement; one dated October but recorded after the close;
    # a settlement of October uploaded late; the same-month revocation of S6 reversed (reinstated)
    synth.revoke(ctx.engine, "S1", dt.date(2026, 11, 3))
    synth.revoke(ctx.engine, "S3", dt.date(2026, 10, 31))
    synth.put_settlement(ctx.engine, "S9", H_BJ, SH, dt.date(2026, 10, 30), hifp=12_300)
    synth.reinstate(ctx.engine, "S6")
    again = service.run_month(ctx, NATIONAL, "2026-10")
    assert again.frozen and again.content_hash == closed.content_hash and again.cleared_fen == closed.cleared_fen
    nov = service.run_month(ctx, NATIONAL, "2026-11")
    assert nov.verification.ok
    why = {i["setl_id"]: (i["reason"], i["delta"], i["adjustment"]) for i in service.items(ctx, "2026-11")}
    assert why == {"S1": ("REVOKE", -1, True), "S3": ("LATE_REVOKE", -1, True),
                   "S9": ("LATE_SETTLE", 1, True), "S6": ("LATE_SETTLE", 1, True)}
    assert nov.cleared_fen == -100_000 - 50_000 + 12_300 + 99_900 == nov.adjust_fen
    with pytest.raises(YidiError) as e:
        service.run_month(ctx, NATIONAL, "2026-09")
    assert e.value.code == "CLEARING_BEFORE_CLOSED"
    # closing November freezes those adjustments: December has nothing left to move
    service.close_month(ctx, NATIONAL, "2026-11")
    assert service.run_month(ctx, NATIONAL, "2026-12").items == 0


def test_dispute_ends_in_an_adjustment_of_a_later_month(ctx: Context) -> None:
    worked_month(ctx)
    service.run_month(ctx, NATIONAL, "2026-10")
    with pytest.raises(YidiError) as e:
        service.dispute(ctx, agency(SZ), "2026-10", ["S5"], "未备案 not filed")
    assert e.value.code == "CLEARING_NOT_CLOSED"
    service.close_month(ctx, NATIONAL, "2026-10")
    with pytest.raises(YidiError) as e:  # S1 is not on Shenzhen's lines
        service.dispute(ctx, agency(SZ), "2026-10", ["S5", "S1"], "未备案")
    assert e.value.code == "CLEARING_SETTLEMENT_NOT_IN_LINES"
    with pytest.raises(YidiError) as e:  # S4 (上海 hospital) and S5 (北京 hospital): two counterparts
        service.dispute(ctx, agency(SZ), "2026-10", ["S4", "S5"], "未备案")
    assert e.value.code == "CLEARING_DISPUTE_MIXED"
    d = service.dispute(ctx, agency(SZ), "2026-10", ["S5"], "未备案 not filed")
    assert d["amount_fen"] == 10_000
    with pytest.raises(YidiError) as e:
        service.dispute(ctx, agency(SZ), "2026-10", ["S5"], "again")
    assert e.value.code == "CLEARING_ALREADY_DISPUTED"
    with pytest.raises(YidiError) as e:  # only the counterpart (北京) decides, not 上海 nor the raiser
        service.resolve(ctx, agency(SH), d["dispute_id"], upheld=True)
    assert e.value.code == "CLEARING_NOT_COUNTERPART"
    assert service.confirm(ctx, agency(SH), "2026-10")["status"] == "CONFIRMED"
    with pytest.raises(YidiError) as e:  # Shenzhen cannot confirm while its own dispute is open
        service.confirm(ctx, agency(SZ), "2026-10")
    assert e.value.code == "CLEARING_DISPUTE_OPEN"

    out = service.resolve(ctx, agency(BJ), d["dispute_id"], upheld=True, note="核实属实 verified")
    assert out["status"] == "UPHELD" and out["effective_month"] == "2026-11"
    nov = service.run_month(ctx, NATIONAL, "2026-11")
    assert nov.verification.ok and nov.cleared_fen == -10_000 == nov.adjust_fen
    assert [(i["setl_id"], i["reason"], i["adjustment"]) for i in service.items(ctx, "2026-11")] == [("S5", "DISPUTE", True)]
    service.close_month(ctx, NATIONAL, "2026-11")
    # traceable: the dispute names where its adjustment landed; a later revocation does not count twice
    view = service.disputes(ctx, "2026-10")[0]
    assert view["landed_in"] == [{"month": "2026-11", "settlements": 1}] and view["settlements"][0]["setl_id"] == "S5"
    synth.revoke(ctx.engine, "S5", dt.date(2026, 12, 2))
    assert service.run_month(ctx, NATIONAL, "2026-12").items == 0

    # a rejected dispute leaves the clearing as it was; then the agency may confirm
    d2 = service.dispute(ctx, agency(SZ), "2026-10", ["S4"], "金额有误 wrong amount")
    rej = service.resolve(ctx, Principal(Role.AGENCY, "310000"), d2["dispute_id"], upheld=False)
    assert rej["status"] == "REJECTED" and rej["effective_month"] is None and rej["landed_in"] == []
    assert service.run_month(ctx, NATIONAL, "2026-12").items == 0
    assert service.confirm(ctx, agency(SZ), "2026-10")["status"] == "CONFIRMED"


def test_advance_fund_warning_line_raises_alert_and_top_up(ctx: Context) -> None:
    e = ctx.engine
    # 2025: 上海 hospitals treated 北京 insured for 12,000.00 yuan in all -> 1,000.00 a month
    for mth in range(1, 13):
        synth.put_settlement(e, f"P{mth:02d}", H_SH, BJ, dt.date(2025, mth, 15), hifp=100_000)
    # 2025: 北京 hospitals treated 上海 insured for 24,000.00 -> 2,000.00 a month
    synth.put_settlement(e, "Q1", H_BJ, SH, dt.date(2025, 6, 1), hifp=2_400_000)
    # October 2026: 上海 pays out 1,500.00 for 北京 insured (75 % of the 2,000.00 fund); 北京 pays 1,000.00
    synth.put_settlement(e, "U1", H_SH, BJ, OCT, hifp=150_000)
    synth.put_settlement(e, "U2", H_BJ, SH, OCT, hifp=100_000)
    service.run_month(ctx, NATIONAL, "2026-10")
    adv = {(a["holder_province"], a["payer_province"]): a for a in service.month_view(ctx, "2026-10").advance}
    sh = adv["310000", "110000"]
    assert (sh["base_year_fen"], sh["sized_fen"], sh["used_fen"], sh["used_pct"]) == (1_200_000, 200_000, 150_000, "75.00")
    # top-up brings the use back under the line: ceil(1500 / 0.70) - 2000 = 2142.86 - 2000 = 142.86
    assert sh["alert"] and sh["topup_request_fen"] == 14_286
    assert sh["review_delta_fen"] == 200_000  # first sizing: the payer pays the fund in
    bj = adv["110000", "310000"]
    assert (bj["sized_fen"], bj["used_pct"], bj["alert"], bj["topup_request_fen"]) == (400_000, "25.00", False, 0)
    # parameters: 3 months and a 30 % line turn Beijing's 1000 / 6000 = 16.67 % ... still quiet; 2 months at 25 %: alert
    service.run_month(ctx, NATIONAL, "2026-10", advance_months=2, warning_pct=Decimal("25"))
    adv = {(a["holder_province"], a["payer_province"]): a for a in service.month_view(ctx, "2026-10").advance}
    assert adv["110000", "310000"]["alert"] and adv["110000", "310000"]["topup_request_fen"] == 0
    service.run_month(ctx, NATIONAL, "2026-10", advance_months=3)
    adv = {(a["holder_province"], a["payer_province"]): a for a in service.month_view(ctx, "2026-10").advance}
    assert adv["310000", "110000"]["sized_fen"] == 300_000 and not adv["310000", "110000"]["alert"]
    with pytest.raises(YidiError):
        service.run_month(ctx, NATIONAL, "2026-10", warning_pct=Decimal("0"))


def test_bad_month_and_roles(ctx: Context) -> None:
    for bad in ("2026-13", "202610", "2026-1", "x"):
        with pytest.raises(YidiError) as e:
            service.run_month(ctx, NATIONAL, bad)
        assert e.value.code == "CLEARING_MONTH_INVALID"
    with pytest.raises(YidiError) as e:
        service.run_month(ctx, Principal(Role.HOSPITAL, H_BJ), "2026-10")
    assert e.value.status == 403
    with pytest.raises(YidiError) as e:  # confirming is an agency's, not the operator's
        service.confirm(ctx, NATIONAL, "2026-10")
    assert e.value.status == 403
    with pytest.raises(YidiError) as e:
        service.month_view(ctx, "2030-01")
    assert e.value.code == "CLEARING_NOT_RUN"


def test_runs_are_listed(ctx: Context) -> None:
    worked_month(ctx)
    service.run_month(ctx, NATIONAL, "2026-10")
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cm.ClearingItemRow)).scalar_one() == 6
    assert [r["month"] for r in service.months(ctx)] == ["2026-10"]
