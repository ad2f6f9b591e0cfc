"""The clearing definition, written once as SQL that DuckDB and Spark SQL both run unchanged.

Inputs (three relations, the same columns on both engines; amounts are BIGINT fen):
- `settlements`: id, setl_id, institution, insured_region, treatment_region, visit_type,
  settlement_date, revoked_on (NULL unless revoked), medfee, hifp, hifob, cvlserv, hifmi, maf, fund, acct,
  cash. May hold more rows than the month needs (a superset): the definition picks what moves.
- `cleared`: settlement_id, net, n: what closed months already moved for a settlement (sum of their
  deltas, number of items). Empty on a fresh system.
- `excluded`: settlement_id: settlements an upheld dispute took out, effective in or before the month.

The rule, per settlement: it *should* count by the end of the month when it was settled by then, not
revoked by then and not taken out by a dispute (0 or 1); the month moves it by delta = should - already
cleared. So a settlement and its revocation in one month net to nothing; a revocation after its month
was closed lands in the next month run (delta -1); a late settlement, a reinstatement and an upheld
dispute land the same way. Settlements dated before clearing began (`since`) never move. Only cross-region settlements (insured region <> treatment region) clear.

Everything is integer arithmetic on BIGINT (sums may widen to HUGEINT/DECIMAL, never to floating point),
and every result is ordered by its key, so the two engines return identical rows.
"""

from __future__ import annotations

import datetime as dt

from yidi.domain.clearing import Month as Month  # (where the batch, its tests and benchmarks take it from)

# Why a settlement moved in a month (clearing_items.reason).
REASONS = {
    "SETTLE": "本月结算 settled this month",
    "REVOKE": "本月撤销 revoked this month",
    "LATE_SETTLE": "补清算：往月结算 late settlement of an earlier month",
    "LATE_REVOKE": "补清算：往月撤销 late revocation of an earlier month",
    "REINSTATE": "撤销被冲正 revocation reversed",
    "DISPUTE": "争议成立调减 upheld dispute",
}


def _items_cte(m: Month, since: dt.date | None) -> str:
    # dates from a parsed Month and a date object: nothing a caller types reaches the SQL text
    start, end = m.start.isoformat(), m.end.isoformat()
    first = (since or m.start).isoformat()
    return f"""
moved AS (
  SELECT s.*, COALESCE(c.net, 0) AS cleared_net, COALESCE(c.n, 0) AS cleared_n,
         CASE WHEN x.settlement_id IS NULL THEN 0 ELSE 1 END AS excluded_flag
  FROM settlements s
  LEFT JOIN cleared c ON c.settlement_id = s.id
  LEFT JOIN excluded x ON x.settlement_id = s.id
  WHERE s.settlement_date >= DATE '{first}' AND s.settlement_date <= DATE '{end}'
    AND s.insured_region <> s.treatment_region
),
deltas AS (
  SELECT moved.*,
         CASE WHEN COALESCE(revoked_on, DATE '9999-12-31') > DATE '{end}' AND excluded_flag = 0 THEN 1 ELSE 0 END
           - cleared_net AS d,
         CASE WHEN settlement_date < DATE '{start}' OR excluded_flag = 1 THEN 1 ELSE 0 END AS adj
  FROM moved
),
items AS (SELECT * FROM deltas WHERE d <> 0)"""


def _reason(m: Month) -> str:
    start, end = m.start.isoformat(), m.end.isoformat()
    return f"""CASE WHEN d > 0 THEN
         CASE WHEN settlement_date >= DATE '{start}' THEN 'SETTLE'
              WHEN cleared_n = 0 THEN 'LATE_SETTLE' ELSE 'REINSTATE' END
       WHEN revoked_on IS NOT NULL AND revoked_on <= DATE '{end}' THEN
         CASE WHEN revoked_on >= DATE '{start}' THEN 'REVOKE' ELSE 'LATE_REVOKE' END
       ELSE 'DISPUTE' END"""


# The money columns a settlement carries; every line sums all of them.
MONEY = ("medfee", "hifp", "hifob", "cvlserv", "hifmi", "maf", "fund", "acct", "cash")

# What a line reports, from the buckets of `lines` (one row per key, delta d and adjustment flag adj,
# with n items and the plain sums of the money columns): sum(d * x) over items = sum(d * sum(x)) over
# buckets, exactly, in integers.
_SUMS = (*((c, f"d * {c}") for c in MONEY), ("cleared", "d * (fund + acct)"),
         ("adjust", "adj * d * (fund + acct)"))
_COUNTS = ("SUM(CASE WHEN d > 0 THEN n ELSE 0 END) AS n_settle, SUM(CASE WHEN d < 0 THEN n ELSE 0 END) AS n_revoke, "
           "SUM(adj * n) AS n_adjust")


