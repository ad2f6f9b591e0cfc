"""The amount fields of a settlement breakdown: the one list the breakdown, the store and the pages read.

Names follow the national platform's settlement fields (2304 `setlinfo`; docs/rules.md R-3.2), each with a
Chinese and an English label for pages. The order is the order of the calculation: what the bill is made
of, what the deductible and the funds take, what the person pays and how.
"""

from __future__ import annotations

from collections.abc import Mapping

AMOUNT_LABELS: Mapping[str, tuple[str, str]] = {
    "medfee_sumamt": ("医疗费总额", "total fees"),
    "fulamt_ownpay_amt": ("全自费", "fully self-funded"),
    "overlmt_selfpay": ("超限价自费", "over the price cap"),
    "preselfpay_amt": ("乙类先行自付", "class-B pay-first share"),
    "inscp_scp_amt": ("政策范围内费用", "in-scope amount"),
    "cross_region_selfpay_amt": ("异地先行自付", "cross-region pay-first share"),
    "act_pay_dedc": ("起付线", "deductible"),
    "hifp_pay": ("统筹基金", "pooled fund"),
    "above_cap_amt": ("超过年度限额的费用", "cost above the annual cap"),
    "above_cap_fund_amt": ("因年度限额少付的统筹基金", "pooled-fund payment the annual cap withheld"),
    "hifob_pay": ("大额医疗费用补助", "large-amount subsidy"),
    "cvlserv_pay": ("公务员医疗补助", "civil-servant subsidy"),
    "hifmi_pay": ("大病保险", "critical-illness insurance"),
    "maf_pay": ("医疗救助", "medical assistance"),
    "fund_pay_sumamt": ("基金支付合计", "funds in all"),
    "psn_part_amt": ("个人负担", "the person's share"),
    "acct_pay": ("个人账户支付", "personal account"),
    "acct_mulaid_pay": ("家庭共济支付", "family member's account (mutual aid)"),
    "psn_cash_pay": ("现金支付", "cash"),
    "balc": ("个人账户余额", "account balance after"),
}

# Every amount of a Breakdown, in order; a settlement stores each as `<name>_fen`.
AMOUNT_FIELDS: tuple[str, ...] = tuple(AMOUNT_LABELS)

# The three a page shows first (total = funds + person); the rest are the parts.
SUM_FIELDS: tuple[str, ...] = ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt")
PART_FIELDS: tuple[str, ...] = tuple(f for f in AMOUNT_FIELDS if f not in SUM_FIELDS)
