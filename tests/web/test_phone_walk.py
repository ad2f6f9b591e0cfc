"""Each role's main pages on a 390-px phone, in normal and large-text mode (issue 19, with the appeal of a
rejected claim and a kept estimate beside its settlement): nothing wider than the
screen (document scrollWidth ≤ 390), no internal code in the visible text of a zh page, no critical or serious
axe-core violation, and the slip prints on A4 and on an 80 mm receipt. Issue 17's pages are in the walk: the
finder by chronic disease, a person's pharmacy purchases and a purchase receipt, 门诊慢特病 for oneself and for a
linked relative, the agency's review queue and the pharmacy counter. Screenshots of every page and the two
PDFs are kept as artefacts in tmp/artefacts/phone-walk (YIDI_ARTEFACTS moves it; not committed).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests/web/browser.py are parameters of the tests below)
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import PHONE, Server, browser, server  # noqa: F401
from tests.web.codes import internal_codes
from tests.web.conftest import TODAY
from tests.web.test_claim_appeal_page import submitted_claim
from tests.web.test_scan_preview import submitted_with_scans
from yidi.demo.dataset import PERSONS
from yidi.domain.bill import FeeLine
from yidi.domain.enums import VisitType
from yidi.domain.family import Relationship
from yidi.domain.validation import validate_model
from yidi.services import chronic, claims, clearing, estimates, family, filings, pharmacy, settlement
from yidi.services.access import Duty, Principal, Role

ARTEFACTS = Path(os.environ.get("YIDI_ARTEFACTS", Path(__file__).parents[2] / "tmp" / "artefacts")) / "phone-walk"
PATIENT = next(x for x in PERSONS if x.key == "chronic_retiree")  # 郑丽, long-term filing in Guangzhou
DESK = "desk-H44010000001"
HOSPITAL = Principal(Role.HOSPITAL, "H44010000001")
MODES = ("normal", "large")


@pytest.fixture(scope="module")
def made(server: Server) -> dict[str, str]:
    """What the pages show: a settled visit of the patient and a draft manual claim, made through the services
    as the hospital's HIS and the person's app would."""
    ctx = server.ctx
    # her estimate before going in (kept, as she is signed in): the slip shows it beside the settlement
    estimates.make(ctx, Principal(Role.PERSON, PATIENT.id_number), estimates.EstimateIn.model_validate(
        {"hospital": "H44010000001", "visit_type": "INPATIENT", "filed": False,
         "lines": [{"line_id": "1", "code": "S001", "quantity": "5", "unit_price": "60"},
                   {"line_id": "2", "code": "S002", "quantity": "1", "unit_price": "3800"}]}))
    visit = settlement.register_visit(ctx, HOSPITAL, settlement.RegisterVisitIn(
        id_number=PATIENT.id_number, name=PATIENT.name, visit_type=VisitType.INPATIENT, admitted_on=TODAY))
    lines = [FeeLine(line_id="L1", code="S001", quantity="3", unit_price="60", name="床位费"),  # type: ignore[arg-type]
             FeeLine(line_id="L2", code="XA01", quantity="2", unit_price="35.5")]  # type: ignore[arg-type]
    settlement.upload_lines(ctx, HOSPITAL, visit.mdtrt_id, settlement.UploadLinesIn(lines=lines))
    done = settlement.settle(ctx, HOSPITAL, visit.mdtrt_id, settlement.SettleIn(idempotency_key="walk-0001"))
    claim = claims.create(ctx, Principal(Role.PERSON, PATIENT.id_number), validate_model(claims.ClaimIn, {
        "visit": {"institution": "H44030000002", "visit_type": "INPATIENT", "admitted_on": TODAY.replace(day=1).isoformat(),
                  "discharged_on": TODAY.replace(day=5).isoformat(), "diagnosis_name": "肺炎"},
        "invoices": [{"invoice_no": "FP2026009", "invoice_date": TODAY.replace(day=5).isoformat(), "amount": "251.00",
                      "payer": PATIENT.name}],
        "lines": [{"line_id": "1", "code": "S001", "quantity": "3", "unit_price": "60"},
                  {"line_id": "2", "code": "XA01", "quantity": "2", "unit_price": "35.5"}]}))
    # a 门诊慢特病 application waiting for review: the person's list and the agency's queue show it
    chronic.apply(ctx, Principal(Role.PERSON, PATIENT.id_number), chronic.ApplyIn(
        disease="M01600", hospital="江西省人民医院", diagnosed_on=TODAY.replace(day=1)))
    # a purchase at a Guangzhou pharmacy (her 购药记录 and its receipt), and a relative who confirmed the
    # family link, for whom she follows a 门诊慢特病 application
    shop = Principal(Role.HOSPITAL, "P44010000001")
    q = pharmacy.pre_settle(ctx, shop, validate_model(pharmacy.PurchaseIn, {
        "id_number": PATIENT.id_number, "name": PATIENT.name, "msgid": "WALK-PH-1",
        "lines": [{"line_id": "1", "code": "XA01", "quantity": "2", "unit_price": "35.5", "name": "阿莫西林胶囊"}]}))
    bought = pharmacy.settle(ctx, shop, q.mdtrt_id, settlement.SettleIn(idempotency_key="walk-ph-0001"))
    me, relative = Principal(Role.PERSON, PATIENT.id_number), next(x for x in PERSONS if x.key == "dibao")
    family.request_link(ctx, me, relative.id_number, relative.name, Relationship.PARENT)
    link = family.my_family(ctx, Principal(Role.PERSON, relative.id_number)).awaiting_me[0].link.link_id
    family.confirm(ctx, Principal(Role.PERSON, relative.id_number), link)
    chronic.apply(ctx, me, chronic.ApplyIn(disease="M03900", hospital="南昌市第一医院",
                                           diagnosed_on=TODAY.replace(day=2), id_number=relative.id_number))
    filing = filings.list_filings(ctx, Principal(Role.AGENCY, "369900"), person=PATIENT.name).items[0]
    # a submitted claim with its scans (the reviewer previews them) and this month's clearing run
    scanned, _docs = submitted_with_scans(ctx)
    clearing.run_month(ctx, Principal(Role.CLEARING, "000000"), f"{TODAY:%Y-%m}")
    return {"setl": done.setl_id, "visit": visit.mdtrt_id, "claim": claim["claim_no"], "purchase": bought.setl_id,
            "link": link, "filing": filing.record.filing_id, "scanned": scanned}


def pages(made: dict[str, str]) -> dict[str, tuple[str | None, list[str]]]:
    """role -> (account, its main pages)."""
    setl = made["setl"]
    return {
        "public": (None, ["/", "/advice?q=我是南昌的医保，现在在广州住院，没备案", "/estimate", "/hospitals?region=440100",
                          "/hospitals?region=110100&chronic_disease=M03900", "/login", "/no/such/page"]),
        "person": (PATIENT.id_number, ["/me/credential", "/me/filings", "/me/filings/new", "/me/relatives", "/me/claims",
                                       f"/me/claims/{made['claim']}", "/me/claims/new", "/me/settlements",
                                       f"/me/settlements/{setl}", f"/me/settlements/{setl}?paper=80mm", "/desk",
                                       "/me/chronic", f"/me/chronic?relative={made['link']}", "/me/purchases",
                                       f"/me/purchases/{made['purchase']}", f"/me/purchases/{made['purchase']}?paper=80mm"]),
        "hospital": (DESK, ["/desk", "/desk/visits?in_house=true", f"/desk/visits/{made['visit']}", f"/desk/settlements/{setl}",
                            f"/desk/settlements/{setl}/slip", "/desk/reconcile",
                            f"/desk/visits/{made['visit']}/lines/L1", f"/desk/reconcile?fill=ours&day={TODAY}"]),
        "agency": ("agency-369900", ["/agency/claims", "/agency/filings", "/agency/clearing", "/agency/policies",
                                     "/agency/payments", "/agency/chronic", f"/agency/statistics?month={TODAY:%Y-%m}",
                                     f"/agency/filings?q={PATIENT.name}", f"/agency/filings/{made['filing']}",
                                     "/agency/policies?region=360100", f"/agency/claims/{made['scanned']}",
                                     f"/agency/clearing?month={TODAY:%Y-%m}"]),
        "pharmacy": ("desk-P11010000001", ["/counter"]),
        "clearing": ("clearing-national", ["/agency/clearing", "/agency/simulate", f"/agency/statistics?month={TODAY:%Y-%m}",
                                           f"/agency/clearing?month={TODAY:%Y-%m}"]),
    }


def _context(browser: Any, server: Server, mode: str, account: str | None) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=server.url, locale="zh-CN")
    if mode == "large":
        context.add_cookies([{"name": "a11y", "value": "large", "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    if account:
        page.goto("/login")
        page.get_by_label("用户名").fill(account)
        page.get_by_label("密码").fill("yidi-demo-2026")
        with page.expect_navigation():
            page.locator("#login-form").get_by_role("button", name="登录").click()
    return page


def axe_violations(page: Any) -> list[str]:
    """Critical and serious axe-core violations of the page as shown (axe.min.js as the pinned
    axe-playwright-python package ships it: no download at test time)."""
    try:
        import axe_playwright_python
    except ImportError:  # a venv made before the dependency was added
        pytest.fail("axe-playwright-python is missing: run `make setup` (pyproject.toml changed)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(Path(axe_playwright_python.__file__).parent / "axe.min.js"))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,"
                           " where: v.nodes.slice(0, 2).map(n => n.target.join(' '))}))")
    return [f"{v['id']} ({v['impact']}, {v['n']}× e.g. {v['where']})" for v in result
            if v["impact"] in ("critical", "serious")]


def _slug(url: str) -> str:
    """A file name that stays the same from run to run (the record numbers are random)."""
    url = re.sub(r"\b(S|MD|BX)20\d{6}[0-9A-F]+", r"\1", url)
    return re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "start"


def _check(page: Any, role: str, mode: str, url: str, problems: list[str]) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))
            .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))""")
        problems.append(f"{mode} {role} {url}: {width} px wide ({wide})")
    codes = internal_codes(page.evaluate("document.body.innerText"))
    if codes:
        problems.append(f"{mode} {role} {url}: internal codes {sorted(set(codes))}")
    for v in axe_violations(page):
        problems.append(f"{mode} {role} {url}: axe {v}")
    shot = ARTEFACTS / mode / f"{role}-{_slug(url)}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)


