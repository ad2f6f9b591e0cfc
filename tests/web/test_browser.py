"""End-to-end tests in real headless Chromium at a phone's width (390 px), against a live uvicorn server.

A person asks the advisor and gets the right plan in several situations; files online (with validation
as they type) and the hospital checks eligibility and settles; a claim goes from a scan to staff review,
return, the added paper and approval; staff run a clearing and open its report; the keyboard reaches
everything and the large-text mode holds across pages; and the start page is photographed on a phone.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests/web/browser.py are parameters of the tests below)
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import PHONE, Server, browser, new_page, phone, server  # noqa: F401
from tests.web.codes import internal_codes
from tests.web.conftest import TODAY, person
from yidi.demo.dataset import PERSONS

SHOTS = Path(__file__).parent / "screenshots"  # not committed; the test also saves into its tmp dir


def in_words(page: Any) -> None:
    """The page as read shows states, roles and events in words, no internal code (issue 19)."""
    text = page.locator("body").inner_text()
    assert internal_codes(text) == [], (page.url, internal_codes(text))


def sign_in(page: Any, user: str) -> None:
    """The demo start page's one-click login: the button submits this demo account's user name and the
    demo password through the login form (security.login), which sets the `yidi_session` cookie."""
    page.goto("/")
    with page.expect_navigation():
        page.locator(f'.demo button[data-user="{user}"]').click()
    assert any(c["name"] == "yidi_session" for c in page.context.cookies())


def log_in(page: Any, user: str) -> None:
    """Log in through the login form (accounts without a button on the demo start page)."""
    page.goto("/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill("yidi-demo-2026")
    with page.expect_navigation():
        page.locator("#login-form").get_by_role("button", name="登录").click()
    assert any(c["name"] == "yidi_session" for c in page.context.cookies())


def answer_all(page: Any, answers: dict[str, str], limit: int = 12) -> None:
    """Answer the advisor's questions one by one, as a person would, by clicking the choice's label."""
    for _ in range(limit):
        form = page.locator("#question")
        if form.count() == 0:
            return
        radio = form.locator("input[type=radio]").first
        if radio.count():
            field = radio.get_attribute("name")
            value = answers[field]
            form.locator(f'input[name="{field}"][value="{value}"]').check()
        else:
            select = form.locator("select")
            field = select.get_attribute("name")
            select.select_option(answers[field])
        form.get_by_role("button").click()
        page.wait_for_load_state()
    raise AssertionError("the advisor kept asking")


BASE = {"insured_region": "369900", "scheme": "EMPLOYEE", "category": "ACTIVE", "current_region": "440100",
        "visit_type": "INPATIENT", "reason": "travelling", "filed": "false", "treated": "true",
        "paid_in_full": "false", "filing_type": "OTHER_TEMPORARY", "chronic_certified": "true",
        "referral_certificate": "true"}

SITUATIONS = [
    # (name, question typed or URL query, answers, expected status, a step or requirement that must show)
    ("unfiled_in_hospital", "我妈在北京住院了，没备案，现在还在住院", {**BASE, "current_region": "110100"},
     "POSSIBLE_AFTER", 'data-requires="FILE"'),
    ("emergency", "出差成都突发急症，没备案能报吗", {**BASE, "current_region": "510100"},
     "EMERGENCY_AS_FILED", "急诊"),
    ("paid_in_full", "已经出院自己付了钱，回老家怎么报销", {**BASE, "paid_in_full": "true"},
     "MANUAL_CLAIM", 'data-deadline="manual_claim"'),
    ("filed_and_covered", "/advice?insured_region=369900&current_region=440100&filed=true&filing_type=LONG_TERM_RESIDENT"
     "&filing_area=440100&filing_start=2025-01-01", BASE, "DIRECT", "直接结算"),
    ("lapsed", "/advice?insurance_status=LAPSED&insured_region=369900&current_region=440100", BASE,
     "BLOCKED", 'data-warning="INSURANCE_LAPSED"'),
    ("same_province", "/advice?insured_region=369900&current_region=360100", BASE, "INTRA_PROVINCE",
     'data-warning="INTRA_PROVINCE"'),
    ("before_travel", "/advice?insured_region=369900&current_region=310100&treated=false", BASE,
     "POSSIBLE_AFTER", "OTHER_TEMPORARY"),
]


@pytest.mark.parametrize(("name", "ask", "answers", "status", "shows"), SITUATIONS, ids=[s[0] for s in SITUATIONS])
def test_advisor_gives_the_right_plan(phone: Any, name: str, ask: str, answers: dict[str, str], status: str,
                                      shows: str) -> None:
    if ask.startswith("/"):
        phone.goto(ask)
    else:
        phone.goto("/")
        phone.get_by_label("用一句话说说您的情况").fill(ask)
        phone.get_by_role("button", name="问一问").click()
        phone.wait_for_load_state()
    answer_all(phone, answers)
    plan = phone.locator("#plan")
    assert plan.get_attribute("data-status") == status, plan.inner_text()[:1500]
    html = phone.content()
    assert shows in html, plan.inner_text()[:1500]
    assert phone.locator(".steps li").count() >= 1 or status == "BLOCKED"
    assert "您的办理方案" in phone.locator("#plan-h").inner_text()


def test_person_files_and_hospital_settles(phone: Any, browser: Any, server: Server) -> None:
    # 吴强 has no filing and no open admission (黄勇, post_hoc, is in hospital already: one admission at a time)
    p = next(x for x in PERSONS if x.key == "dibao")
    log_in(phone, p.id_number)
    phone.goto("/me/filings/new")
    # validation as you type: a bad area code is named before submitting
    phone.select_option("#f-type", "OTHER_TEMPORARY")
    phone.evaluate("() => { const s = document.querySelector('#f-treatment_area');"
                   " s.add(new Option('x', '4401')); s.value = '4401'; s.dispatchEvent(new Event('change', {bubbles: true})); }")
    phone.locator('.live[data-for="treatment_area"] .err').wait_for()
    assert phone.locator('.live[data-for="treatment_area"] [data-code="REGION_FORMAT"]').count() == 1
    phone.select_option("#f-treatment_area", "440100")
    phone.wait_for_function("() => !document.querySelector('.live[data-for=\"treatment_area\"] .err')")
    phone.get_by_label("选择个人承诺（可代替证明材料，即时办结）").check()
    phone.get_by_label("个人承诺书").check()
    phone.get_by_role("button", name="提交备案").click()
    phone.wait_for_url(re.compile(r"/me/filings/BA\w+"))
    assert "备案已提交" in phone.content()
    filing_id = phone.url.split("/")[-1].split("?")[0]

    desk = new_page(browser, server)
    sign_in(desk, "desk-H44010000001")
    desk.get_by_label("身份证号码").fill(p.id_number)
    desk.get_by_label("姓名").fill(p.name)
    desk.get_by_role("button", name="核验").click()
    assert desk.locator("#result").get_attribute("data-eligible") == "true"
    assert filing_id in desk.content() or "其他临时外出就医人员" in desk.content()
    desk.get_by_role("button", name="办理入院 / 挂号").click()
    desk.wait_for_url(re.compile(r"/desk/visits/MD\w+"))
    desk.get_by_label("录入明细：每行 编码, 数量, 单价[, 名称]").fill("S001, 3, 60, 床位费\nXA01, 2, 35.5")
    desk.get_by_role("button", name="上传明细").click()
    desk.wait_for_load_state()
    assert desk.locator("#lines tbody tr").count() == 2
    desk.get_by_role("button", name="预结算").click()
    desk.locator("#quote").wait_for()
    desk.get_by_role("button", name="确认结算").click()
    desk.wait_for_url(re.compile(r"/desk/settlements/\w+"))
    assert desk.locator("#setl-status").get_attribute("data-status") == "SETTLED"
    assert desk.locator("#medfee").inner_text() == "¥251.00"
    desk.context.close()


def test_claim_scan_return_add_approve(phone: Any, browser: Any, server: Server) -> None:
    sign_in(phone, person("retiree_resettled"))  # 张建国
    phone.goto("/me/claims/new")
    phone.select_option("#f-institution", "H44030000002")  # not networked: paid in full
    phone.get_by_label("入院/就诊日期").fill((TODAY.replace(day=1)).isoformat())
    phone.get_by_label("出院日期").fill((TODAY.replace(day=5)).isoformat())
    phone.get_by_label("诊断").fill("肺炎")
    phone.get_by_label("发票号码").fill("FP2026001")
    phone.get_by_label("开票日期").fill(TODAY.replace(day=5).isoformat())
    phone.get_by_label("金额（元）").fill("251.00")
    phone.get_by_label("付款人").fill("张建国")
    phone.locator("#f-lines").fill("S001, 3, 60\nXA01, 2, 35.5")
    phone.get_by_label("开户银行").fill("中国银行")
    phone.get_by_label("账号").fill("6216610200001234567")
    phone.get_by_label("户名").fill("张建国")
    phone.get_by_role("button", name="保存草稿").click()
    phone.wait_for_url(re.compile(r"/me/claims/BX\w+"))
    claim_url = phone.url.split("?")[0]
    claim_no = claim_url.rsplit("/", 1)[1]
    scan = Path(__file__).parent / "data" / "scan.png"
    for item in phone.locator("#checklist li").all():
        code = item.get_attribute("data-material")
        if "○" not in item.inner_text() or code in ("agent_authorisation", "other"):
            continue
        phone.select_option("#f-material", code)
        phone.set_input_files("#f-scan", str(scan))
        phone.get_by_role("button", name="上传", exact=True).click()
        phone.wait_for_load_state()
    phone.get_by_role("button", name="提交申请").click()
    phone.wait_for_load_state()
    assert phone.locator("#claim-state").get_attribute("data-state") == "SUBMITTED", phone.locator("main").inner_text()

    staff = new_page(browser, server)
    sign_in(staff, "agency-369900")
    assert claim_no in staff.locator("#queue").inner_text()
    staff.goto(f"/agency/claims/{claim_no}")
    staff.get_by_role("button", name="开始审核").click()
    staff.wait_for_load_state()
    ret = staff.locator("#return-form")
    ret.get_by_label("诊断证明或门诊病历").check()
    ret.get_by_label("说明", exact=True).fill("请补充医院盖章的诊断证明")
    ret.get_by_role("button", name="退回补充").click()
    staff.wait_for_load_state()
    assert staff.locator("#claim-state").get_attribute("data-state") == "RETURNED"
    in_words(staff)  # the notice after the action and the claim's history read as words

    phone.goto(claim_url)
    asks = phone.locator("#asks").inner_text()
    assert "诊断证明或门诊病历" in asks and "请补充医院盖章的诊断证明" in asks
    in_words(phone)
    assert phone.locator("#f-material").input_value() == "diagnosis_certificate"  # what is asked comes first
    phone.set_input_files("#f-scan", str(scan))
    phone.get_by_role("button", name="上传", exact=True).click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="提交申请").click()
    phone.wait_for_load_state()
    assert phone.locator("#claim-state").get_attribute("data-state") == "SUBMITTED"

    staff.goto(f"/agency/claims/{claim_no}")
    staff.get_by_role("button", name="开始审核").click()
    staff.wait_for_load_state()
    staff.get_by_role("button", name="审核通过").click()
    staff.wait_for_load_state()
    assert staff.locator("#claim-state").get_attribute("data-state") == "APPROVED"
    in_words(staff)
    phone.goto(claim_url)
    assert phone.locator("#claim-state").get_attribute("data-state") == "APPROVED"
    assert phone.locator("#payable").inner_text().startswith("¥")
    staff.context.close()

    # the payer gathers approved claims into a batch for the bank and marks it paid: the claim is paid
    payer = new_page(browser, server)
    sign_in(payer, "payer-369900")
    assert payer.url.endswith("/agency/payments") and claim_no in payer.locator("#waiting").inner_text()
    payer.get_by_role("button", name="生成支付批次").click()
    payer.wait_for_url(re.compile(r"/agency/payments/PB\w+"))
    assert payer.locator(f'tr[data-claim="{claim_no}"]').count() == 1
    payer.on("dialog", lambda d: d.accept())
    payer.get_by_label("银行回单号").fill("BANK-REF-1")
    payer.get_by_role("button", name="标记已支付").click()
    payer.wait_for_url(re.compile(r"done=paid"))
    assert payer.locator("#batch-status").get_attribute("data-status") == "PAID"
    in_words(payer)
    payer.context.close()
    phone.goto(claim_url)
    assert phone.locator("#claim-state").get_attribute("data-state") == "PAID"
    in_words(phone)


def settle_one(server: Server, key: str) -> None:
    """A settlement made by the hospital's system (the services the HIS calls), for clearing to find."""
    from yidi.domain.bill import FeeLine
    from yidi.services import settlement as svc
    from yidi.services.access import Principal, Role

    p = next(x for x in PERSONS if x.key == key)
    hospital = Principal(Role.HOSPITAL, "H44010000001")
    v = svc.register_visit(server.ctx, hospital, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                                     visit_type="INPATIENT", admitted_on=TODAY))
    line = FeeLine(line_id="1", code="S001", quantity="2", unit_price="60")
    svc.upload_lines(server.ctx, hospital, v.mdtrt_id, svc.UploadLinesIn(lines=[line]))
    svc.settle(server.ctx, hospital, v.mdtrt_id, svc.SettleIn(idempotency_key=f"clearing-{key}", discharge_date=TODAY))


