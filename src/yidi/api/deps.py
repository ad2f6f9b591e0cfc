"""Request dependencies: the shared service context and the caller's principal.

PLACEHOLDER until issue 8 (real authentication): the principal is read from two plain headers,
`X-Yidi-Role: person|hospital|agency` and `X-Yidi-Subject: <citizen ID | institution code | region code>`,
and trusted as given. Do not expose this to a network you do not control. Issue 8 swaps this one
dependency for OAuth2/session authentication; every route already receives its Principal from here and
every service scopes its queries by it, so nothing else has to change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from yidi.domain.errors import YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.services.access import Principal, Role
from yidi.services.context import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def get_principal(
    role: Annotated[str | None, Header(alias="X-Yidi-Role", description="person | hospital | agency (placeholder auth)")] = None,
    subject: Annotated[str | None, Header(alias="X-Yidi-Subject", description="citizen ID, institution code or region code")] = None,
) -> Principal:
    if not role or not subject:
        raise YidiError("AUTH_REQUIRED", "需要身份：请提供 X-Yidi-Role 和 X-Yidi-Subject",
                        "authentication required: send X-Yidi-Role and X-Yidi-Subject", "X-Yidi-Role", 401)
    try:
        r = Role(role.strip().lower())
    except ValueError:
        raise YidiError("AUTH_INVALID", f"不认识的身份类型“{role}”（可用 person/hospital/agency）",
                        f"unknown role {role!r} (person, hospital or agency)", "X-Yidi-Role", 401) from None
    subject = subject.strip()
    if r is Role.PERSON:
        try:
            subject = parse_citizen_id(subject, "X-Yidi-Subject").number
        except YidiError as exc:
            raise YidiError("AUTH_INVALID", f"身份主体无效：{exc.message_zh}", f"invalid subject: {exc.message_en}",
                            "X-Yidi-Subject", 401) from None
    elif r is Role.AGENCY and (len(subject) != 6 or not subject.isdigit()):
        raise YidiError("AUTH_INVALID", "经办机构的身份主体应为6位统筹区编码", "an agency subject must be a 6-digit region code",
                        "X-Yidi-Subject", 401)
    elif r is Role.HOSPITAL and not (0 < len(subject) <= 30 and subject.isalnum()):
        raise YidiError("AUTH_INVALID", "医疗机构的身份主体应为机构编码", "a hospital subject must be an institution code",
                        "X-Yidi-Subject", 401)
    return Principal(r, subject)


Ctx = Annotated[Context, Depends(get_context)]
Caller = Annotated[Principal, Depends(get_principal)]
