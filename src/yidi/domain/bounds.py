"""Plausible bounds of every amount, total, date and text field: stated once here, checked at every door.

Beyond a bound an input is refused with a stable code naming the field (AMOUNT_TOO_LARGE, TOTAL_TOO_LARGE,
QUANTITY_TOO_LARGE, QUANTITY_PRECISION, MONEY_PRECISION, DATE_OUT_OF_RANGE, TEXT_TOO_LONG), never left to
the database or to an overflow deep inside. The store's column lengths are these constants (yidi.store
imports them), so a text bound and its column cannot drift apart. docs/bounds.md is generated from
`TABLE` (`python scripts/docs_bounds.py`) and a test keeps it equal.

Why these figures: a single catalogue item costs at most a few million yuan (the dearest cell therapies
are about 1.2 million), a stay rarely passes a few million; the bounds leave ample room above the real
extremes while every sum stays far inside the fen columns (BIGINT) and the decimal context.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# ------------------------------------------------------------------------------------------ amounts (yuan)
MONEY_DECIMALS = 2  # every amount is exact to the fen
UNIT_PRICE_MAX = Decimal("5000000.00")  # 单价 one unit of an item or service
LINE_AMOUNT_MAX = Decimal("5000000.00")  # 明细金额 quantity x unit price of one fee line
QUANTITY_MAX = Decimal("99999.9999")  # 数量 of one fee line
QUANTITY_DECIMALS = 4
VISIT_TOTAL_MAX = Decimal("20000000.00")  # 医疗费总额 the active lines of a visit or a bill, summed
INVOICE_AMOUNT_MAX = VISIT_TOTAL_MAX  # 发票金额 one invoice covers at most one visit
CLAIM_TOTAL_MAX = VISIT_TOTAL_MAX  # 手工报销 all invoices of a claim (one visit), and all its lines
ACCOUNT_BALANCE_MAX = Decimal("10000000.00")  # 个人账户余额
ACCUMULATED_MAX = Decimal("999999999999.99")  # 年度累计 any year-to-date sum of one person (and day totals)
VISIT_LINES_MAX = 5000  # 费用明细条数 the active lines of a visit, the lines of a bill the engine calculates
NUMBER_MAX_CHARS = 32  # the longest number text read (digits, sign and point); the quantity column is 32

# ------------------------------------------------------------------------------------------ dates
DATE_MIN = dt.date(2000, 1, 1)  # visits, fee lines, invoices, filings, settlement and reconciliation days
DATE_MAX = dt.date(2099, 12, 31)  # far enough for any plan, near enough that date arithmetic cannot overflow
BIRTH_DATE_MIN = dt.date(1900, 1, 1)  # birth dates (in a citizen ID) and a person's status dates
YEAR_MIN, YEAR_MAX = DATE_MIN.year, DATE_MAX.year

# ------------------------------------------------------------------------------------------ texts (characters)
ID_NUMBER = 18  # 公民身份号码, after normalisation
REGION_CODE = 6
INSTITUTION_CODE = 30
INSTITUTION_NAME = 200
PERSON_NAME = 50
LINE_ID = 30  # feedetl_sn
ITEM_CODE = 50  # med_list_codg
ITEM_NAME = 200
ITEM_GROUP = 40  # a catalogue item's group tag (rules.item_groups)
DISEASE_CODE = 20  # 门诊慢特病 code
ASSISTANCE_GROUP = 20
GENDER = 10
FILING_ID = 32
MDTRT_ID = 32
SETL_ID = 32
MSGID = 64
FILED_BY = 100
PROOF_NOTE = 100  # the document number or note staff record when they check a family link at the counter
MATERIAL_CODE = 40
DIAGNOSIS_CODE = 30
DIAGNOSIS_NAME = 200
INVOICE_NO = 40
PAYER = 50
BANK_NAME = 100
BANK_ACCOUNT = 40  # column; the digits themselves are 8 to 30
BANK_ACCOUNT_DIGITS = (8, 30)
REASON = 500  # a reason or note a person or a clerk types (free text columns are unbounded: this bounds them)
LONG_REASON = 1000  # review decisions, disputes
FILE_NAME = 200
POLICY_VERSION = 20
PACK_NAME = 100

# ------------------------------------------------------------------------------------------ counts and pages
FSI_FILE_BYTES = 2 * 1024 * 1024  # a file uploaded through the envelope (9101), as sent (a zip: compressed)
FSI_FILE_TEXT = 16 * 1024 * 1024  # its text once unzipped
FSI_FILE_ROWS = 100_000  # settlements one detail file (3202) lists
DISPUTE_SETTLEMENTS = 1000  # settlements one clearing dispute may name (争议); also the largest page of them
DISPUTE_PAGE = 100  # settlements of a dispute shown at once when no page size is asked for


@dataclass(frozen=True, slots=True)
class Bound:
    """One row of docs/bounds.md: what is bounded, the bound, the code refusing beyond it, and where."""

    what: str
    bound: str
    code: str
    fields: str


def _yuan(d: Decimal) -> str:
    return f"{d:,.2f} 元"


TABLE: tuple[Bound, ...] = (
    Bound("unit price 单价", f"0 … {_yuan(UNIT_PRICE_MAX)}, ≤ {MONEY_DECIMALS} decimals", "AMOUNT_TOO_LARGE, MONEY_PRECISION",
          "fee lines (hospital upload, claims, quote, estimate, fee-list files)"),
    Bound("line amount 明细金额", f"quantity × unit price ≤ {_yuan(LINE_AMOUNT_MAX)}", "AMOUNT_TOO_LARGE", "fee lines"),
    Bound("quantity 数量", f"> 0 … {QUANTITY_MAX}, ≤ {QUANTITY_DECIMALS} decimals", "QUANTITY_TOO_LARGE, QUANTITY_PRECISION",
          "fee lines"),
    Bound("visit / bill total 医疗费总额", f"≤ {_yuan(VISIT_TOTAL_MAX)}", "TOTAL_TOO_LARGE",
          "a visit's active lines (checked at upload), a quoted bill, a claim's lines, an inpatient deposit"),
    Bound("fee lines of a visit 费用明细条数", f"≤ {VISIT_LINES_MAX:,} active lines", "VISIT_TOO_MANY_LINES",
          "a visit's active lines (checked at upload; the engine's bill holds no more)"),
    Bound("invoice amount 发票金额", f"> 0 … {_yuan(INVOICE_AMOUNT_MAX)}", "AMOUNT_TOO_LARGE", "claim invoices"),
    Bound("claim total 报销票据合计", f"≤ {_yuan(CLAIM_TOTAL_MAX)} over all invoices", "TOTAL_TOO_LARGE", "claim invoices"),
    Bound("account balance 个人账户余额", f"0 … {_yuan(ACCOUNT_BALANCE_MAX)}", "AMOUNT_TOO_LARGE", "person import, quote"),
    Bound("year-to-date sums, day totals 年度累计、日对账合计", f"−{_yuan(ACCUMULATED_MAX)} … {_yuan(ACCUMULATED_MAX)}", "TOTAL_TOO_LARGE",
          "accumulators (quote, settle), reconciliation"),
    Bound("number notation 数字写法", f"plain decimal only (digits, one point, optional minus), ≤ {NUMBER_MAX_CHARS} characters; "
          "no exponent, underscore, NaN or Infinity", "NUMBER_FORMAT", "every amount and quantity (JSON number or string, forms, files)"),
    Bound("dates 日期", f"{DATE_MIN} … {DATE_MAX}, written YYYY-MM-DD (a date, not a date-time)", "DATE_OUT_OF_RANGE, DATE_FORMAT, DATE_NOT_EXIST",
          "visits, fee lines, invoices, filings, eligibility, reconciliation, advice"),
    Bound("birth and status dates 出生日期", f"{BIRTH_DATE_MIN} … today (birth), … {DATE_MAX} (status)", "ID_BIRTH_DATE, DATE_OUT_OF_RANGE",
          "citizen ID numbers, person import"),
    Bound("years 年度", f"{YEAR_MIN} … {YEAR_MAX}", "FIELD_INVALID", "accumulators"),
    Bound("citizen ID 身份证号码", f"{ID_NUMBER} characters after normalisation; province part a GB/T 2260 province",
          "ID_FORMAT, ID_REGION, ID_BIRTH_DATE, ID_CHECKSUM", "every door"),
    Bound("person name 姓名", f"≤ {PERSON_NAME} characters", "TEXT_TOO_LONG", "persons, visits, invoices (payer), bank holder"),
    Bound("codes 编码", f"region {REGION_CODE}, institution {INSTITUTION_CODE}, line id {LINE_ID}, item {ITEM_CODE}, item group {ITEM_GROUP}, "
          f"disease {DISEASE_CODE}, invoice {INVOICE_NO}, diagnosis {DIAGNOSIS_CODE} characters", "TEXT_TOO_LONG", "every door"),
    Bound("names 名称", f"item {ITEM_NAME}, hospital {INSTITUTION_NAME}, diagnosis {DIAGNOSIS_NAME}, bank {BANK_NAME} characters",
          "TEXT_TOO_LONG", "fee lines, claims, institution import"),
    Bound("bank account 银行账号", f"{BANK_ACCOUNT_DIGITS[0]}–{BANK_ACCOUNT_DIGITS[1]} digits after normalisation", "BANK_ACCOUNT_FORMAT",
          "claims"),
    Bound("reasons and notes 理由、备注", f"≤ {REASON} characters ({LONG_REASON} for reviews and disputes)", "TEXT_TOO_LONG",
          "filings, revocations, claims, clearing"),
    Bound("dispute settlements 争议结算", f"≤ {DISPUTE_SETTLEMENTS} per dispute; read in pages of {DISPUTE_PAGE} "
          f"(at most {DISPUTE_SETTLEMENTS})", "FIELD_INVALID", "clearing disputes (raise, list, page)"),
    Bound("uploaded files 文件上传 (9101)", f"≤ {FSI_FILE_BYTES // 1024 // 1024} MiB as sent, ≤ {FSI_FILE_TEXT // 1024 // 1024} MiB "
          f"of text once unzipped, ≤ {FSI_FILE_ROWS:,} rows", "FSI_FILE_TOO_LARGE", "the envelope's 9101 (3202 detail files)"),
    Bound("characters 字符", "no control characters (tab and line breaks allowed), no lone surrogates", "TEXT_INVALID_CHARACTER",
          "every text field"),
)


def markdown_table() -> str:
    """The bounds as the Markdown table docs/bounds.md holds."""
    rows = ["| what | bound | code beyond it | where |", "|---|---|---|---|"]
    rows += [f"| {b.what} | {b.bound} | {', '.join(f'`{c.strip()}`' for c in b.code.split(','))} | {b.fields} |"
             for b in TABLE]
    return "\n".join(rows) + "\n"
