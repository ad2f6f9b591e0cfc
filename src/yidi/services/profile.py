"""The signed-in person's own insurance facts (insured region, scheme, category), for doors that tailor an answer."""

from __future__ import annotations

from yidi.services.access import Principal, Role
from yidi.services.context import Context


def own_situation(ctx: Context, principal: Principal | None) -> dict[str, str]:
    """What the account says about the caller, as advisor fields; empty for anyone but a known person. A
    person's words may name another city ("我是南昌的医保"), but their record decides region and scheme."""
    if principal is None or principal.role is not Role.PERSON:
        return {}
    with ctx.uow() as uow:
        person = uow.persons.get(principal.subject)
    if person is None:
        return {}
    return {"insured_region": person.insured_region, "scheme": person.scheme.value, "category": person.category.value}
