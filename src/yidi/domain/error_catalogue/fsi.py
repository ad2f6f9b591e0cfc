"""Error codes of the national interface envelope (POST /api/v1/fsi): answered as infcode -1 with err_msg."""

from __future__ import annotations

from yidi.domain.error_catalogue.spec import E

TITLE = "National interface envelope"

ENTRIES = (
    E("FSI_CERT_UNSUPPORTED", 422, "mdtrt_cert_type",
      "就诊凭证类型 {cert_type} 不支持；请用 01（医保电子凭证）、02（居民身份证）或 03（社会保障卡）",
      "credential type {cert_type} is not supported; use 01 (e-credential), 02 (ID card) or 03 (social security card)"),
    E("FSI_ENVELOPE", 400, "",
      "报文有误：{detail_zh}",
      "the message is malformed: {detail_en}"),
    E("FSI_FIELD", 422, "",
      "输入字段 {name} 有误：{detail_zh}",
      "input field {name}: {detail_en}"),
    E("FSI_FIELD_MISSING", 422, "",
      "缺少输入字段 {name}（{what_zh}）",
      "input field {name} is missing ({what_en})"),
    E("FSI_FILE_INVALID", 422, "",
      "上传的文件有误{where_zh}：{detail_zh}",
      "the uploaded file is not valid{where_en}: {detail_en}"),
    E("FSI_FILE_NOT_FOUND", 404, "file_qury_no",
      "没有文件 {file_qury_no}（本机构经 9101 上传的文件）",
      "no file {file_qury_no} (a file this institution uploaded with 9101)"),
    E("FSI_FILE_TOO_LARGE", 422, "",
      "上传的文件过大：{what_zh}超过上限 {limit}",
      "the uploaded file is too large: {what_en} above the limit of {limit}"),
    E("FSI_INFNO_UNKNOWN", 400, "infno",
      "不支持的交易编号 {infno}；本平台支持：{known}",
      "transaction {infno} is not supported; supported: {known}"),
    E("FSI_INPUT_ENCRYPTED", 400, "input",
      "input 是加密字符串，本平台不接受加密报文；请以明文 JSON 对象发送（传输由 HTTPS 保护）",
      "input is an encrypted string, which is not accepted; send a plain JSON object (HTTPS protects it)"),
    E("FSI_INSTITUTION_MISMATCH", 403, "fixmedins_code",
      "报文中的定点医药机构编号 {sent} 与接口密钥所属机构 {own} 不一致",
      "fixmedins_code {sent} is not the institution of this API key ({own})"),
    E("FSI_INTERNAL", 500, "",
      "平台内部错误（参考号 {ref}），本交易未完成；请稍后用同一报文号重试，或先冲正",
      "internal error (reference {ref}); the transaction was not completed: retry later with the same msgid, "
      "or reverse it first"),
)
