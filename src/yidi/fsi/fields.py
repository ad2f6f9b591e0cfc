"""Reading what real HIS software sends, liberally and exactly: a Node is one JSON object of `input`.

- keys: variant spellings are read as the national snake_case name (`dscgTime` is `dscg_time`);
- empty: "", null and an absent key are the same (None);
- amounts: a JSON number (parsed as Decimal, never a binary float) or a string, exact to the literal;
- days: `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss` (the day of it) or `yyyyMMdd`;
- lists: an array, or a single object where an array is expected;
- every key the transaction did not read is reported back (warn_msg), so the HIS knows what was ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_AMOUNT = re.compile(r"^[+-]?\d{1,13}(\.\d{1,6})?$")
_DAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def snake(key: str) -> str:
    """The national spelling of a key: `expContent` -> `exp_content`, `MDTRT_ID` -> `mdtrt_id`."""
    return key.lower() if key.isupper() else _CAMEL.sub(r"_\1", key).lower()


def bad(name: str, zh: str, en: str) -> YidiError:
    return error("FSI_FIELD", field=name, name=name, detail_zh=zh, detail_en=en)


class Node:
    """One object of `input` (or of a list in it), read by national field name; remembers what was read."""

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, dict):
            raise bad(path, "应为 JSON 对象", "must be a JSON object")
        self.path = path
        self.values: dict[str, Any] = {}
        for k, v in raw.items():
            name = snake(str(k))
            if self.values.get(name) in (None, ""):  # the first non-empty of two spellings counts
                self.values[name] = v
        self.read: set[str] = set()
        self.children: list[Node] = []

    def _where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str) -> Any:
        self.read.add(name)
        v = self.values.get(name)
        return None if v == "" else v

    def text(self, name: str, *, required: str = "", max_len: int = 100) -> str | None:
        """A code or text field; `required` says (in Chinese / English, "zh|en") why it is needed."""
        v = self.raw(name)
        if v is None:
            if required:
                zh, _, en = required.partition("|")
                raise error("FSI_FIELD_MISSING", field=self._where(name), name=self._where(name), what_zh=zh,
                            what_en=en or zh)
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
            raise bad(self._where(name), "应为字符串", "must be a string")
        s = str(v).strip()
        if len(s) > max_len:
            raise bad(self._where(name), f"超过 {max_len} 个字符", f"longer than {max_len} characters")
        return s or None

    def amount(self, name: str) -> Decimal | None:
        """An amount exactly as written: 9, 6834.2, "6834.20"; negative allowed (refunds); "" is None."""
        v = self.raw(name)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
            raise bad(self._where(name), "应为金额（数字或字符串）", "must be an amount (number or string)")
        s = v.strip() if isinstance(v, str) else str(v)
        if not _AMOUNT.match(s):
            raise bad(self._where(name), f"“{s[:30]}”不是金额", f"{s[:30]!r} is not an amount")
        try:
            return Decimal(s)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise bad(self._where(name), "不是金额", "not an amount") from None

    def day(self, name: str) -> dt.date | None:
        v = self.text(name, max_len=40)
        if v is None:
            return None
        m = _DAY.match(v)
        try:
            if m is None:
                raise ValueError(v)
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise bad(self._where(name), f"“{v}”不是日期（yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss）",
                      f"{v!r} is not a date (yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)") from None

    def flag(self, name: str, default: bool) -> bool:
        """A 0/1 flag ("1", 1, "0", 0; empty: the default)."""
        v = self.text(name, max_len=5)
        if v is None:
            return default
        if v not in ("0", "1"):
            raise bad(self._where(name), "应为 0 或 1", "must be 0 or 1")
        return v == "1"

    def node(self, name: str, *, required: bool = False) -> Node | None:
        v = self.raw(name)
        if v is None:
            if required:
                raise error("FSI_FIELD_MISSING", field=self._where(name), name=self._where(name),
                            what_zh="输入节点", what_en="input node")
            return None
        if isinstance(v, list):  # one object sent as a list of one
            if len(v) != 1:
                raise bad(self._where(name), "应为一个对象", "must be one object")
            v = v[0]
        child = Node(v, self._where(name))
        self.children.append(child)
        return child

    def nodes(self, name: str, *, limit: int) -> list[Node]:
        v = self.raw(name)
        if v is None:
            return []
        items = v if isinstance(v, list) else [v]
        if len(items) > limit:
            raise bad(self._where(name), f"最多 {limit} 项", f"at most {limit} items")
        out = [Node(x, f"{self._where(name)}[{i}]") for i, x in enumerate(items)]
        self.children.extend(out)
        return out

    def data(self, *names: str) -> Node:
        """The node a transaction's fields sit in: the first of `names` present (`data`, `mdtrtinfo`…), or
        this node itself when the HIS sent the fields unwrapped."""
        for n in names:
            if self.values.get(n) not in (None, ""):
                found = self.node(n)
                assert found is not None
                return found
        return self

    def unread(self) -> Iterator[str]:
        for k in self.values:
            if k not in self.read:
                yield self._where(k)
        for c in self.children:
            yield from c.unread()
