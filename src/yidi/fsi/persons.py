"""Who the patient is, in the envelope's terms: the medical-treatment credential (mdtrt_cert_type) and the
person number (psn_no), which in yidi is the citizen ID number the hospital already holds."""

from __future__ import annotations

from yidi.domain.error_catalogue import error
from yidi.fsi.fields import Node

ID_CARD, SOCIAL_SECURITY_CARD, E_CREDENTIAL = "02", "03", "01"


def id_number(n: Node) -> str:
    """The ID number the credential names: 02 ID card (mdtrt_cert_no is the ID number), 03 social-security
    card (its number is the holder's ID number; card_sn required), or psn_no / certno. 01 (e-credential):
    the code was redeemed by 1101, which answered psn_no; later transactions name the person by psn_no."""
    kind = n.text("mdtrt_cert_type", max_len=4)
    if kind is not None and kind not in (ID_CARD, SOCIAL_SECURITY_CARD, E_CREDENTIAL):
        raise error("FSI_CERT_UNSUPPORTED", cert_type=kind)
    if kind == E_CREDENTIAL:  # the code itself was spent at 1101: the person is psn_no (or certno)
        n.text("mdtrt_cert_no", max_len=200)
        found = n.text("certno", max_len=40) or n.text("psn_no", required="人员编号（1101 所答）|psn_no (from 1101)",
                                                       max_len=40)
        assert found is not None
        return found
    if kind == SOCIAL_SECURITY_CARD:
        n.text("card_sn", required="社会保障卡识别码（凭证类型 03）|the card's serial number (credential 03)", max_len=40)
    cert, certno, psn_no = (n.text(k, max_len=40) for k in ("mdtrt_cert_no", "certno", "psn_no"))
    found = (cert if kind else None) or certno or psn_no or cert
    if found is None:
        found = n.text("mdtrt_cert_no", required="就诊凭证编号或人员编号|credential number or psn_no", max_len=40)
    assert found is not None
    return found


def psn_no_check(n: Node) -> None:
    """psn_no beside a mdtrt_id is read (the visit names the person) but not needed."""
    n.text("psn_no", max_len=40)
