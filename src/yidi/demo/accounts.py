"""Demo logins for every role (issue 8): persons, agency staff by duty, a clearing operator, hospital clients.

INVENTED credentials for the demo dataset only, printed by `yidi demo accounts`; a real deployment creates
its accounts with `yidi users add`. Each demo person logs in with their citizen ID number. Hospitals get a
client id `demo<institution code>` (an API key id) whose secret is the same demo password, usable as OAuth2
client credentials or as the key `yk_demo<code>.<password>`; their desk staff log in to the pages as
`desk-<institution code>` with the same password.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from yidi.services.accounts import AccountRole, hash_password
from yidi.services.context import Context
from yidi.store.repositories.demo_accounts import StaffLogin, add_missing, logins_of_role

DEMO_PASSWORD = "yidi-demo-2026"
DEMO_REGION = "369900"  # the demo persons' insured region
DEMO_HOSPITALS = ("H44010000001", "H36010000001", "H11010000001", "P11010000001")  # the last: a 双通道 pharmacy
DESK_PREFIX = "desk-"  # the pages' hospital desk accounts: desk-<institution code>


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: AccountRole
    subject: str
    duties: tuple[str, ...] = ()
    display_name: str = ""


STAFF: tuple[DemoAccount, ...] = (
    DemoAccount("agency-369900", AccountRole.AGENCY, DEMO_REGION, ("reviewer", "payer", "administrator"), "经办（全部职责）"),
    DemoAccount("reviewer-369900", AccountRole.AGENCY, DEMO_REGION, ("reviewer",), "经办审核员"),
    DemoAccount("payer-369900", AccountRole.AGENCY, DEMO_REGION, ("payer",), "经办支付员"),
    DemoAccount("admin-369900", AccountRole.AGENCY, DEMO_REGION, ("administrator",), "经办管理员"),
    DemoAccount("reviewer-440300", AccountRole.AGENCY, "440300", ("reviewer",), "深圳经办审核员"),
    DemoAccount("clearing-national", AccountRole.CLEARING, "000000", (), "全国清算"),
    DemoAccount("clearing-360000", AccountRole.CLEARING, "360000", (), "江西省清算"),
)


@cache
def _demo_hash() -> str:
    # hashed once per process: the demo loader runs in many tests, scrypt is slow on purpose
    return hash_password(DEMO_PASSWORD)


@cache
def _demo_key_hash(salt: str) -> str:
    import hashlib

    return hashlib.scrypt(DEMO_PASSWORD.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1,
                          maxmem=64 * 1024 * 1024, dklen=32).hex()


_KEY_SALT = "00" * 16  # fixed for the demo keys only (their secret is public anyway)


def load_demo_accounts(ctx: Context) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    staff = [StaffLogin(a.username, a.role.value, a.subject, a.duties, a.display_name) for a in STAFF]
    return add_missing(ctx.sessions, staff=staff, person_role=AccountRole.PERSON.value,
                       hospital_role=AccountRole.HOSPITAL.value, password_hash=_demo_hash(),
                       desks=[(code, f"{DESK_PREFIX}{code}") for code in DEMO_HOSPITALS],
                       key_salt=_KEY_SALT, key_hash=_demo_key_hash(_KEY_SALT))


def demo_persons_logins(ctx: Context) -> list[tuple[str, str]]:
    """(user name, display name) of the demo person accounts."""
    return logins_of_role(ctx.sessions, AccountRole.PERSON.value)
