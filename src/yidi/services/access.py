"""Who is asking (a principal) and what they may see: the one place queries get scoped by role.

Placeholder until issue 8: the doors build a Principal from plain request headers and trust them. Issue 8
replaces how the principal is *established* (OAuth2 tokens, sessions); the scoping rules here stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id


class Role(StrEnum):
    PERSON = "person"  # 参保人: subject is their citizen ID number
    HOSPITAL = "hospital"  # 定点医疗机构: subject is the institution code
    AGENCY = "agency"  # 经办机构: subject is the region code it serves
    CLEARING = "clearing"  # 清算 operator: subject 000000 (national) or a province code XX0000


class Duty(StrEnum):
    """What an agency staff member may do in their region (issue 8); a principal may hold several."""

    REVIEWER = "reviewer"  # 审核: filings and claims
    PAYER = "payer"  # 支付: payment batches
    ADMINISTRATOR = "administrator"  # 管理: accounts, keys, policies


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str
    duties: frozenset[Duty] = frozenset()  # agency staff only
    user: str = ""  # the account (user name or hospital key id) behind it, for the audit trail

    @property
    def shown(self) -> str:
        """The subject as it may appear in history and logs (citizen IDs masked)."""
        return mask_id(self.subject) if self.role is Role.PERSON else self.subject


def forbidden(what_zh: str, what_en: str, field: str = "") -> YidiError:
    return error("FORBIDDEN", what_zh=what_zh, what_en=what_en, field=field)


def require(principal: Principal, *roles: Role, what_zh: str, what_en: str) -> None:
    if principal.role not in roles:
        allowed = "/".join(r.value for r in roles)
        raise error("ROLE_NOT_ALLOWED", role=principal.role.value, what_zh=what_zh, what_en=what_en, allowed=allowed)
