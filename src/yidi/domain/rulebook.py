"""yidi's rules reference as data: each anchor of docs/rules.md with its title and the document it rests on.

Code, answers and knowledge files cite a rule by its anchor ("R-1.8"); an answer shown to a person names
the policy document too (`sources`). A test keeps this table and docs/rules.md in step (same anchors, same
titles, each source written in its section), so a citation always resolves inside the product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

D2022 = "医保发〔2022〕22号"
D2022_RULES = f"{D2022} 经办规程"
IFSPEC = "医疗保障信息平台定点医药机构接口规范"
INSURED_POLICY = "参保地政策"


@dataclass(frozen=True, slots=True)
class Rule:
    """One section of docs/rules.md: its anchor, its title in Chinese and English, and its source."""

    anchor: str
    title_zh: str
    title_en: str
    source: str

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"


def _rules(*rows: tuple[str, str, str, str]) -> Mapping[str, Rule]:
    return {a: Rule(a, zh, en, src) for a, zh, en, src in rows}


RULES: Mapping[str, Rule] = _rules(
    ("R-1.1", "适用范围与参保状态", "Scope and insured status", f"{D2022_RULES}第2、3条；各省省内异地就医规定"),
    ("R-1.2", "两类六种备案类型", "Two groups, six filing types", f"{D2022_RULES}第7条"),
    ("R-1.3", "备案材料", "Filing materials", f"{D2022_RULES}第8条"),
    ("R-1.4", "个人承诺制", "Personal commitment", f"{D2022_RULES}第8条"),
    ("R-1.5", "备案渠道与备案范围", "Filing channels and area", f"{D2022_RULES}第9条；{D2022}第三部分"),
    ("R-1.6", "备案有效期", "Filing validity", f"{D2022}（临时备案有效期原则上不少于6个月）"),
    ("R-1.7", "备案变更与取消", "Change, cancellation and the change lock", f"{D2022}（变更限制期原则上不超过6个月）"),
    ("R-1.8", "补办备案", "Post-hoc filing", f"{D2022_RULES}第16条"),
    ("R-1.9", "急诊抢救视同备案", "Emergency treated as filed", f"{D2022_RULES}第8、34条"),
    ("R-2.1", "就医地目录、参保地政策、就医地管理", "Catalogue, policy and management: who governs what",
     f"{D2022_RULES}第6条；人社部发〔2016〕120号"),
    ("R-2.2", "长期备案人员待遇", "Long-term filers", f"{D2022}；{INSURED_POLICY}"),
    ("R-2.3", "临时外出就医人员的比例调整", "Temporary filers: cut modes and limits",
     f"{D2022}（降幅上限10、10、20个百分点）；{INSURED_POLICY}"),
    ("R-2.4", "未备案异地就医", "Unfiled care", f"{D2022_RULES}第14、16条；{INSURED_POLICY}"),
    ("R-2.5", "可直接结算的就医类型", "Visit types that settle directly", f"{D2022}；{INSURED_POLICY}"),
    ("R-3.1", "明细按就医地目录分类", "Fee lines and the treatment-region catalogue",
     f"国家医疗保障局令第1号；{IFSPEC}（2301）"),
    ("R-3.2", "结算计算顺序", "The order of the calculation", f"{D2022_RULES}第32、33条；{IFSPEC}（2304）"),
    ("R-3.3", "起付标准", "Deductible", f"{INSURED_POLICY}；国发〔1998〕44号"),
    ("R-3.4", "支付比例与分段", "Ratios and tiers", INSURED_POLICY),
    ("R-3.5", "最高支付限额", "Annual cap", f"{INSURED_POLICY}；国发〔1998〕44号"),
    ("R-3.6", "补充支付层", "Later layers", f"医保发〔2019〕30号；国办发〔2021〕42号；{INSURED_POLICY}"),
    ("R-3.7", "个人账户", "Personal account", "国办发〔2021〕14号"),
    ("R-3.8", "职工医保与城乡居民医保", "Employee and resident schemes", "国办发〔2021〕14号；医保发〔2019〕30号"),
    ("R-4.1", "何时需要手工报销", "When a manual claim is needed", f"{D2022_RULES}第14、16条"),
    ("R-4.2", "手工报销的地点与流程", "Where and how to claim", "参保地经办规定"),
    ("R-4.3", "手工报销材料", "Manual-claim materials", "参保地经办规定"),
    ("R-4.4", "手工报销期限", "Manual-claim deadlines", "参保地经办规定"),
    ("R-4.5", "不予报销的复核", "Appeal of a rejected claim", "《中华人民共和国行政复议法》第二十条；参保地经办规定"),
    ("R-5.1", "资金流向", "Flow of money", f"{D2022_RULES}；财社〔2016〕242号"),
    ("R-5.2", "预付金", "Advance funds", f"财社〔2016〕242号；{D2022_RULES}"),
    ("R-5.3", "月度清算", "Monthly clearing", D2022_RULES),
    ("R-5.4", "医院对账与清算申请", "Hospital reconciliation and clearing application", f"{IFSPEC}（3201–3204）"),
    ("R-6.1", "交易报文", "The message envelope", IFSPEC),
    ("R-6.2", "医院端交易与顺序", "Hospital transactions and their order", IFSPEC),
    ("R-7.1", "公民身份号码", "Citizen ID numbers", "GB 11643-1999"),
    ("R-7.2", "统筹区编码", "Region codes", "GB/T 2260"),
    ("R-7.3", "机构与项目编码", "Institution and item codes", "国家医疗保障信息业务编码标准"),
    ("R-8.1", "全国规模", "National volumes", "国家医保局公布的数据"),
    ("R-9.1", "没有备案", "No filing", f"{D2022_RULES}第16条"),
    ("R-9.2", "备案过期或未生效", "Filing expired or not yet valid", D2022),
    ("R-9.3", "备案地与就医地不符", "Filing for another area", f"{D2022_RULES}第9条"),
    ("R-9.4", "长期备案变更受限", "Long-term change refused", D2022),
    ("R-9.5", "医院未联网", "Hospital not networked", f"{D2022_RULES}第14条"),
    ("R-9.6", "参保状态异常或等待期", "Insurance lapsed, terminated, transferring or waiting",
     f"{INSURED_POLICY}；{IFSPEC}（1101）"),
    ("R-9.7", "身份信息不符", "Identity mismatch", f"GB 11643-1999；{IFSPEC}（1101）"),
    ("R-9.8", "凭证未激活", "Credential not activated", f"{IFSPEC}（1101）"),
    ("R-9.9", "参保省内就医", "Treatment inside the insured province", f"{D2022_RULES}第2条；各省省内异地就医规定"),
    ("R-9.10", "慢特病未认定或未开通", "Chronic disease not certified or not opened", f"{INSURED_POLICY}；{IFSPEC}（5301）"),
    ("R-9.11", "他处有未结算住院", "Open admission elsewhere", f"{IFSPEC}（5303）"),
    ("R-9.12", "可能有第三方责任的外伤", "Injury with possible third-party liability", "就医地管理规定"),
    ("R-9.13", "急诊未标记", "Emergency not flagged", f"{D2022_RULES}第8、34条"),
    ("R-9.14", "转诊没有证明", "Referral without certificate", f"{D2022_RULES}第8条"),
    ("R-9.15", "出院时系统故障", "System failure at discharge", f"{IFSPEC}（2601）"),
    ("R-9.16", "明细被拒", "Item lines rejected", f"{IFSPEC}（3301）"),
)


def rule(anchor: str) -> Rule:
    """The rule of an anchor; an unknown anchor is a programming error (KeyError)."""
    return RULES[anchor]


def sources(*anchors: str) -> str:
    """The documents the anchors rest on, each once, in order: what an answer names for a person."""
    out: list[str] = []
    for a in anchors:
        for part in rule(a).source.split("；"):
            if part not in out:
                out.append(part)
    return "；".join(out)


def anchors_of(section: str) -> list[str]:
    """The anchors of a citation written as "R-9.1; R-1.8"."""
    return [a.strip() for a in section.split(";") if a.strip()]