@pytest.mark.parametrize("mode", MODES)
def test_each_roles_pages_fit_a_phone_and_speak_in_words(browser: Any, server: Server, made: dict[str, str],
                                                         mode: str) -> None:
    problems: list[str] = []
    for role, (account, urls) in pages(made).items():
        page = _context(browser, server, mode, account)
        for url in urls:
            page.goto(url)
            if url == f"/me/settlements/{made['setl']}":  # the kept estimate beside the settlement, in words
                assert page.locator("#estimate-beside li").count() >= 3, url
            _check(page, role, mode, url, problems)
        if role == "public":  # the estimate's result, the longest public page
            page.goto("/estimate")
            with page.expect_navigation():
                page.locator("main form").get_by_role("button", name="计算").click()
            assert page.locator("#estimate").count() == 1
            _check(page, role, mode, "/estimate#result", problems)
            page.get_by_label("不知道编码？按名称或拼音查找项目").fill("cwf")  # the catalogue finder's results
            with page.expect_navigation():
                page.get_by_role("button", name="查找").click()
            assert page.locator("#found li").count() >= 2
            _check(page, role, mode, "/estimate#found", problems)
        page.context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("paper", "width_mm"), [("a4", 210), ("80mm", 80)])
def test_the_slip_prints_on_a4_and_on_a_receipt(browser: Any, server: Server, made: dict[str, str],
                                                 paper: str, width_mm: int) -> None:
    from pypdf import PdfReader

    page = _context(browser, server, "normal", PATIENT.id_number)
    page.goto(f"/me/settlements/{made['setl']}?paper={paper}")
    page.emulate_media(media="print")
    # printed: the slip alone, without the menus, the buttons or the auditors' fold
    assert page.locator("header.top").is_hidden() and page.locator(".slip-actions").is_hidden()
    assert page.locator(".slip details.audit").first.is_hidden() and page.locator("#slip-patient").is_visible()
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    # the page size comes from the slip's @page rule: 1 mm = 72 / 25.4 pt
    assert abs(float(pdf.pages[0].mediabox.width) - width_mm * 72 / 25.4) < 2
    text = "".join(p.extract_text() for p in pdf.pages)
    assert PATIENT.name in text and "个人负担" in text and "fulamt_ownpay_amt" not in text
    (ARTEFACTS / "print").mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "print" / f"slip-{paper}.pdf").write_bytes(page.pdf(prefer_css_page_size=True))
    page.context.close()


