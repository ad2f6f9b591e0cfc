"""Load a policy pack folder (YAML or TOML), merge effective-dated versions, validate, build a PackSet.

Every problem is reported with its file, field path and reason; nothing is half-loaded.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from yidi.domain import bounds as B
from yidi.domain.catalogue import Catalogue
from yidi.domain.enums import InstitutionKind, Level, VisitType
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.packset import PackSet
from yidi.domain.policy import InsuredPolicy
from yidi.domain.reference import Institution, Region, is_province_code, province_of
from yidi.domain.sources import Document
from yidi.domain.validation import Code, RegionCode, Strict, Text, failure, problems_from

M = TypeVar("M", bound=BaseModel)
SAMPLE_DIR = Path(__file__).parent / "sample"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps numbers as written (strings): amounts become Decimal, codes keep zeros."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in copy.deepcopy(yaml.SafeLoader.yaml_implicit_resolvers).items()
}


class PackMeta(Strict):
    name: str
    version: str
    sample: bool = False
    description: str = ""
    documents: dict[str, Document] = Field(default_factory=dict)


class RegionIn(Strict):
    code: RegionCode
    name: str


class RegionsFile(Strict):
    provinces: dict[RegionCode, str] = Field(default_factory=dict)
    regions: list[RegionIn]


class InstitutionIn(Strict):
    code: Code = Field(min_length=1, max_length=B.INSTITUTION_CODE, pattern=r"^[A-Za-z0-9]+$")
    name: Text = Field(min_length=1, max_length=B.INSTITUTION_NAME)
    region: RegionCode
    level: Level
    networked: list[VisitType] = Field(default_factory=list)
    chronic_diseases: list[Annotated[Code, Field(min_length=1, max_length=B.DISEASE_CODE)]] = Field(
        default_factory=list, max_length=200)
    kind: InstitutionKind = InstitutionKind.HOSPITAL
    dual_channel: bool = False  # 双通道 (pharmacies only)

    @model_validator(mode="after")
    def _pharmacy(self) -> InstitutionIn:
        if self.dual_channel and self.kind is not InstitutionKind.PHARMACY:
            raise failure("PACK_MISPLACED", detail_zh="dual_channel（双通道）只用于定点零售药店",
                          detail_en="dual_channel only applies to pharmacies")
        if self.kind is InstitutionKind.PHARMACY and VisitType.INPATIENT in self.networked:
            raise failure("PACK_MISPLACED", detail_zh="药店不能开通住院结算", detail_en="a pharmacy has no inpatient care")
        return self


class InstitutionsFile(Strict):
    institutions: list[InstitutionIn]


def read_data(path: Path) -> Any:
    """Read one YAML or TOML file."""
    if path.suffix == ".toml":
        with path.open("rb") as fh:
            return tomllib.load(fh)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def deep_merge(base: Any, change: Any) -> Any:
    """A later version states only what changes: dicts merge key by key; lists and values replace."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for k, v in change.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return change


