"""Which part of a month a caller sees (the one home of clearing scoping; the API and the pages both ask here).

An agency sees its own lines (a provincial agency XX0000: its province's), the disputes that concern it and its
own confirmation; a clearing operator sees the whole month. A caller may narrow the view to a region or
province code it may see; an unknown code is REGION_UNKNOWN (422), a foreign one CLEARING_REGION_FORBIDDEN (403).
The rules themselves (is_party, may_see, dispute_concerns) are yidi.domain.clearing; the scoped reads are
queries.scoped_month and disputes.scoped_disputes.
"""

from __future__ import annotations

from yidi.domain import normalise
from yidi.domain.clearing import may_see
from yidi.domain.error_catalogue import error
from yidi.domain.reference import is_province_code, province_of
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def own_scope(principal: Principal) -> str | None:
    """The caller's own clearing scope: an agency's region; None (the whole month) for a clearing operator."""
    return principal.subject if principal.role is Role.AGENCY else None


def view_scope(ctx: Context, principal: Principal, region: str | None) -> str | None:
    """The view asked for: the caller's own scope, or `region` if it is a known region or province code the
    caller may see (never ignored: an unknown or foreign code is an error)."""
    if region is None:
        return own_scope(principal)
    r = normalise.code(region)
    known = r in ctx.packs.regions or (is_province_code(r) and any(province_of(c) == r for c in ctx.packs.regions))
    if not known:
        raise error("REGION_UNKNOWN", field="region", what_zh="统筹区或省级编码", what_en="region or province code",
                    region=r[:20])
    own = own_scope(principal)
    if not may_see(own, r):
        raise error("CLEARING_REGION_FORBIDDEN", own=own)
    return r