def stages(m: Month, *, since: dt.date | None = None, with_items: bool = True) -> list[tuple[str, str, bool]]:
    """The month's clearing as an ordered list of (name, SELECT, keep): each engine runs them in order,
    registers every result under its name for the later stages, and returns those marked `keep`.

    Stage `lines` is the one pass over the settlements. It reads only the columns the rule and the
    lines need and aggregates plain column sums (no per-row products) with GROUPING SETS at the two
    grains the month reports, per hospital and per region pair, each split by status bucket (delta d,
    adjustment flag adj): a few thousand rows for millions of settlements. Hospital and pair lines
    (d-weighted sums and counts), province positions, netting table and totals are small queries over
    that result. `items` (which settlements moved, and why) is a second pass, run only when the moved
    settlements are to be stored. Each kept result is ordered by its key.

    `since` is the first day clearing covers (the first month ever closed; the month itself when none
    is): settlements before it were cleared before this system and never move here.
    """
    items = _items_cte(m, since)
    money = ", ".join(f"SUM({c}) AS {c}" for c in MONEY)
    sums = ",\n       ".join(f"SUM({expr}) AS {name}" for name, expr in _SUMS)
    out: list[tuple[str, str, bool]] = [
        ("lines", f"""WITH {items}
SELECT treatment_region, institution, insured_region, d, adj, COUNT(*) AS n,
       {money}
FROM items
GROUP BY GROUPING SETS ((treatment_region, institution, d, adj), (treatment_region, insured_region, d, adj))""",
         False),
        # institution and insured region are never NULL in a settlement: NULL marks the other grouping
        ("hospital", f"""WITH h AS (
  SELECT treatment_region, institution, {_COUNTS},
         {sums}
  FROM lines WHERE insured_region IS NULL GROUP BY treatment_region, institution
)
SELECT treatment_region, institution, n_settle, n_revoke, n_adjust,
       medfee, fund, acct, cash, cleared AS owed, adjust
FROM h ORDER BY institution, treatment_region""", True),
        ("pair", f"""SELECT treatment_region, insured_region,
       CONCAT(SUBSTR(treatment_region, 1, 2), '0000') AS treatment_province,
       CONCAT(SUBSTR(insured_region, 1, 2), '0000') AS insured_province,
       {_COUNTS},
       {sums}
FROM lines WHERE institution IS NULL
GROUP BY treatment_region, insured_region
ORDER BY treatment_region, insured_region""", True),
        ("pairs", """SELECT treatment_province AS tp, insured_province AS ip, SUM(cleared) AS amt
FROM pair GROUP BY treatment_province, insured_province""", False),
        # multilateral netting: a province receives what others' insured owe its hospitals and pays what
        # its insured owe elsewhere; lines inside one province are cleared by the province (intra)
        ("province", """WITH legs AS (
  SELECT tp AS province, amt AS receivable, CAST(0 AS BIGINT) AS payable, CAST(0 AS BIGINT) AS intra
  FROM pairs WHERE tp <> ip
  UNION ALL SELECT ip AS province, CAST(0 AS BIGINT), amt, CAST(0 AS BIGINT) FROM pairs WHERE tp <> ip
  UNION ALL SELECT tp AS province, CAST(0 AS BIGINT), CAST(0 AS BIGINT), amt FROM pairs WHERE tp = ip
)
SELECT province, SUM(receivable) AS receivable, SUM(payable) AS payable,
       SUM(receivable) - SUM(payable) AS net, SUM(intra) AS intra
FROM legs GROUP BY province ORDER BY province""", True),
        ("netting", """WITH gross AS (SELECT ip AS payer, tp AS payee, amt FROM pairs WHERE tp <> ip)
SELECT a.payer, a.payee, a.amt AS gross,
       CASE WHEN a.amt - COALESCE(b.amt, 0) > 0 THEN a.amt - COALESCE(b.amt, 0) ELSE 0 END AS bilateral_net
FROM gross a LEFT JOIN gross b ON b.payer = a.payee AND b.payee = a.payer
ORDER BY a.payer, a.payee""", True),
        ("totals", """SELECT COALESCE(SUM(n_settle + n_revoke), 0) AS items, COALESCE(SUM(cleared), 0) AS cleared,
       COALESCE(SUM(adjust), 0) AS adjust
FROM pair""", True),
    ]
    if with_items:
        out.append(("items", f"""WITH {items}
SELECT id, setl_id, d, {_reason(m)} AS reason, adj FROM items ORDER BY id""", True))
    return out


def floor_query(m: Month) -> str:
    """The narrow floor: a plain scan of settled minus revoked in the month, fund + acct only, no grouping.

    On a system with nothing frozen it equals the clearing total, which the benchmark also checks.
    """
    start, end = m.start.isoformat(), m.end.isoformat()
    return f"""SELECT COUNT(*),
  SUM(CASE WHEN settlement_date BETWEEN DATE '{start}' AND DATE '{end}' THEN fund + acct ELSE 0 END)
  - SUM(CASE WHEN revoked_on BETWEEN DATE '{start}' AND DATE '{end}' THEN fund + acct ELSE 0 END)
FROM settlements WHERE insured_region <> treatment_region"""


def floor_money_query(m: Month) -> str:
    """The fair floor: a plain scan-and-sum of the rows the month moves (cross-region, settled in the
    month, not revoked by its end) and of all nine money columns the clearing sums, no joins, no grouping.

    On a system with nothing frozen its count is the month's items and its sums are the sums of the
    pair lines (fund + acct = the clearing total), which the benchmark checks.
    """
    start, end = m.start.isoformat(), m.end.isoformat()
    money = ", ".join(f"SUM({c})" for c in MONEY)
    return f"""SELECT COUNT(*), {money}
FROM settlements
WHERE settlement_date BETWEEN DATE '{start}' AND DATE '{end}' AND insured_region <> treatment_region
  AND (revoked_on IS NULL OR revoked_on > DATE '{end}')"""
