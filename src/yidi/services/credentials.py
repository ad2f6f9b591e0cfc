"""医保电子凭证: a person shows a short-lived code (出示医保码); a hospital redeems it once to learn who it is.

The door passes the signing key (derived from yidi's secret, yidi.http.auth_config) and may pass a clock
(tests). Issuing needs the person's own session; redeeming needs a hospital, and answers the person as
1101 does (yidi.services.settlement.person_info's PersonInfo), without the name check: the code proves who
the bearer is, as the ID card and a matching name do.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from yidi.domain import credentials as cred
from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.services.settlement import PersonInfo

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Credential:
    token: str
    expires_at: dt.datetime
    seconds: int


def issue(ctx: Context, principal: Principal, key: bytes, clock: Clock = _now) -> Credential:
    """出示医保码: a new code for the signed-in person (each refresh makes a new one; older ones stay valid
    until they expire or are used)."""
    require(principal, Role.PERSON, what_zh="出示医保码", what_en="show an e-credential")
    at = clock()
    expires = at + cred.TTL
    nonce = secrets.token_hex(16)
    with ctx.uow() as uow:
        found = uow.persons.keyed(principal.subject)
        if found is None:
            raise error("PERSON_NOT_FOUND")
        uow.e_credentials.add(nonce, found[0], at, expires)
    return Credential(cred.mint(key, nonce, expires), expires, int(cred.TTL.total_seconds()))


class RedeemIn(BaseModel):
    """What the desk or HIS sends when it scans a person's code."""

    token: str = Field(min_length=1, max_length=cred.TOKEN_MAX, description="the e-credential the person's phone shows")


def redeem(ctx: Context, principal: Principal, token: str, key: bytes, clock: Clock = _now) -> tuple[str, PersonInfo]:
    """The hospital scans the code: the person's ID number and 1101 answer; the code is spent. An expired,
    changed or spent code is refused with its own code (CREDENTIAL_EXPIRED / _INVALID / _REPLAYED)."""
    require(principal, Role.HOSPITAL, what_zh="核验医保电子凭证", what_en="redeem e-credentials")
    at = clock()
    nonce = cred.read(key, token, at)
    with ctx.uow() as uow:
        person_key = uow.e_credentials.redeem(nonce, principal.subject, at)
        if person_key is None:
            if uow.e_credentials.known(nonce):
                raise error("CREDENTIAL_REPLAYED")
            # signed with our key yet unknown here: another database with the same secret; not ours
            raise error("CREDENTIAL_INVALID")
        p = uow.persons.by_key(person_key)
        uow.audit.record(principal.role.value, principal.shown, "CREDENTIAL_REDEEM", "person",
                         mask_id(p.citizen_id.number), {"nonce": nonce[:8]})
    cid = p.citizen_id.number
    return cid, PersonInfo(mask_id(cid), p.name, p.insured_region, p.scheme.value, p.scheme.insutype,
                           p.category.value, p.status.value, str(p.account_balance))
