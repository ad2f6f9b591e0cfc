"""门诊慢特病 certification pages (issue 17): the person applies and uploads a paper with plain form posts, the
agency reviewer of the insured region approves from its queue, and the person sees the validity. The zh pages
show disease names, never the codes or state names outside the auditors' fold."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.scans import image_bytes
from tests.web.conftest import csrf_of, login, person
from yidi.domain.family import Relationship
from yidi.services import chronic, family
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def outside_details(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    visible = re.sub(r"<details>.*?</details>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", visible)  # the text a reader sees, not attribute values


def test_apply_upload_approve_through_the_pages(web: TestClient) -> None:
    login(web, person("long_term_resident"))  # 李秀英, insured 369900
    page = web.get("/me/chronic")
    assert page.status_code == 200 and "门诊慢特病认定" in page.text and "还没有申请" in page.text
    token = csrf_of(page.text)
    # a diagnosis date after today is refused beside its field, in Chinese, and nothing is stored
    bad = web.post("/me/chronic", data={"csrf": token, "disease": "M03900", "hospital": "江西省人民医院",
                                        "diagnosed_on": "2026-03-11"})
    assert bad.status_code == 422 and "晚于今天" in bad.text and "还没有申请" in bad.text
    r = web.post("/me/chronic", data={"csrf": token, "disease": "M03900", "hospital": "江西省人民医院",
                                      "diagnosed_on": "2025-11-02"})
    assert r.status_code == 303 and r.headers["location"] == "/me/chronic?done=applied"
    html = web.get("/me/chronic").text
    cert_id = re.search(r'data-cert="(MT\w+)" data-state="APPLIED"', html).group(1)  # type: ignore[union-attr]
    assert "高血压病" in html and "待审核" in html
    shown = outside_details(html)
    assert "M03900" not in shown and "APPLIED" not in shown and cert_id not in shown
    r = web.post(f"/me/chronic/{cert_id}/papers", data={"csrf": csrf_of(html)},
                 files={"scan": ("诊断证明.png", image_bytes("PNG"), "image/png")})
    assert r.status_code == 303, r.text[:2000]
    assert "诊断证明.png" in web.get("/me/chronic").text

    login(web, "reviewer-369900")
    queue = web.get("/agency/chronic")
    assert queue.status_code == 200 and cert_id in queue.text and "李秀英" in queue.text and "高血压病" in queue.text
    r = web.post(f"/agency/chronic/{cert_id}/review", data={"csrf": csrf_of(queue.text), "decision": "APPROVE",
                                                             "valid_from": "2026-03-10", "valid_until": "2027-03-09"})
    assert r.status_code == 303, r.text[:2000]
    assert "没有待办的申请" in web.get("/agency/chronic").text

    login(web, person("long_term_resident"))
    html = web.get("/me/chronic").text
    assert f'data-cert="{cert_id}" data-state="APPROVED"' in html
    assert "已认定" in html and "2026-03-10 — 2027-03-09" in html


def test_a_return_needs_its_reason(web: TestClient) -> None:
    login(web, person("long_term_resident"))
    token = csrf_of(web.get("/me/chronic").text)
    web.post("/me/chronic", data={"csrf": token, "disease": "M01600", "hospital": "某医院", "diagnosed_on": "2025-01-01"})
    login(web, "reviewer-369900")
    queue = web.get("/agency/chronic").text
    cert_id = re.search(r'data-cert="(MT\w+)"', queue).group(1)  # type: ignore[union-attr]
    r = web.post(f"/agency/chronic/{cert_id}/review", data={"csrf": csrf_of(queue), "decision": "RETURN"})
    assert r.status_code == 422 and "请写明理由" in r.text
    r = web.post(f"/agency/chronic/{cert_id}/review", data={"csrf": csrf_of(queue), "decision": "RETURN",
                                                             "reason": "请补充糖化血红蛋白检验报告"})
    assert r.status_code == 303
    login(web, person("long_term_resident"))
    html = web.get("/me/chronic").text
    assert "退回补充材料" in html and "请补充糖化血红蛋白检验报告" in html and "重新提交" in html


def test_apply_for_a_parent_who_confirmed_the_link(web: TestClient, ctx: Context) -> None:
    """王磊 applies for his mother 李秀英 (both 369900) from /me/chronic?relative=<link>; before she confirms the
    link the page refuses him; the application and its paper are hers."""
    child, parent = person("resident_worker"), person("long_term_resident")
    family.request_link(ctx, Principal(Role.PERSON, child), parent, "李秀英", Relationship.PARENT)
    link_id = family.my_family(ctx, Principal(Role.PERSON, parent)).awaiting_me[0].link.link_id
    login(web, child)
    assert web.get(f"/me/chronic?relative={link_id}").status_code == 403  # not confirmed yet
    family.confirm(ctx, Principal(Role.PERSON, parent), link_id)
    page = web.get(f"/me/chronic?relative={link_id}")
    assert page.status_code == 200 and 'id="whose"' in page.text and "为李秀英申请认定" in page.text
    r = web.post("/me/chronic", data={"csrf": csrf_of(page.text), "relative": link_id, "disease": "M03900",
                                      "hospital": "江西省人民医院", "diagnosed_on": "2025-11-02"})
    assert r.status_code == 303 and r.headers["location"] == f"/me/chronic?done=applied&relative={link_id}"
    html = web.get(r.headers["location"]).text
    cert_id = re.search(r'data-cert="(MT\w+)" data-state="APPLIED"', html).group(1)  # type: ignore[union-attr]
    up = web.post(f"/me/chronic/{cert_id}/papers", data={"csrf": csrf_of(html), "relative": link_id},
                  files={"scan": ("诊断证明.png", image_bytes("PNG"), "image/png")})
    assert up.status_code == 303 and up.headers["location"] == f"/me/chronic?done=uploaded&relative={link_id}"
    assert f'data-cert="{cert_id}"' not in web.get("/me/chronic").text  # not his own
    [mine] = chronic.mine(ctx, Principal(Role.PERSON, parent))
    assert mine.cert.cert_id == cert_id and len(mine.papers) == 1
