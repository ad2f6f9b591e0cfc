"""A claim's scanned papers: attach one (PDF/JPEG/PNG, checked by content and structure), take one off the
checklist (the file and its row stay), read one back. The file is written before the row that names it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from yidi.domain import claim_rules as rules
from yidi.domain.claim_rules.records import ClaimDocument, ClaimRecord
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services.access import Principal
from yidi.services.claims.access import doer, editable, visible
from yidi.services.claims.appeal import open_for_papers
from yidi.services.claims.history import now, record, touch
from yidi.services.claims.requests import ClaimsConfig
from yidi.services.claims.views import view
from yidi.services.context import Context
from yidi.services.scan_check import check_scan
from yidi.store.scans import ScanStore


def _document_not_found(doc_id: int) -> YidiError:
    return error("DOCUMENT_NOT_FOUND", doc_id=doc_id)


def _takes_papers(ctx: Context, claim: ClaimRecord, today: dt.date) -> None:
    """A draft or returned claim, or a rejected one within its appeal period (new papers for 复核)."""
    if not open_for_papers(ctx, claim, today):
        editable(claim)


def add_document(ctx: Context, principal: Principal, claim_no: str, material: str, filename: str,
                 declared_type: str | None, data: bytes, config: ClaimsConfig | None = None) -> dict[str, Any]:
    """Attach a scan (PDF/JPEG/PNG, checked by content) as one of the materials."""
    doer(principal, "上传材料", "upload papers")
    cfg = config or ClaimsConfig.from_env()
    if material not in rules.MATERIAL_CODES:
        raise error("MATERIAL_UNKNOWN", materials=material)
    kind = rules.sniff(data, filename, declared_type, cfg.max_scan_bytes)
    check_scan(kind, data)  # the structure too, not only the first bytes: nothing is stored otherwise
    safe_name = Path(filename.replace("\\", "/")).name[:200] or f"scan.{kind}"
    today = ctx.today()
    with ctx.uow() as uow:  # check first, so a refused upload leaves no file behind either
        claim, _person = visible(uow, principal, claim_no)
        _takes_papers(ctx, claim, today)
    sha = ScanStore(cfg.data_dir).put(data)
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        _takes_papers(ctx, claim, today)
        doc = uow.claim_documents.add(claim, ClaimDocument(0, material, sha, len(data), kind, safe_name,
                                                           f"{principal.role.value}:{principal.shown}", now()))
        touch(uow, claim, "DOCUMENT_ADDED", principal, today,
              {"material": material, "sha256": sha, "size": len(data), "kind": kind, "document": doc.id})
        uow.claims.save(claim)
        return view(ctx, uow, claim, person, principal)


def remove_document(ctx: Context, principal: Principal, claim_no: str, doc_id: int) -> dict[str, Any]:
    """Take a scan off the checklist; the row and the file stay (marked superseded), nothing is lost."""
    doer(principal, "撤下材料", "remove papers")
    today = ctx.today()
    with ctx.uow() as uow:
        claim, person = visible(uow, principal, claim_no, lock=True)
        _takes_papers(ctx, claim, today)
        doc = uow.claim_documents.get(claim, doc_id)
        if doc is None or doc.superseded_at is not None:
            raise _document_not_found(doc_id)
        uow.claim_documents.supersede(claim, doc_id, now())
        record(uow, claim, "DOCUMENT_REMOVED", claim.state, principal, today, "", {"document": doc_id, "sha256": doc.sha256})
        return view(ctx, uow, claim, person, principal)


def document(ctx: Context, principal: Principal, claim_no: str, doc_id: int, config: ClaimsConfig | None = None
             ) -> tuple[bytes, str, str]:
    """A scan's bytes, media type and file name (superseded scans too: the history may point at them)."""
    cfg = config or ClaimsConfig.from_env()
    with ctx.uow() as uow:
        claim, _p = visible(uow, principal, claim_no)
        doc = uow.claim_documents.get(claim, doc_id)
        if doc is None:
            raise _document_not_found(doc_id)
    return ScanStore(cfg.data_dir).get(doc.sha256), rules.media_type(doc.kind), doc.filename
