"""The e-credential (医保电子凭证): a short-lived signed token the person's phone shows as a QR code and the
hospital's desk or HIS redeems once (mdtrt_cert_type 01).

The token names nobody: `YB1.<nonce>.<expiry>.<signature>`, the signature an HMAC-SHA256 over the rest with
a key the door derives from yidi's signing secret. Whose it is, and whether it was used, is kept with the
nonce in the store; so a token read off a screen over someone's shoulder reveals no ID number, a token
changed by one character is refused before the store is asked, an expired one is refused with its own code,
and one redeemed already (a replay, a screenshot) is refused with another.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from yidi.domain.error_catalogue import error

PREFIX = "YB1"
TTL = dt.timedelta(minutes=5)  # [C] the platform's QR codes refresh every minute or so; five leaves time to scan
TOKEN_MAX = 200  # a token is 3 + 1 + 32 + 1 + 10 + 1 + 43 = 91 characters; room for a scanner's extra bytes
_SHAPE = re.compile(r"^YB1\.([0-9a-f]{32})\.(\d{10})\.([A-Za-z0-9_-]{43})$")


def _sign(key: bytes, body: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def mint(key: bytes, nonce: str, expires_at: dt.datetime) -> str:
    body = f"{PREFIX}.{nonce}.{int(expires_at.timestamp())}"
    return f"{body}.{_sign(key, body)}"


def read(key: bytes, token: str, now: dt.datetime) -> str:
    """The nonce of a genuine, unexpired token; CREDENTIAL_INVALID (not ours, or changed) or CREDENTIAL_EXPIRED."""
    m = _SHAPE.match(token.strip())
    if m is None or not hmac.compare_digest(m[3], _sign(key, token.strip().rsplit(".", 1)[0])):
        raise error("CREDENTIAL_INVALID")
    if now.timestamp() >= int(m[2]):
        raise error("CREDENTIAL_EXPIRED")
    return m[1]