def merge_versions(raw: Any) -> Any:
    """Expand each version to the full policy in force from its date (effective_to is its own)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("versions"), list):
        return raw
    merged: list[Any] = []
    prev: dict[str, Any] = {}
    for v in raw["versions"]:
        if not isinstance(v, dict):
            merged.append(v)
            continue
        inherited = {k: val for k, val in prev.items() if k not in ("effective_from", "effective_to")}
        full = deep_merge(inherited, v)
        merged.append(full)
        prev = full
    return {**raw, "versions": merged}


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".toml"))


def _find(root: Path, stem: str) -> Path | None:
    for ext in (".yaml", ".yml", ".toml"):
        p = root / f"{stem}{ext}"
        if p.exists():
            return p
    return None


def _sources(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every source.doc reference inside a raw document, with its field path."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{path}.{k}" if path else str(k)
            if k == "source" and isinstance(v, dict) and "doc" in v:
                found.append((p + ".doc", str(v["doc"])))
            else:
                found.extend(_sources(v, p))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.extend(_sources(v, f"{path}.{i}"))
    return found


def _validate(model: type[M], data: Any, file: str, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(
            Problem(p.code, f"{file}:{p.field}", f"{file}：{p.message_zh}", f"{file}: {p.message_en}")
            for p in problems_from(exc)
        )
        return None


def load_packs(root: Path | str) -> PackSet:
    """Load and validate a pack folder; raise YidiError (code PACK_INVALID) listing every problem."""
    root = Path(root)
    problems: list[Problem] = []

    def rel(p: Path) -> str:
        return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)

    def read(p: Path) -> Any:
        try:
            return read_data(p)
        except (yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(problem("PACK_SYNTAX", rel(p), file=rel(p), reason=exc))
            return None

    if not root.is_dir():
        raise error("PACK_NOT_FOUND", root=root)

    meta_path = _find(root, "pack")
    meta = None
    if meta_path is None:
        problems.append(problem("PACK_FILE_MISSING", "pack.yaml", file="pack.yaml", what_zh="包名、版本、政策文件清单",
                                what_en="name, version, policy documents"))
    else:
        meta = _validate(PackMeta, read(meta_path), rel(meta_path), problems)
    documents = meta.documents if meta else {}

    regions: dict[str, Region] = {}
    reg_path = _find(root, "regions")
    if reg_path is None:
        problems.append(problem("PACK_FILE_MISSING", "regions.yaml", file="regions.yaml", what_zh="统筹区清单",
                                what_en="the pooling regions"))
    else:
        rf = _validate(RegionsFile, read(reg_path), rel(reg_path), problems)
        if rf:
            for i, r in enumerate(rf.regions):
                if r.code in regions:
                    problems.append(problem("PACK_DUPLICATE", f"{rel(reg_path)}:regions.{i}.code",
                                            detail_zh=f"统筹区 {r.code} 重复",
                                            detail_en=f"region {r.code} is listed twice"))
                regions[r.code] = Region(r.code, r.name, rf.provinces.get(province_of(r.code), ""))

    def check_sources(p: Path, raw: Any) -> None:
        """Every `source.doc` must name a document listed in pack.yaml."""
        for field, doc in _sources(raw):
            if doc not in documents:
                problems.append(problem("PACK_DOC_UNKNOWN", f"{rel(p)}:{field}", file=rel(p), doc=doc))

    def known_area(code: str) -> bool:
        return code in regions or (is_province_code(code) and any(province_of(c) == code for c in regions))

    institutions: dict[str, Institution] = {}
    inst_path = _find(root, "institutions")
    if inst_path is not None:
        inf = _validate(InstitutionsFile, read(inst_path), rel(inst_path), problems)
        if inf:
            for i, it in enumerate(inf.institutions):
                where = f"{rel(inst_path)}:institutions.{i}"
                if it.code in institutions:
                    problems.append(problem("PACK_DUPLICATE", f"{where}.code",
                                            detail_zh=f"机构编码 {it.code} 重复",
                                            detail_en=f"institution {it.code} listed twice"))
                if regions and it.region not in regions:
                    problems.append(problem("REGION_UNKNOWN", f"{where}.region",
                                            what_zh=f"机构 {it.code} 的统筹区", what_en=f"region of institution {it.code}",
                                            region=it.region))
                institutions[it.code] = Institution(it.code, it.name, it.region, it.level, frozenset(it.networked),
                                                    frozenset(it.chronic_diseases), it.kind, it.dual_channel)

    catalogues: dict[str, Catalogue] = {}
    for p in _files(root / "catalogues"):
        raw = read(p)
        if raw is None:
            continue
        check_sources(p, raw)
        cat = _validate(Catalogue, raw, rel(p), problems)
        if cat is None:
            continue
        if cat.region in catalogues:
            problems.append(problem("PACK_DUPLICATE", f"{rel(p)}:region", detail_zh=f"{cat.region} 的目录重复",
                                    detail_en=f"two catalogues for {cat.region}"))
        if regions and not known_area(cat.region):
            problems.append(problem("REGION_UNKNOWN", f"{rel(p)}:region",
                                    what_zh="目录的地区", what_en="catalogue region",
                                    region=cat.region))
        catalogues[cat.region] = cat

    policies: dict[str, InsuredPolicy] = {}
    for p in _files(root / "policies"):
        raw = read(p)
        if raw is None:
            continue
        check_sources(p, raw)
        pol = _validate(InsuredPolicy, merge_versions(raw), rel(p), problems)
        if pol is None:
            continue
        if pol.region in policies:
            problems.append(problem("PACK_DUPLICATE", f"{rel(p)}:region", detail_zh=f"{pol.region} 的政策重复",
                                    detail_en=f"two policies for {pol.region}"))
        if regions and pol.region not in regions:
            problems.append(problem("REGION_UNKNOWN", f"{rel(p)}:region",
                                    what_zh="政策的统筹区", what_en="policy region",
                                    region=pol.region))
        policies[pol.region] = pol

    if problems:
        raise YidiError.of(problems, code="PACK_INVALID")
    assert meta is not None
    return PackSet(meta.name, meta.version, meta.sample, documents, regions, institutions, catalogues, policies)


def check_packs(root: Path | str) -> list[Problem]:
    """Every problem of a pack folder (empty when it is valid)."""
    try:
        load_packs(root)
    except YidiError as exc:
        return exc.problems
    return []
