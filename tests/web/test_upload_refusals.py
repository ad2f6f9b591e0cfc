"""The pages refuse an upload the person did not choose or that is too large, in words beside the field, and store
nothing (one reading of uploads for the API and the pages: yidi.http.uploads)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.support.scans import image_bytes
from tests.support.unchanged import assert_unchanged, snapshot
from tests.web.conftest import csrf_of, login, person
from yidi.services.context import Context


def _applied(web: TestClient) -> tuple[str, str]:
    """A certification applied for through the page: its id and the page's CSRF token."""
    login(web, person("long_term_resident"))
    token = csrf_of(web.get("/me/chronic").text)
    r = web.post("/me/chronic", data={"csrf": token, "disease": "M03900", "hospital": "江西省人民医院",
                                      "diagnosed_on": "2025-11-02"})
    assert r.status_code == 303
    html = web.get("/me/chronic").text
    cert_id = re.search(r'data-cert="(MT\w+)" data-state="APPLIED"', html).group(1)  # type: ignore[union-attr]
    return cert_id, csrf_of(html)


def test_no_file_chosen_is_refused_in_words(web: TestClient, ctx: Context) -> None:
    cert_id, token = _applied(web)
    before = snapshot(ctx)
    # a browser sends an empty file part when nothing was chosen
    r = web.post(f"/me/chronic/{cert_id}/papers", data={"csrf": token}, files={"scan": ("", b"", "application/octet-stream")})
    assert r.status_code == 422
    assert "请选择要上传的文件：扫描件或照片" in r.text
    assert_unchanged(ctx, before)


def test_a_scan_over_the_limit_is_refused_with_the_limit(web: TestClient, ctx: Context,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_MAX_SCAN_BYTES", "1000")
    cert_id, token = _applied(web)
    before = snapshot(ctx)
    png = image_bytes("PNG") + b"\0" * 1000  # over 1,000 bytes whatever the image's own size
    r = web.post(f"/me/chronic/{cert_id}/papers", data={"csrf": token}, files={"scan": ("诊断证明.png", png, "image/png")})
    assert r.status_code == 413
    assert "文件过大：上限 1000 字节" in r.text
    assert_unchanged(ctx, before)


def test_the_finder_names_the_choice_that_is_not_allowed(web: TestClient) -> None:
    r = web.get("/hospitals", params={"region": "110100", "level": "7"})
    assert r.status_code == 422
    assert "取值不在允许范围内：医院等级" in r.text
