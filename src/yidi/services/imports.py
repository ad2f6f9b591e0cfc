"""Import persons, institutions and catalogues from agency tables, checking every row before anything is written.

Policy (decided for issue 3): by default an import is all or nothing — if any row is rejected, nothing
is written and the report lists every rejected row with its reasons, so the clerk fixes the sheet and
runs it again. With `accept_valid=True` the accepted rows are written (still in one transaction) and
the rejected ones reported. A row whose key (citizen ID / institution code) already exists updates it.
A catalogue import replaces the region's file in a policy pack folder and re-loads the whole pack; if the
pack does not load, the previous file is put back (see `import_catalogue`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from yidi.domain.bill import PersonIn
from yidi.domain.catalogue import Catalogue, CatalogueItem
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.ids import mask_id
from yidi.domain.reference import Institution, Person
from yidi.domain.validation import problems_from
from yidi.policies.loader import InstitutionIn, load_packs
from yidi.services.context import Context
from yidi.services.tabular import Table

Kind = Literal["persons", "institutions"]
ReportKind = Literal["persons", "institutions", "catalogue"]

# Header names agencies use, Chinese or English, mapped to our field names.
PERSON_HEADERS = {
    "id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
    "certno": "id_number",
    "name": "name", "姓名": "name", "psn_name": "name",
    "insured_region": "insured_region", "参保地": "insured_region", "参保地编码": "insured_region",
    "统筹区": "insured_region", "统筹区编码": "insured_region", "insuplc_admdvs": "insured_region",
    "scheme": "scheme", "险种": "scheme", "险种类型": "scheme", "insutype": "scheme",
    "category": "category", "人员类别": "category",
    "status": "status", "参保状态": "status", "psn_insu_stas": "status",
    "status_since": "status_since", "状态日期": "status_since",
    "account_balance": "account_balance", "个人账户余额": "account_balance", "balc": "account_balance",
    "assistance_group": "assistance_group", "救助类别": "assistance_group", "救助人员类别": "assistance_group",
    "chronic_diseases": "chronic_diseases", "慢特病": "chronic_diseases", "门诊慢特病": "chronic_diseases",
}
INSTITUTION_HEADERS = {
    "code": "code", "机构编码": "code", "定点医疗机构编码": "code", "fixmedins_code": "code",
    "name": "name", "机构名称": "name", "fixmedins_name": "name",
    "region": "region", "统筹区": "region", "统筹区编码": "region", "所在地": "region",
    "level": "level", "等级": "level", "医院等级": "level", "机构等级": "level",
    "networked": "networked", "联网": "networked", "联网类型": "networked", "开通业务": "networked",
    "chronic_diseases": "chronic_diseases", "慢特病": "chronic_diseases", "开通慢特病": "chronic_diseases",
    "kind": "kind", "机构类型": "kind", "定点类型": "kind",
    "dual_channel": "dual_channel", "双通道": "dual_channel",
}
CATALOGUE_HEADERS = {
    "code": "code", "编码": "code", "项目编码": "code", "医保目录编码": "code", "med_list_codg": "code",
    "name": "name", "名称": "name", "项目名称": "name", "药品名称": "name",
    "kind": "kind", "类别": "kind", "目录类别": "kind", "list_type": "kind",
    "class": "class", "item_class": "class", "甲乙丙": "class", "甲乙类": "class", "收费项目等级": "class",
    "chrgitm_lv": "class",
    "selfpay_ratio": "selfpay_ratio", "先行自付比例": "selfpay_ratio", "自付比例": "selfpay_ratio",
    "price_cap": "price_cap", "限价": "price_cap", "支付标准": "price_cap", "最高限价": "price_cap",
    "visit_types": "visit_types", "适用就诊类型": "visit_types", "就诊类型": "visit_types",
    "unit": "unit", "单位": "unit",
    "effective_from": "effective_from", "生效日期": "effective_from", "开始日期": "effective_from",
    "effective_to": "effective_to", "失效日期": "effective_to", "结束日期": "effective_to",
}
_VISIT_TYPES = {"住院": "INPATIENT", "普通门诊": "OUTPATIENT", "门诊": "OUTPATIENT", "门诊慢特病": "CHRONIC_OUTPATIENT",
                "慢特病": "CHRONIC_OUTPATIENT"}
_VALUES: dict[str, dict[str, str]] = {
    "scheme": {"职工": "EMPLOYEE", "职工医保": "EMPLOYEE", "职工基本医疗保险": "EMPLOYEE", "310": "EMPLOYEE",
               "居民": "RESIDENT", "城乡居民": "RESIDENT", "城乡居民医保": "RESIDENT", "城乡居民基本医疗保险": "RESIDENT",
               "390": "RESIDENT"},
    "category": {"在职": "ACTIVE", "退休": "RETIRED"},
    "status": {"正常": "ACTIVE", "正常参保": "ACTIVE", "1": "ACTIVE", "暂停": "LAPSED", "暂停参保": "LAPSED",
               "2": "LAPSED", "终止": "TERMINATED", "终止参保": "TERMINATED", "3": "TERMINATED",
               "等待期": "WAITING", "转移中": "TRANSFERRING"},
    "level": {"一级": "L1", "二级": "L2", "三级": "L3", "未定级": "UNRATED", "1": "L1", "2": "L2", "3": "L3"},
    "networked": _VISIT_TYPES,
    "visit_types": _VISIT_TYPES,
    "class": {"甲": "A", "甲类": "A", "01": "A", "乙": "B", "乙类": "B", "02": "B", "丙": "C", "丙类": "C", "03": "C"},
    "dual_channel": {"是": "true", "否": "false"},
    # catalogue item kinds and institution kinds share the column name; their values do not overlap
    "kind": {"定点零售药店": "PHARMACY", "药店": "PHARMACY", "定点医疗机构": "HOSPITAL", "医院": "HOSPITAL",
             "药品": "DRUG", "西药": "DRUG", "中成药": "DRUG", "中药饮片": "DRUG", "诊疗项目": "SERVICE",
             "医疗服务项目": "SERVICE", "服务项目": "SERVICE", "医用耗材": "MATERIAL", "耗材": "MATERIAL"},
}
_LIST_SEPARATORS = (";", "；", "、", ",", "，", "|", " ")


def _split(v: str) -> list[str]:
    for sep in _LIST_SEPARATORS[1:]:
        v = v.replace(sep, _LIST_SEPARATORS[0])
    return [p.strip() for p in v.split(_LIST_SEPARATORS[0]) if p.strip()]


def _value(key: str, v: str) -> str:
    table = _VALUES.get(key, {})
    return table.get(v, v.upper() if v.isascii() else v)


class PersonImport(PersonIn):
    """One person row: PersonIn's checks (an ID error is a row problem like any other)."""


