"""Checking a certificate file someone hands us: a signed PDF or a VC-JWT credential.

Used by the public verification page and by `manage.py verify_certificate FILE` alike.
"""

import re
from dataclasses import dataclass

from . import signing
from .credentials import decode_bit, encode_bits
from .models import Certificate
from .selectors import revoked_status_indexes


@dataclass
class Verification:
    status: str  # "valid", "revoked" or "invalid"
    message: str
    certificate: Certificate | None = None
    kind: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _outcome(cert: Certificate, *, revoked: bool, kind: str, signature_note: str) -> Verification:
    if revoked:
        when = f"{cert.revoked_at:%Y年%m月%d日}" if cert.revoked_at else ""
        return Verification("revoked", f"{signature_note}但该证书已于{when}被撤销，原因：{cert.revoked_reason}",
                            cert, kind)
    return Verification("valid", f"{signature_note}证书有效。", cert, kind)


def verify_pdf(data: bytes) -> Verification:
    check = signing.check_pdf_signature(data)
    if not check.ok:
        return Verification("invalid", check.message, kind="pdf")
    m = re.search(r"certificate-number:([A-Z0-9]+)", check.keywords or "")
    cert = Certificate.objects.select_related("campaign").filter(number=m.group(1)).first() if m else None
    if cert is None:
        return Verification("invalid", "签名有效，但平台上没有该编号的证书。", kind="pdf")
    return _outcome(cert, revoked=cert.status == Certificate.Status.REVOKED, kind="pdf",
                    signature_note="数字签名有效，文件未被改动；")


def verify_credential(token: str) -> Verification:
    try:
        claims = signing.verify_jwt(token)
    except ValueError as exc:
        return Verification("invalid", str(exc), kind="credential")
    vc = claims.get("vc") or {}
    status = vc.get("credentialStatus") or {}
    number = vc.get("certificateNumber") or claims.get("sub")
    cert = Certificate.objects.select_related("campaign").filter(number=number).first() if number else None
    try:
        index = int(status.get("statusListIndex"))
    except (TypeError, ValueError):
        return Verification("invalid", "凭证缺少撤销状态信息。", kind="credential")
    if cert is None or cert.pk != index:
        return Verification("invalid", "签名有效，但平台上没有与之对应的证书。", kind="credential")
    # The status comes from the same Bitstring Status List the platform publishes.
    revoked = decode_bit(encode_bits(revoked_status_indexes()), index)
    return _outcome(cert, revoked=revoked, kind="credential", signature_note="凭证签名有效（Ed25519）；")


def verify_file(data: bytes) -> Verification:
    if data.lstrip()[:5] == b"%PDF-":
        return verify_pdf(data.lstrip())
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return Verification("invalid", "无法识别的文件：请上传证书PDF或可验证凭证（.jwt）文件。")
    if text.count(".") != 2 or len(text) > 20000:
        return Verification("invalid", "无法识别的文件：请上传证书PDF或可验证凭证（.jwt）文件。")
    return verify_credential(text)
