"""Error codes of 门诊慢特病 certification: applying, papers, review."""

from __future__ import annotations

from yidi.domain.error_catalogue.spec import E

TITLE = "Chronic-disease certification and pharmacies (门诊慢特病资格认定、定点零售药店)"

ENTRIES = (
    E("BILL_CHRONIC_NOT_CERTIFIED", 422, "chronic_disease",
      "参保人在 {day} 没有有效的门诊慢特病（{chronic_disease}）资格认定，不能按该病种结算：请先在参保地申请认定（或续期）",
      "the person holds no chronic-disease certification for {chronic_disease} valid on {day}: certify it at the "
      "insured region first"),
    E("CHRONIC_CERT_NOT_FOUND", 404, "cert_id",
      "没有找到门诊慢特病认定申请 {cert_id}",
      "no chronic-disease application {cert_id}"),
    E("CHRONIC_CERT_OPEN", 409, "disease",
      "该病种（{disease_zh}）已有一份正在办理的认定申请 {cert_id}：请在原申请中补充材料，或先撤回",
      "an application for {disease} is already open ({cert_id}): add papers to it, or withdraw it first"),
    E("CHRONIC_CERT_STATE", 409, "state",
      "认定申请当前为“{state_zh}”，不能{action_zh}",
      "an application in state {state} cannot take {action}"),
    E("CHRONIC_CERT_TOO_MANY", 409, "disease",
      "同时办理中的认定申请最多 {max_open} 份",
      "at most {max_open} applications may be open at once"),
    E("CHRONIC_DIAGNOSIS_DATE", 422, "diagnosed_on",
      "确诊日期 {diagnosed_on} 晚于今天",
      "the diagnosis date {diagnosed_on} is after today"),
    E("CHRONIC_DISEASE_NOT_LISTED", 422, "disease",
      "“{disease}”不是跨省直接结算的门诊慢特病病种（高血压、糖尿病、恶性肿瘤门诊放化疗、尿毒症透析、器官移植抗排异、"
      "慢阻肺、病毒性肝炎、冠心病、类风湿关节炎、强直性脊柱炎）",
      "{disease} is not a disease of the cross-province chronic-disease programme"),
    E("CHRONIC_PAPERS_MISSING", 422, "papers",
      "请先上传诊断证明等材料（至少一份），再提交审核",
      "upload the diagnosis papers (at least one) before sending the application for review"),
    E("CHRONIC_PAPERS_TOO_MANY", 409, "file",
      "每份认定申请最多上传 {max_papers} 份材料",
      "at most {max_papers} papers per application"),
    E("CHRONIC_REASON_REQUIRED", 422, "reason",
      "退回或不通过时请写明理由（需补充什么材料、为何不符合认定标准）",
      "a return or a rejection needs its reason (what to add, or why it does not qualify)"),
    E("PHARMACY_NOT_DUAL_CHANNEL", 422, "chronic_disease",
      "药店 {institution} 不是双通道药店（或参保地不允许在药店按门诊慢特病结算）：请到双通道药店或定点医院购药",
      "pharmacy {institution} is not a dual-channel pharmacy (or the insured region does not allow chronic purchases "
      "at pharmacies): buy at a dual-channel pharmacy or a hospital"),
    E("PHARMACY_VISIT_TYPE", 422, "visit_type",
      "药店购药只能按门诊（或双通道门诊慢特病）结算，不能按住院结算",
      "a pharmacy purchase settles as outpatient care (or chronic care at a dual-channel pharmacy), never inpatient"),
    E("CHRONIC_VALIDITY", 422, "valid_until",
      "有效期 {valid_from} 至 {valid_until} 不合理：应从确诊日（{diagnosed_on}）或之后开始，最长 {max_years} 年",
      "validity {valid_from} to {valid_until} is not allowed: it starts on or after the diagnosis ({diagnosed_on}) "
      "and lasts at most {max_years} years"),
)
