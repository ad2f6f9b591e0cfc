"""Filing areas: a region or a whole province, what it covers, and how it is named."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from yidi.domain.reference import is_province_code, province_of


def area_covers(area: str, region: str) -> bool:
    """Whether a filing area (region code, or province code XX0000) covers treatment in `region`."""
    if is_province_code(area):
        return province_of(region) == area
    return region == area


def areas_intersect(a: str, b: str) -> bool:
    """Whether two filing areas share a region (equal, or one is the other's province)."""
    if a == b:
        return True
    if is_province_code(a) or is_province_code(b):
        return province_of(a) == province_of(b)
    return False


def label(code: str, names: Mapping[str, str] | None) -> str:
    """A region as a person reads it: 广州市（440100）, or the bare code when its name is not known."""
    name = (names or {}).get(code)
    return f"{name}（{code}）" if name else code


def region_known(code: str, regions: Collection[str]) -> bool:
    """A region code in the set, or a province code some known region belongs to."""
    if code in regions:
        return True
    return is_province_code(code) and any(province_of(r) == code for r in regions)
