"""The national platform's message envelope: read a request (`infno`, `msgid`, …, `input`) and answer
(`infcode`, `inf_refmsgid`, `refmsg_time`, `respond_time`, `err_msg`, `output`).

Every answer is an envelope: a failure is `infcode` -1 with `err_msg` (Chinese, then English) and
`err_code`, yidi's stable code from the error catalogue (docs/errors.md); never an HTTP 500. `warn_msg`
names the input keys yidi did not use (extra keys are accepted, and ignored out loud).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.fsi.fields import Node
from yidi.http.json_body import check_media_type, parse
from yidi.services.access import Principal
from yidi.services.context import Context

log = logging.getLogger("yidi.fsi")
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
# the envelope's own keys (the national platform's interface specification); anything else beside them is reported as ignored
ENVELOPE_KEYS = ("infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code", "dev_no", "dev_safe_info",
                 "cainfo", "signtype", "infver", "opter_type", "opter", "opter_name", "inf_time", "fixmedins_code",
                 "fixmedins_name", "sign_no", "input")
_MSGID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a transaction needs of the envelope: which one, the hospital's message id, who sent it."""

    infno: str
    msgid: str | None
    fixmedins_code: str | None
    insuplc_admdvs: str | None
    mdtrtarea_admvs: str | None
    opter: str | None
    credential_key: bytes = b""  # not from the message: the door's key for e-credentials (mdtrt_cert_type 01)


Handler = Callable[[Context, Principal, Envelope, Node], dict[str, Any]]


def _time(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _read(body: Any, principal: Principal, credential_key: bytes) -> tuple[Envelope, Node, Node]:
    if not isinstance(body, dict):
        raise error("FSI_ENVELOPE", detail_zh="报文应为 JSON 对象", detail_en="the message must be a JSON object")
    top = Node(body, "")
    infno = top.text("infno", required="交易编号|transaction code", max_len=10)
    assert infno is not None
    msgid = top.text("msgid", max_len=64)
    if msgid is not None and not _MSGID.match(msgid):
        raise error("FSI_ENVELOPE", field="msgid", detail_zh="msgid 只能由字母、数字和 _.:- 组成，最长 64 位",
                    detail_en="msgid: letters, digits and _.:- only, at most 64")
    own = top.text("fixmedins_code", max_len=30)
    if own is not None and own != principal.subject:
        raise error("FSI_INSTITUTION_MISMATCH", sent=own, own=principal.subject)
    if isinstance(top.values.get("input"), str) and top.values["input"].strip():
        raise error("FSI_INPUT_ENCRYPTED")
    for k in ENVELOPE_KEYS:  # read (and so not "ignored"): the platform's fields yidi has no use for
        top.raw(k)
    inp = top.node("input") or Node({}, "input")
    env = Envelope(infno, msgid, own, top.text("insuplc_admdvs", max_len=12), top.text("mdtrtarea_admvs", max_len=12),
                   top.text("opter", max_len=30), credential_key)
    return env, top, inp


def _ignored(*nodes: Node) -> str | None:
    names = sorted({re.sub(r"\[\d+\]", "[]", n) for node in nodes for n in node.unread()})
    return ("未使用的字段（已忽略）ignored: " + ", ".join(names[:50])) if names else None


def answer(ctx: Context, principal: Principal, raw: bytes, handlers: dict[str, Handler],
           credential_key: bytes = b"", content_type: str | None = "application/json") -> dict[str, Any]:
    """Read the envelope, run its transaction through the services, answer an envelope (never raises)."""
    received = dt.datetime.now(dt.UTC)
    ref = f"YD{received.astimezone(BEIJING):%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
    out: dict[str, Any] = {"infcode": 0, "inf_refmsgid": ref, "refmsg_time": _time(received), "respond_time": "",
                           "err_msg": None, "err_code": None, "warn_msg": None, "output": {}}
    msgid = None
    try:
        if content_type:  # HIS software that sends no type is read as JSON; a stated other type (GBK, text) is not
            check_media_type(content_type)
        env, top, inp = _read(parse(raw), principal, credential_key)
        msgid = env.msgid
        handler = handlers.get(env.infno)
        if handler is None:
            raise error("FSI_INFNO_UNKNOWN", infno=env.infno[:10], known=sorted(handlers))
        out["output"] = handler(ctx, principal, env, inp)
        out["warn_msg"] = _ignored(top, inp)
    except YidiError as exc:
        out.update(_failure(exc))
    except Exception:  # the envelope never answers HTTP 500: the HIS reads infcode
        log.exception("fsi transaction failed (ref %s)", ref)
        out.update(_failure(error("FSI_INTERNAL", ref=ref)))
    out["respond_time"] = _time(dt.datetime.now(dt.UTC))
    if msgid is not None:
        out["msgid"] = msgid  # echoed: the HIS matches the answer to its request
    return out


def _failure(exc: YidiError) -> dict[str, Any]:
    zh, en = exc.message_zh, exc.message_en
    if exc.problems:  # several problems: each one, so the clerk can fix them all at once
        zh = "；".join(p.message_zh for p in exc.problems[:10])
        en = "; ".join(p.message_en for p in exc.problems[:10])
    where = f" [{exc.field}]" if exc.field else ""
    return {"infcode": -1, "err_msg": f"{zh}（{en}）{where}", "err_code": exc.code, "output": None}
