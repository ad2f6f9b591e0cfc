"""Who is asking (a principal) and what they may see: the one place queries get scoped by role.

Placeholder until issue 8: the doors build a Principal from plain request headers and trust them. Issue 8
replaces how the principal is *established* (OAuth2 tokens, sessions); the scoping rules here stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id


class Role(StrEnum):
    PERSON = "person"  # 参保人: subject is their citizen ID number
    HOSPITAL = "hospital"  # 定点医疗机构: subject is the institution code
    AGENCY = "agency"  # 经办机构: subject is the region code it serves


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str

    @property
    def shown(self) -> str:
        """The subject as it may appear in history and logs (citizen IDs masked)."""
        return mask_id(self.subject) if self.role is Role.PERSON else self.subject


def forbidden(what_zh: str, what_en: str, field: str = "") -> YidiError:
    return YidiError("FORBIDDEN", f"无权{what_zh}", f"not allowed to {what_en}", field, 403)


def require(principal: Principal, *roles: Role, what_zh: str, what_en: str) -> None:
    if principal.role not in roles:
        allowed = "/".join(r.value for r in roles)
        raise YidiError("ROLE_NOT_ALLOWED", f"当前身份不能{what_zh}（需要：{allowed}）",
                        f"role {principal.role.value} may not {what_en} (needs {allowed})", "", 403)