def test_staff_run_clearing_and_open_report(phone: Any, server: Server) -> None:
    from yidi.clearing import synth

    settle_one(server, "chronic_retiree")
    # last month's settlement at a Guangzhou hospital of a person insured in 369900 (amounts in fen)
    last = TODAY.replace(day=1) - dt.timedelta(days=1)
    synth.put_settlement(server.ctx.engine, "WEB-LAST-1", "H44010000001", "369900", last, hifp=80_000, cash=20_000)
    sign_in(phone, "admin-369900")  # running a month is an administrator's duty
    phone.goto("/agency/clearing")
    # the month under way is refused with the first day it may be cleared
    phone.get_by_label("清算月份").fill(TODAY.strftime("%Y-%m"))
    phone.get_by_role("button", name="运行清算").click()
    phone.locator('[data-code="CLEARING_MONTH_UNFINISHED"]').wait_for()
    phone.get_by_label("清算月份").fill(last.strftime("%Y-%m"))
    phone.get_by_role("button", name="运行清算").click()
    phone.locator("#report").wait_for()
    assert last.strftime("%Y-%m") in phone.locator("#rep-h").inner_text()
    assert phone.locator("#report svg.chart").count() >= 1  # charts drawn inline, Chinese labels included
    assert "清算" in (phone.locator("#report svg.chart title").first.text_content() or "")