class InstitutionImport(InstitutionIn):
    """One institution row (the same schema as the policy pack's institutions.yaml)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    key: str  # masked citizen ID or institution code
    problems: list[Problem]


@dataclass
class ImportReport:
    kind: ReportKind
    encoding: str
    rows: int = 0
    accepted: int = 0
    written: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    target: str = ""  # the file written (catalogue import)

    @property
    def ok(self) -> bool:
        return not self.rejected


def _mapped(aliases: dict[str, str], table: Table, key_field: str) -> dict[str, str]:
    """Header -> field name; an unknown column or a missing key column rejects the file."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for h in table.headers:
        key = aliases.get(h) or aliases.get(h.lower())
        if key is None:
            unknown.append(h)
        else:
            mapping[h] = key
    if unknown:
        known = sorted(set(aliases.values()))
        raise error("IMPORT_HEADER_UNKNOWN", unknown=unknown, known=known)
    if key_field not in mapping.values():
        raise error("IMPORT_HEADER_MISSING", key_field=key_field)
    return mapping


def _prepare(mapping: dict[str, str], row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    lists = ("chronic_diseases", "networked", "visit_types")
    for h, v in row.items():
        key = mapping.get(h)
        if key is None or v == "":
            continue  # blank cells take the model's default, as they would in a form
        if key in lists:
            out[key] = [_value(key, p) for p in _split(v)]
        elif key in _VALUES:
            out[key] = _value(key, v)
        else:
            out[key] = v
    return out


def import_table(
    ctx: Context,
    kind: Kind,
    table: Table,
    *,
    accept_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then write (all, or with accept_valid the accepted ones) in one transaction."""
    key_field = "id_number" if kind == "persons" else "code"
    mapping = _mapped(PERSON_HEADERS if kind == "persons" else INSTITUTION_HEADERS, table, key_field)
    report = ImportReport(kind, table.encoding, rows=len(table.rows))
    today = ctx.today()  # a birth date after today is refused (the domain has no clock of its own)
    with ctx.uow() as uow:
        regions = set(uow.regions.all())
        seen: dict[str, int] = {}
        good: list[Person | Institution] = []
        for i, (line, raw) in enumerate(table.rows, start=1):
            data = _prepare(mapping, raw)
            key_raw = str(data.get(key_field, ""))
            key = mask_id(key_raw[:40]) if kind == "persons" else key_raw[:40]
            problems: list[Problem] = []
            model: type[BaseModel] = PersonImport if kind == "persons" else InstitutionImport
            parsed: BaseModel | None = None
            try:
                parsed = model.model_validate(data, context={"today": today})
            except ValidationError as exc:
                problems.extend(problems_from(exc))
            region_field = "insured_region" if kind == "persons" else "region"
            region = getattr(parsed, region_field) if parsed is not None else None  # as normalised
            if region is not None and region not in regions:
                problems.append(problem("REGION_UNKNOWN", region_field, what_zh="统筹区（请先导入或加载该统筹区）",
                                        what_en="region (load that region first)", region=region))
            if parsed is not None:
                k = parsed.id_number if isinstance(parsed, PersonImport) else getattr(parsed, "code", "")
                if k in seen:
                    problems.append(problem("IMPORT_DUPLICATE", key_field, row=seen[k]))
                else:
                    seen[k] = line
            if problems:
                report.rejected.append(Rejected(line, key, problems))
            elif isinstance(parsed, PersonImport):
                good.append(parsed.to_person())
            elif isinstance(parsed, InstitutionImport):
                good.append(Institution(parsed.code, parsed.name, parsed.region, parsed.level,
                                        frozenset(parsed.networked), frozenset(parsed.chronic_diseases),
                                        parsed.kind, parsed.dual_channel))
            if progress is not None:
                progress(i)
        report.accepted = len(good)
        if report.rejected and not accept_valid:
            return report  # nothing written: the unit of work commits having written nothing
        for v in good:
            if isinstance(v, Person):
                uow.persons.upsert(v, certified_on=today)
            else:
                uow.institutions.upsert(v)
        report.written = len(good)
    return report



class _Dumper(yaml.SafeDumper):
    """Writes amounts as plain numbers (0.10, 12.50) and enums as their values, as a pack author would."""


def _decimal(dumper: yaml.SafeDumper, v: Decimal) -> yaml.ScalarNode:
    text = format(v, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_multi_representer(Enum, lambda d, v: d.represent_str(str(v.value)))


def _catalogue_path(packs: Path, region: str) -> Path:
    return packs / "catalogues" / f"{region}.yaml"


def import_catalogue(
    table: Table,
    *,
    region: str,
    packs: Path,
    name: str | None = None,
    b_ratio: Decimal | str = Decimal("0.10"),
    accept_valid: bool = False,
    source_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row as a CatalogueItem, write `packs/catalogues/<region>.yaml` (replacing it), reload the pack.

    All or nothing as the other imports: a rejected row (without accept_valid) leaves the file untouched.
    If the re-loaded pack is invalid (e.g. an unknown region, a second file for the region), the previous
    file is restored (or the new one removed) and the pack's problems are raised (PACK_INVALID).
    """
    try:  # the catalogue's own fields first: a wrong region or ratio rejects the whole file
        head = Catalogue.model_validate({"region": region, "name": name or "", "b_class_selfpay_ratio": b_ratio, "items": []})
    except ValidationError as exc:
        raise YidiError.of(problems_from(exc)) from None
    mapping = _mapped(CATALOGUE_HEADERS, table, "code")
    report = ImportReport("catalogue", table.encoding, rows=len(table.rows))
    good: list[CatalogueItem] = []
    by_code: dict[str, list[tuple[int, CatalogueItem]]] = {}
    for i, (line, raw) in enumerate(table.rows, start=1):
        data = _prepare(mapping, raw)
        problems: list[Problem] = []
        item: CatalogueItem | None = None
        try:
            item = CatalogueItem.model_validate(data)
        except ValidationError as exc:
            problems.extend(problems_from(exc))
        if item is not None:
            earlier = by_code.get(item.code, [])
            try:  # the catalogue's own rule on entries of one code (no overlapping effective dates)
                Catalogue.model_validate({"region": head.region, "items": [e for _, e in earlier] + [item]})
            except ValidationError as exc:
                lines = "、".join(str(n) for n, _ in earlier)
                problems.extend(Problem(p.code, "effective_from", f"{p.message_zh}（与第 {lines} 行）", f"{p.message_en} (line(s) {lines})")
                                for p in problems_from(exc))
        if problems:
            report.rejected.append(Rejected(line, str(data.get("code", "")), problems))
        elif item is not None:
            by_code.setdefault(item.code, []).append((line, item))
            good.append(item)
        if progress is not None:
            progress(i)
    report.accepted = len(good)
    if (report.rejected and not accept_valid) or not good:
        return report  # nothing written

    path = _catalogue_path(packs, head.region)
    previous = path.read_bytes() if path.exists() else None
    if name is None and previous is not None:  # keep the file's name unless a new one is given
        old = yaml.safe_load(previous.decode("utf-8"))
        name = str(old.get("name", "")) if isinstance(old, dict) else ""
    doc = {
        "region": head.region,
        "name": name or "",
        "b_class_selfpay_ratio": head.b_class_selfpay_ratio,
        "items": [it.model_dump(by_alias=True, exclude_none=True, exclude_defaults=False) for it in good],
    }
    text = (f"# imported by `yidi import catalogue`{f' from {source_name}' if source_name else ''} on {dt.date.today().isoformat()}\n"
            + yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    try:
        load_packs(packs)
    except YidiError:
        if previous is None:
            path.unlink()
        else:
            tmp.write_bytes(previous)
            os.replace(tmp, path)
        raise
    report.written = len(good)
    report.target = str(path)
    return report
