"""Question search: free-text Chinese questions -> ranked advisor topics and a pre-filled situation.

Offline and small: Okapi BM25 over character uni- and bigrams and over tone-less pinyin bigrams
(pypinyin ships its dictionary inside the package). Pinyin catches the commonest typos in typed Chinese,
homophones from a pinyin keyboard ("备按" for 备案, "报消" for 报销); character bigrams catch words a
segmenter would split wrongly in colloquial text. Each topic is one document made of its title, keywords
and short answer (knowledge/topics.yaml). Accuracy on the labelled set: benchmarks/README.md.

The pre-filled situation is read from the question's own words by explicit patterns (住院 -> inpatient,
没备案 -> not filed, 出院了/垫付 -> paid in full, region names from the policy packs ...): a wrong guess
is worse than a question, so only clear phrases set a field.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from pypinyin import Style, lazy_pinyin

from yidi.advisor.knowledge import Knowledge, Topic, knowledge
from yidi.domain.error_catalogue import error
from yidi.domain.packset import PackSet
from yidi.domain.rulebook import sources

MAX_QUERY = 500
_K1 = 1.2
_B = 0.75
# how much each kind of feature counts; tuned on the labelled set (benchmarks/README.md)
_W_UNI = 0.6
_W_BI = 1.0
_W_PY = 0.7
_W_KEYWORD = 1.5  # a topic keyword found whole in the question
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# function words carry no topic; dropping their unigrams keeps long questions from drifting
_STOP = set("的了吗呢啊吧呀么我你他她它们是在有和就都也还要不能会可以这那个什怎么请问下一去到")


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, punctuation and spaces removed."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


def _features(text: str) -> Counter[str]:
    s = normalise(text)
    f: Counter[str] = Counter()
    for ch in s:
        if ch not in _STOP:
            f["u:" + ch] += 1
    for a, b in itertools.pairwise(s):
        f["b:" + a + b] += 1
    py = [p for p in lazy_pinyin(s, style=Style.NORMAL, errors="ignore") if p]
    for a, b in itertools.pairwise(py):
        f["p:" + a + "_" + b] += 1
    return f


def _weight(feature: str) -> float:
    return {"u": _W_UNI, "b": _W_BI, "p": _W_PY}[feature[0]]


@dataclass(frozen=True, slots=True)
class Hit:
    topic: Topic
    score: float


class TopicIndex:
    """A BM25 index of the topics; build once, query many times (pure after construction)."""

    def __init__(self, kb: Knowledge) -> None:
        self.topics = list(kb.topics.values())
        self.docs: list[Counter[str]] = []
        self.keywords: list[list[tuple[str, str]]] = []
        for t in self.topics:
            text = " ".join([t.title_zh, *t.keywords, *t.keywords, t.answer_zh])
            self.docs.append(_features(text))
            self.keywords.append([(normalise(k), " ".join(lazy_pinyin(normalise(k)))) for k in t.keywords])
        n = len(self.docs)
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        self.idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()}
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / n if n else 1.0

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        q = _features(query)
        qn = normalise(query)
        qpy = " ".join(lazy_pinyin(qn))
        scores = []
        for i, d in enumerate(self.docs):
            score = 0.0
            norm = _K1 * (1 - _B + _B * self.lengths[i] / self.avg)
            for f, qtf in q.items():
                tf = d.get(f)
                if tf:
                    score += _weight(f) * self.idf[f] * tf * (_K1 + 1) / (tf + norm) * qtf
            for kw, kw_py in self.keywords[i]:
                if len(kw) >= 2 and (kw in qn or (len(kw) >= 3 and kw_py in qpy)):
                    score += _W_KEYWORD * len(kw)
            scores.append((score, i))
        scores.sort(key=lambda x: (-x[0], x[1]))
        return [Hit(self.topics[i], s) for s, i in scores[:limit] if s > 0]


@cache
def default_index() -> TopicIndex:
    return TopicIndex(knowledge())


# ------------------------------------------------------------------------------------------ pre-fill

_VISIT = [
    (re.compile(r"慢特病|慢性病|慢病|门特|门慢|特殊病|特病|透析|尿毒症|化疗|放疗|抗排异|高血压|糖尿病"), "CHRONIC_OUTPATIENT"),
    (re.compile(r"住院|住进|入院|出院|手术|icu|ICU|抢救"), "INPATIENT"),
    (re.compile(r"门诊|挂号|拿药|买药|开药|药店|感冒"), "OUTPATIENT"),
]
_REASON = [
    (re.compile(r"急诊|抢救|急救|突发|突然|120|车祸|晕倒|心梗|脑梗|中风|摔"), "emergency"),
    (re.compile(r"转诊|转院|转外|转到"), "referred"),
    (re.compile(r"退休.{0,8}(住|定居|安置|生活)|异地安置|养老"), "retired"),
    (re.compile(r"外派|派驻|常驻|上班|打工|务工|工作"), "works"),
    (re.compile(r"长期居住|跟.{0,3}(儿子|女儿|子女|孩子)|随子女|带孙|带孩子|定居|住在"), "lives"),
    (re.compile(r"旅游|出差|探亲|过年|度假|玩"), "travelling"),
]
_NOT_FILED = re.compile(r"(没|未|忘了|忘记|没有|没来得及|不知道要)(办|去)?(备案|备按|被案|登记)")
_FILED = re.compile(r"(已经|已|办了|办过|做了)(备案|备按)|备案了|备案过")
_PAID = re.compile(r"(已经)?出院了|全额付|全自费|自己(出|付|垫)|垫(了|付)|交了全款|付了全款|自费了|钱都自己出")
_TREATED = re.compile(r"住院了|在住院|住进|已经住院|入院|正在住院|在医院|送(到|去)?急诊|抢救|看病了"
                      r"|在(外地|外省|异地|那边|当地|.{2,3}(市|省)?)住院")
# still in hospital, in the present tense ("现在在广州住院"): not discharged, so not paid in full either
_STILL_IN = re.compile(r"出院前|还在|现在在|正在|目前在|在住院|住着|还没出院|没出院|未出院")
_LAPSED = re.compile(r"断缴|断保|停保|欠费|没交|忘交|暂停")
_WAITING = re.compile(r"等待期|刚交")
_TRANSFER = re.compile(r"转移接续|转关系|关系转移")
_EMPLOYEE = re.compile(r"职工医保|职工|单位交|在职")
_RESIDENT = re.compile(r"居民医保|城乡居民|新农合|农合")
_RETIRED = re.compile(r"退休")
_INSURED_HINT = re.compile(r"的?(职工|城乡居民|居民)?(医保|参保|社保|户口|老家)")


def prefill(query: str, packs: PackSet | None = None, topic: Topic | None = None) -> dict[str, Any]:
    """A situation pre-filled from what the question says (JSON values; fields not mentioned are absent)."""
    q = unicodedata.normalize("NFKC", query)
    out: dict[str, Any] = {}
    if topic is not None:
        out.update(topic.prefill.model_dump(exclude_none=True, mode="json"))
    for rx, vt in _VISIT:
        if rx.search(q):
            out["visit_type"] = vt
            break
    for rx, reason in _REASON:
        if rx.search(q):
            out["reason"] = reason
            break
    if _NOT_FILED.search(q):
        out["filed"] = False
    elif _FILED.search(q):
        out["filed"] = True
    if _PAID.search(q):
        out["paid_in_full"] = True
        out["treated"] = True
    elif _TREATED.search(q):
        out["treated"] = True
        if _STILL_IN.search(q):
            out["paid_in_full"] = False
    if _LAPSED.search(q):
        out["insurance_status"] = "LAPSED"
    elif _WAITING.search(q):
        out["insurance_status"] = "WAITING"
    elif _TRANSFER.search(q):
        out["insurance_status"] = "TRANSFERRING"
    if _RESIDENT.search(q):
        out["scheme"] = "RESIDENT"
    elif _EMPLOYEE.search(q):
        out["scheme"] = "EMPLOYEE"
    if _RETIRED.search(q):
        out["category"] = "RETIRED"
    if packs is not None:
        out.update(_regions(q, packs))
    if out.get("filed") is False:
        out.pop("filing_type", None)
    if out.get("reason") == "emergency" and "treated" not in out:
        out["treated"] = True
    return out


def _regions(q: str, packs: PackSet) -> dict[str, str]:
    """Region names in the question: 'X的医保/X参保' is the insured region, '在/去/到 X' the treatment one."""
    found: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for r in packs.regions.values():
        short = r.name.removesuffix("市").removesuffix("省本级")
        for n in {r.name, short}:
            if len(n) >= 2:
                names.append((n, r.code))
    names.sort(key=lambda x: -len(x[0]))
    for name, code in names:
        for m in re.finditer(re.escape(name), q):
            before, after = q[max(0, m.start() - 2):m.start()], q[m.end():m.end() + 4]
            if _INSURED_HINT.match(q[m.end():m.end() + 8]) or after.startswith("人"):
                found.setdefault("insured_region", code)
            elif re.search(r"[在去到来]$", before) or re.match(r"(住院|看病|就医|治|做)", after):
                found.setdefault("current_region", code)
    if found.get("insured_region") == found.get("current_region"):
        found.pop("current_region", None)
    return found


def search(query: str, packs: PackSet | None = None, limit: int = 3, index: TopicIndex | None = None) -> dict[str, Any]:
    """Ranked topics for a question and the situation it pre-fills (what the API and CLI return)."""
    q = query.strip()
    if not q:
        raise error("ADVICE_QUERY_EMPTY")
    if len(q) > MAX_QUERY:
        raise error("ADVICE_QUERY_TOO_LONG", max_query=MAX_QUERY)
    hits = (index or default_index()).search(q, limit)
    top = hits[0].topic if hits else None
    return {
        "query": q,
        "topics": [{"id": h.topic.id, "title_zh": h.topic.title_zh, "title_en": h.topic.title_en,
                    "answer_zh": h.topic.answer_zh, "answer_en": h.topic.answer_en, "focus": list(h.topic.focus),
                    "sections": list(h.topic.sections), "sources": sources(*h.topic.sections),
                    "score": round(h.score, 3)}
                   for h in hits],
        "situation": prefill(q, packs, top),
    }