def test_signed_out_visitor_logs_in_and_comes_back(phone: Any) -> None:
    phone.goto("/me/claims")
    assert "/login?next=" in phone.url and phone.locator("#login-form").count() == 1
    phone.get_by_label("用户名").fill(person("post_hoc"))
    phone.get_by_label("密码").fill("wrong-password")
    phone.locator("#login-form").get_by_role("button", name="登录").click()
    phone.wait_for_load_state()
    assert phone.locator('#form-errors [data-code="LOGIN_FAILED"]').count() == 1
    phone.get_by_label("密码").fill("yidi-demo-2026")
    phone.locator("#login-form").get_by_role("button", name="登录").click()
    phone.wait_for_url(re.compile(r"/me/claims$"))
    assert "手工报销" in phone.locator("main h1").inner_text()
    phone.get_by_role("button", name="退出").click()
    phone.wait_for_url(re.compile(r"/$"))
    assert not any(c["name"] == "yidi_session" for c in phone.context.cookies())
    phone.goto("/me/claims")
    assert "/login" in phone.url


def test_keyboard_and_large_text(phone: Any) -> None:
    phone.goto("/")
    phone.keyboard.press("Tab")
    skip = phone.locator(":focus")
    assert skip.inner_text() == "跳到正文"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
    # the large-text toggle is reachable and usable from the keyboard alone (from the top of the page)
    phone.goto("/")
    for _ in range(10):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.dataset.pref") == "large":
            break
    else:
        raise AssertionError("the large-text toggle is not reachable with Tab")
    before = phone.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    after = phone.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after > before and phone.locator("html.large").count() == 1
    phone.goto("/hospitals")  # kept in a cookie across pages
    assert phone.locator("html.large").count() == 1
    # the question box is reachable and submits with the keyboard
    phone.goto("/")
    phone.locator("#q").focus()
    phone.keyboard.type("备案需要哪些材料")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r"/advice\?q="))
    assert "材料" in phone.locator("main h2").first.inner_text()
    # every visible form control on the filing form has a label
    phone.goto("/prefs?large=0&next=/")


