"""Error codes of the advisor (what a person should do before and after treatment)."""

from __future__ import annotations

from yidi.domain.error_catalogue.spec import E

TITLE = "The advisor"

ENTRIES = (
    E("ADVICE_BILL_TOTAL", 422, "",
      "费用总额应大于 0",
      "bill_total must be greater than zero"),
    E("ADVICE_CONTRADICTION", 422, "",
      "填写的情况自相矛盾：{detail_zh}",
      "the situation contradicts itself: {detail_en}"),
    E("ADVICE_HOSPITAL_REGION", 422, "hospital",
      "{name}（{institution}）不在所填就医地 {region_zh}",
      "institution {institution} is not in the treatment region {region}"),
    E("ADVICE_HOSPITAL_UNKNOWN", 422, "hospital",
      "定点医疗机构编码 {hospital} 不存在",
      "unknown designated institution {hospital}"),
    E("ADVICE_QUERY_EMPTY", 422, "q",
      "请输入您的问题",
      "the question is empty"),
    E("ADVICE_QUERY_TOO_LONG", 422, "q",
      "问题太长（最多 {max_query} 个字）",
      "question too long (max {max_query})"),
    E("ADVICE_REGION_UNKNOWN", 422, "",
      "{what_zh}统筹区编码 {region} 不存在",
      "unknown {what_en} region {region}"),
    E("ADVICE_SITUATION_FILE", 400, "situation",
      "无法读取情况文件：{reason}",
      "cannot read the situation file: {reason}"),
)
