"""Signed bearer tokens (`yt1.<payload>.<signature>`): HMAC-SHA256 over role, subject, duties, user, account
and expiry, keyed from the secret of yidi.http.auth_config. A token is a claim about an account; whether the
account still agrees is yidi.services.principals' question, asked for every request (yidi.http.security)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.http.auth_config import AuthConfig
from yidi.services.access import Duty, Principal, Role

TOKEN_PREFIX = "yt1."


def auth_invalid(zh: str = "令牌无效或已过期，请重新获取", en: str = "invalid or expired token; get a new one",
                 field: str = "Authorization") -> YidiError:
    return error("AUTH_INVALID", field=field, detail_zh=zh, detail_en=en)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(cfg: AuthConfig, principal: Principal, *, account: str, now: float | None = None) -> tuple[str, int]:
    """A signed bearer token for a principal; `account` is `u:<user id>` or `k:<hospital key id>`."""
    now = time.time() if now is None else now
    ttl = cfg.token_minutes * 60
    payload = {"r": principal.role.value, "s": principal.subject, "d": sorted(principal.duties),
               "n": principal.user, "a": account, "iat": int(now), "exp": int(now) + ttl}
    body = b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    sig = b64(hmac.new(cfg.key("token"), body.encode(), hashlib.sha256).digest())
    return f"{TOKEN_PREFIX}{body}.{sig}", ttl


def read_token(cfg: AuthConfig, token: str, *, now: float | None = None) -> tuple[Principal, str]:
    """The principal and account a token names, or AUTH_INVALID (bad signature, malformed, expired)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 2000:
        raise auth_invalid()
    body, _, sig = token[len(TOKEN_PREFIX):].partition(".")
    want = b64(hmac.new(cfg.key("token"), body.encode(), hashlib.sha256).digest())
    if not sig or not hmac.compare_digest(sig, want):
        raise auth_invalid()
    try:
        p = json.loads(_unb64(body))
        principal = Principal(Role(p["r"]), str(p["s"]), frozenset(Duty(d) for d in p["d"]), str(p["n"]))
        exp, account = int(p["exp"]), str(p["a"])
    except (ValueError, KeyError, TypeError):
        raise auth_invalid() from None
    if exp <= (time.time() if now is None else now):
        raise auth_invalid("令牌已过期，请重新获取", "token expired; get a new one")
    return principal, account
