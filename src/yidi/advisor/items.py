"""Finding catalogue items as a patient names them: by a word of the name, the code, or its pinyin (full or initials)."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from pypinyin import lazy_pinyin

from yidi.domain.catalogue import Catalogue, CatalogueItem

MAX_FOUND = 20
MAX_QUERY = 30


@cache
def _spelled(name: str) -> tuple[str, str]:
    """(full tone-less pinyin, initials) of a name: 床位费 -> ("chuangweifei", "cwf")."""
    syllables = [s for s in lazy_pinyin(name) if re.fullmatch(r"[a-z]+", s)]
    return "".join(syllables), "".join(s[0] for s in syllables)


def find_items(catalogue: Catalogue, query: str, day: dt.date, limit: int = MAX_FOUND) -> list[CatalogueItem]:
    """Items in force on `day` whose name holds the words typed, whose code starts with them, or whose pinyin
    (full or initials, spaces ignored) holds them; names that start with the query first, then by code."""
    q = re.sub(r"\s+", "", query.strip())[:MAX_QUERY]
    if not q:
        return []
    low = q.lower()
    latin = re.fullmatch(r"[a-z]+", low) is not None
    found: list[tuple[int, str, CatalogueItem]] = []
    for it in catalogue.items:
        if not it.in_force(day):
            continue
        full, initials = _spelled(it.name)
        if it.name.startswith(q) or it.code.lower().startswith(low):
            rank = 0
        elif q in it.name or (latin and (full.startswith(low) or initials.startswith(low))):
            rank = 1
        elif latin and (low in full or low in initials):
            rank = 2
        else:
            continue
        found.append((rank, it.code, it))
    return [it for _r, _c, it in sorted(found, key=lambda x: (x[0], x[1]))][:limit]