@pytest.mark.parametrize("mode", MODES)
def test_an_appeal_made_and_decided_on_a_phone(browser: Any, server: Server, mode: str) -> None:
    """复核 in the browser: 郑丽 appeals her rejected claim with a reason and a photo of the new paper; a second
    reviewer upholds it; each page on the way fits the phone, speaks in words and passes axe."""
    problems: list[str] = []
    no = submitted_claim(server.ctx, PATIENT.id_number, PATIENT.name, f"SZ-WALK-{mode}")
    first = Principal(Role.AGENCY, "369900", frozenset(Duty), "reviewer-369900")
    claims.start_review(server.ctx, first, no)
    claims.reject(server.ctx, first, no, "未联网医院的费用须附转诊证明")
    page = _context(browser, server, mode, PATIENT.id_number)
    page.goto(f"/me/claims/{no}")
    _check(page, "person", mode, "/me/claims/BX#appeal-form", problems)
    page.get_by_label("复核理由").fill("转诊证明已补开，请复核")
    page.get_by_label("新材料是哪份").select_option("referral_certificate")
    page.locator("#f-appeal-scan").set_input_files(str(Path(__file__).parent / "data" / "scan.png"))
    with page.expect_navigation():
        page.get_by_role("button", name="申请复核").click()
    assert page.locator("#appeal-waiting").is_visible() and page.locator("#claim-state").inner_text() == "复核中"
    _check(page, "person", mode, "/me/claims/BX#appealed", problems)
    page.context.close()
    page = _context(browser, server, mode, "agency-369900")  # not the reviewer who rejected
    # the claim's scans are previewed in place (PDFs embedded): the page is read once its document is there
    page.goto(f"/agency/claims/{no}", wait_until="domcontentloaded")
    _check(page, "agency", mode, "/agency/claims/BX#appeal", problems)
    page.get_by_label("维持不予报销的理由").fill("转诊证明开具于出院之后，维持原决定")
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="维持原决定").click()
    assert page.locator("#appeal-outcome").get_attribute("data-outcome") == "UPHELD"
    _check(page, "agency", mode, "/agency/claims/BX#upheld", problems)
    page.context.close()
    assert problems == [], "\n".join(problems)
