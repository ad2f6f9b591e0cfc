"""The demo's one-click logins on the start and login pages: one button per demo account (invented data).

The app assembly (yidi.app) hands them to the pages, which show them only while the sample pack is served."""

from __future__ import annotations

from dataclasses import dataclass

from yidi.demo.accounts import DEMO_PASSWORD, DEMO_REGION, DESK_PREFIX
from yidi.demo.dataset import PERSONS
from yidi.services.access import Role


@dataclass(frozen=True, slots=True)
class StartPageLogin:
    username: str
    role: Role
    label_zh: str
    label_en: str
    note_zh: str
    password: str = DEMO_PASSWORD


def _person(key: str) -> str:
    return next(p.id_number for p in PERSONS if p.key == key)


def start_page_logins() -> list[StartPageLogin]:
    """The demo accounts the start page offers (made by the demo loader): two persons (one to show acting
    for a relative), a hospital desk, agency staff with all duties and with one duty each, a clearing operator."""
    post_hoc = next(p for p in PERSONS if p.key == "post_hoc")
    retiree = next(p for p in PERSONS if p.key == "retiree_resettled")
    return [
        StartPageLogin(_person("post_hoc"), Role.PERSON, f"参保人 {post_hoc.name}", f"Insured person {post_hoc.name}",
                       post_hoc.note),
        StartPageLogin(_person("retiree_resettled"), Role.PERSON, f"参保人 {retiree.name}",
                       f"Insured person {retiree.name}", retiree.note),
        StartPageLogin(f"{DESK_PREFIX}H44010000001", Role.HOSPITAL, "医院医保办（广州）", "Hospital desk (Guangzhou)",
                       "机构编码 H44010000001：入院核验、结算、撤销、对账"),
        StartPageLogin(f"agency-{DEMO_REGION}", Role.AGENCY, f"经办机构（{DEMO_REGION}，全部职责）",
                       f"Agency ({DEMO_REGION}, all duties)", "审核报销、支付、查看本统筹区备案、清算、政策"),
        StartPageLogin(f"reviewer-{DEMO_REGION}", Role.AGENCY, "经办审核员", "Agency reviewer", "报销审核、备案审核"),
        StartPageLogin(f"payer-{DEMO_REGION}", Role.AGENCY, "经办支付员", "Agency payer", "支付批次、清算确认"),
        StartPageLogin(f"admin-{DEMO_REGION}", Role.AGENCY, "经办管理员", "Agency administrator", "运行清算、政策"),
        StartPageLogin("clearing-national", Role.CLEARING, "全国清算", "National clearing operator", "运行、查看全国月度清算"),
    ]
