"""Open Badges 3.0 / W3C Verifiable Credentials (VC-JWT, Ed25519) and the Bitstring Status List of revocations.

The credential is an OpenBadgeCredential; secured as a JWT (OB 3.0 §8.2: claims `iss`, `jti`, `nbf`, `sub`
and `vc`). Its `credentialStatus` points into one revocation list for the platform (W3C Bitstring Status
List v1.0), where a certificate's bit is its primary key.
"""

import base64
import gzip

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import signing

STATUS_LIST_MIN_BITS = 131072  # 16 KB: the herd-privacy minimum the specification recommends


def _abs(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def status_list_url() -> str:
    return _abs(reverse("certificates:status_list"))


def verify_url(certificate) -> str:
    return _abs(reverse("certificates:verify_link", args=[certificate.verify_token]))


def credential_claims(certificate) -> dict:
    level = certificate.get_level_display()
    issued = timezone.make_aware(timezone.datetime.combine(certificate.issued_on, timezone.datetime.min.time()))
    issuer = {"id": signing.issuer_did(), "type": ["Profile"], "name": certificate.issuer_text,
              "url": settings.SITE_URL}
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"urn:kjfdy:certificate:{certificate.number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{level}青少年科技辅导员专业水平认证证书",
        "issuer": issuer,
        "validFrom": issued.isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.holder_name}],
            "achievement": {
                "id": _abs(f"/achievements/{certificate.level}/"),
                "type": ["Achievement"],
                "name": f"{level}青少年科技辅导员",
                "description": f"通过{certificate.campaign.title}。",
                "criteria": {"narrative": "依据《青少年科技辅导员专业水平认证办法（试行）》及该年度实施细则认证。"},
            },
        },
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": status_list_url(),
        },
        "evidence": [{"id": verify_url(certificate), "type": ["Evidence"], "name": "在线查验"}],
        "certificateNumber": certificate.number,
    }
    return {"iss": signing.issuer_did(), "jti": credential["id"], "sub": certificate.number,
            "nbf": int(issued.timestamp()), "vc": credential}


def issue_credential(certificate) -> str:
    return signing.sign_jwt(credential_claims(certificate))


def encode_bits(revoked_indexes, *, size: int | None = None) -> str:
    """Bitstring Status List `encodedList`: GZIP, base64url without padding, multibase prefix "u".
    Index 0 is the left-most (most significant) bit of the first byte."""
    indexes = list(revoked_indexes)
    bits = max(STATUS_LIST_MIN_BITS, (max(indexes) + 1) if indexes else 0)
    size = size or -(-bits // 8)
    buf = bytearray(size)
    for i in indexes:
        buf[i // 8] |= 0x80 >> (i % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(buf), mtime=0)).decode().rstrip("=")


def decode_bit(encoded: str, index: int) -> bool:
    raw = encoded[1:] if encoded.startswith("u") else encoded
    data = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if index // 8 >= len(data):
        raise ValueError("状态列表长度不足。")
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_credential_claims() -> dict:
    from .selectors import revoked_status_indexes

    now = timezone.now()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signing.issuer_did(),
        "validFrom": now.isoformat(),
        "credentialSubject": {"id": status_list_url() + "#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_bits(revoked_status_indexes())},
    }
    return {"iss": signing.issuer_did(), "jti": credential["id"], "nbf": int(now.timestamp()), "vc": credential}


def status_list_jwt() -> str:
    return signing.sign_jwt(status_list_credential_claims())


def did_document() -> dict:
    did = signing.issuer_did()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [{"id": signing.vc_kid(), "type": "JsonWebKey2020", "controller": did,
                                "publicKeyJwk": signing.public_jwk()}],
        "assertionMethod": [signing.vc_kid()],
    }
