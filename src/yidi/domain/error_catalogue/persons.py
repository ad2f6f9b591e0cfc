"""Error codes about insured persons, family links and acting for another person."""

from __future__ import annotations

from yidi.domain.error_catalogue.spec import E

TITLE = "Persons, family links and acting for others"

ENTRIES = (
    E("ACCOUNT_RESIDENT", 422, "",
      "城乡居民医保没有个人账户，account_balance 应为 0",
      "residents have no personal account"),
    E("FAMILY_LINK_EXISTS", 409, "relative_id_number",
      "这两位参保人之间已有确认的家人关联",
      "these persons are already linked"),
    E("FAMILY_LINK_EXPIRED", 409, "link_id",
      "该关联请求已超过 {request_valid_days} 天未确认，已失效；请对方重新发起",
      "the request waited more than {request_valid_days} days and lapsed; ask for a new one"),
    E("FAMILY_LINK_FORBIDDEN", 403, "link_id",
      "只有被关联的家人本人（或参保地经办机构）可以{action_zh}",
      "only the relative named by the link (or the agency) may {action_en} it"),
    E("FAMILY_LINK_NOT_FOUND", 404, "link_id",
      "没有找到家人关联 {link_id}",
      "family link {link_id} not found"),
    E("FAMILY_LINK_RATE_LIMITED", 429, "id_number",
      "发起家人关联过于频繁（每 24 小时最多 {max_requests_per_day} 次），请 {wait} 秒后再试",
      "too many family link requests (at most {max_requests_per_day} per 24 hours); try again in {wait} s"),
    E("FAMILY_LINK_SELF", 422, "id_number",
      "不能与自己建立家人关联：为本人办理无需关联",
      "you cannot link to yourself: acting for yourself needs no link"),
    E("FAMILY_LINK_STATE", 409, "state",
      "该家人关联当前为“{state_zh}”，不能{action_zh}",
      "a link in state {state} cannot take {action}"),
    E("MAY_NOT_ACT_FOR_PERSON", 403, "id_number",
      "不能为他人{what_zh}：{how_zh}",
      "you may not {what_en} for someone else: {how_en}"),
    E("PERSON_NOT_FOUND", 404, "id_number",
      "没有找到该参保人：请核对身份证号码，或到参保地医保经办机构确认参保登记",
      "no insured person with this ID number: check it, or ask the insured region's agency"),
)
