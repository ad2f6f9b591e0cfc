"""Charts on a 390-px phone (issue 19): no label overlaps a bar or another label (bounding boxes as drawn), nothing
is cut off by the chart or the screen, axis ticks differ from one another, and text is drawn at 10 px or more.
The charts of 统计月报, 月度清算 (with a net payer's negative bar) and 政策模拟, in normal and large-text mode."""

# ruff: noqa: F811  (pytest fixtures imported from tests/web/browser.py are parameters of the tests below)
from __future__ import annotations

from typing import Any

import pytest

from tests.clearing.test_clearing import NATIONAL, worked_month
from tests.web.browser import PHONE, Server, browser, server  # noqa: F401
from yidi.services import clearing

MIN_TEXT_PX = 10
LAYOUT = """svg => {
  const out = [], view = window.innerWidth, box = svg.getBoundingClientRect();
  const inter = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
                          Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const vb = svg.viewBox.baseVal, scale = vb && vb.width ? box.width / vb.width : 1;
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => ({s: t.textContent.trim(), r: t.getBoundingClientRect(), tick: t.classList.contains('tick'),
                px: parseFloat(getComputedStyle(t).fontSize) * scale}));
  const bars = [...svg.querySelectorAll('rect')].map(r => r.getBoundingClientRect()).filter(r => r.width > 0.5);
  if (box.right > view + 0.5) out.push(`chart ${Math.round(box.right)} px wide`);
  texts.forEach((a, i) => {
    if (a.r.left < box.left - 0.5 || a.r.right > box.right + 0.5 || a.r.top < box.top - 0.5 || a.r.bottom > box.bottom + 0.5)
      out.push(`cut off: ${a.s}`);
    if (a.r.right > view + 0.5) out.push(`off screen: ${a.s}`);
    if (a.px < MIN_PX) out.push(`${a.px.toFixed(1)} px text: ${a.s}`);
    texts.slice(i + 1).forEach(b => { if (inter(a.r, b.r) > 1) out.push(`overlap: ${a.s} / ${b.s}`); });
    bars.forEach(r => { if (inter(a.r, r) > 1) out.push(`on a bar: ${a.s}`); });
  });
  const ticks = texts.filter(t => t.tick).map(t => t.s);
  if (new Set(ticks).size !== ticks.length) out.push(`repeated ticks: ${ticks.join(' ')}`);
  return out;
}""".replace("MIN_PX", str(MIN_TEXT_PX))


@pytest.fixture(scope="module")
def month(server: Server) -> str:
    """October 2026 of the clearing tests (three provinces, 北京 a net payer), run and so on the pages."""
    worked_month(server.ctx)
    clearing.run_month(server.ctx, NATIONAL, "2026-10")
    return "2026-10"


def _page(browser: Any, server: Server, large: bool) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=server.url, locale="zh-CN")
    if large:
        context.add_cookies([{"name": "a11y", "value": "large", "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/login")
    page.get_by_label("用户名").fill("clearing-national")
    page.get_by_label("密码").fill("yidi-demo-2026")
    with page.expect_navigation():
        page.locator("#login-form").get_by_role("button", name="登录").click()
    return page


def _check(page: Any, where: str) -> list[str]:
    charts = page.locator("main svg")
    assert charts.count() > 0, f"{where}: no chart"
    return [f"{where} chart {i + 1}: {p}" for i in range(charts.count()) for p in charts.nth(i).evaluate(LAYOUT)]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_charts_are_legible_on_a_phone(browser: Any, server: Server, month: str, large: bool) -> None:
    page = _page(browser, server, large)
    problems: list[str] = []
    for url in (f"/agency/statistics?month={month}", f"/agency/clearing?month={month}"):
        page.goto(url)
        problems += _check(page, url)
    page.goto("/agency/simulate")
    page.get_by_label("结算笔数").fill("300")
    with page.expect_navigation():
        page.get_by_role("button", name="运行模拟").click()
    problems += _check(page, "/agency/simulate (result)")
    page.context.close()
    assert problems == [], "\n".join(problems)