def test_english_toggle(phone: Any) -> None:
    phone.goto("/")
    phone.locator('[data-pref="lang"]').click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "How does my insurance pay" in phone.locator("h1").inner_text()
    phone.locator('[data-pref="lang"]').click()
    assert phone.locator("html").get_attribute("lang") == "zh-CN"


def test_form_controls_are_labelled(phone: Any) -> None:
    sign_in(phone, person("post_hoc"))
    for url in ("/me/filings/new", "/me/relatives", "/me/claims/new", "/estimate", "/hospitals"):
        phone.goto(url)
        unlabelled = phone.evaluate("""() => [...document.querySelectorAll('main input, main select, main textarea')]
            .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.name)""")
        assert unlabelled == [], (url, unlabelled)


def test_family_page_fits_a_phone_in_large_text(phone: Any) -> None:
    sign_in(phone, person("post_hoc"))
    phone.goto("/prefs?large=1&next=/me/relatives")
    phone.get_by_label("家人的身份证号码").fill(person("retiree_resettled"))
    phone.get_by_label("家人的姓名（与参保登记一致）").fill("张建国")
    phone.get_by_label("他/她是您的").select_option("PARENT")
    phone.get_by_role("button", name="发送关联请求").click()
    phone.wait_for_url(re.compile(r"/me/relatives\?done=sent"))
    assert "对方登录后会在“我的家人”中看到您的请求" in phone.locator("main").inner_text()
    for url in ("/me/relatives", "/me/filings/new"):
        phone.goto(url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    phone.goto("/prefs?large=0&next=/")


def test_start_page_on_a_phone(phone: Any, tmp_path: Path) -> None:
    phone.goto("/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the start page scrolls sideways on a phone"
    shot = tmp_path / "start-390.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "start-390.png"), full_page=True)
    phone.goto("/prefs?large=1&next=/")
    phone.screenshot(path=str(SHOTS / "start-390-large.png"), full_page=True)
    phone.goto("/advice?q=" + "我妈在北京住院了，没备案，现在还在住院")
    phone.screenshot(path=str(SHOTS / "advice-390-large.png"), full_page=True)
    phone.goto("/prefs?large=0&next=/")


def test_demo_person_ids_are_valid() -> None:
    assert person("post_hoc") and person("retiree_resettled")
