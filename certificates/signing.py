"""Keys and signatures of the issuing association: a PAdES signature on each PDF (pyHanko) and an Ed25519
key for the Verifiable Credentials (joserfc).

Keys come from the environment (`CERTIFICATE_SIGNING_KEY_FILE` + `CERTIFICATE_SIGNING_CERT_FILE` for the PDF
signature, `CERTIFICATE_VC_KEY_FILE` for the credentials). Without them, development generates a self-signed
demo key pair once into `.dev-signing/` (git-ignored); production (CERTIFICATE_DEV_KEYS off) refuses to sign.
"""

import datetime as dt
import functools
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_SUBJECT = "认证平台演示签名（仅供开发，不具效力）"
# Room for the CMS signature: the signer's certificate (an RSA-4096 one fits too) and the signature itself.
SIGNATURE_BYTES = 8192


def _dev_dir() -> Path:
    return Path(settings.CERTIFICATE_DEV_KEYS_DIR)


def _generate_dev_keys() -> Path:
    """Create the demo keys once. Written to a temporary folder and renamed into place, so two processes
    starting together never end up with a key from one run and a certificate from the other."""
    target = _dev_dir()
    if target.exists():
        return target
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.x509.oid import NameOID

    # ECDSA P-256: loading an RSA key runs a costly consistency check on every signature in pyHanko.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "中国青少年科技教育工作者协会（演示）"),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    vc_key = ed25519.Ed25519PrivateKey.generate()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dev-signing-", dir=target.parent))
    (tmp / "pdf-key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    (tmp / "pdf-cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "vc-ed25519.pem").write_bytes(vc_key.private_bytes(serialization.Encoding.PEM,
                                                               serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))
    for f in tmp.iterdir():
        f.chmod(0o600)
    try:
        os.rename(tmp, target)
    except OSError:  # another process was first: use its keys
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _paths() -> tuple[Path, Path, Path]:
    key, cert, vc = (settings.CERTIFICATE_SIGNING_KEY_FILE, settings.CERTIFICATE_SIGNING_CERT_FILE,
                     settings.CERTIFICATE_VC_KEY_FILE)
    if key and cert and vc:
        return Path(key), Path(cert), Path(vc)
    if not settings.CERTIFICATE_DEV_KEYS:
        raise ImproperlyConfigured("Set CERTIFICATE_SIGNING_KEY_FILE, CERTIFICATE_SIGNING_CERT_FILE and "
                                   "CERTIFICATE_VC_KEY_FILE to sign certificates")
    d = _generate_dev_keys()
    return (Path(key) if key else d / "pdf-key.pem", Path(cert) if cert else d / "pdf-cert.pem",
            Path(vc) if vc else d / "vc-ed25519.pem")


@functools.cache
def pdf_signer():
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_path, cert_path, _ = _paths()
    password = (settings.CERTIFICATE_SIGNING_KEY_PASSWORD or "").encode() or None
    cert = load_cert_from_pemder(str(cert_path))
    return signers.SimpleSigner(signing_cert=cert, signing_key=load_private_key_from_pemder(str(key_path), password),
                                cert_registry=SimpleCertificateStore.from_certs([cert]))


def pdf_signing_cert():
    return pdf_signer().signing_cert


def sign_pdf(data: bytes, *, reason: str) -> bytes:
    """Add a PAdES B-B signature covering the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="IssuerSignature", subfilter=SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location="中国")
    # Reserving the space up front spares pyHanko a dry-run signature to measure it (half the signing cost).
    return signers.sign_pdf(writer, meta, signer=pdf_signer(), bytes_reserved=SIGNATURE_BYTES).getvalue()


@dataclass
class PdfSignatureCheck:
    ok: bool
    message: str
    keywords: str = ""


def check_pdf_signature(data: bytes) -> PdfSignatureCheck:
    """Is this PDF signed with our key, intact, and not changed after signing?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    if not data.startswith(b"%PDF-"):
        return PdfSignatureCheck(False, "上传的文件不是PDF。")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception:  # noqa: BLE001 — any damage to the file means we cannot vouch for it
        return PdfSignatureCheck(False, "PDF文件已损坏，无法读取签名。")
    if not sigs:
        return PdfSignatureCheck(False, "该PDF没有数字签名，不是本平台签发的证书文件。")
    try:
        status = validate_pdf_signature(sigs[-1], ValidationContext(trust_roots=[pdf_signing_cert()]))
    except (SignatureValidationError, ValueError, KeyError) as exc:
        return PdfSignatureCheck(False, f"签名无法验证（{type(exc).__name__}）。")
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not (status.intact and status.valid):
        return PdfSignatureCheck(False, "数字签名校验失败：文件内容在签名后被改动。")
    if not status.trusted:
        return PdfSignatureCheck(False, "数字签名不是本平台的签发密钥所签。")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(sigs) != 1:
        return PdfSignatureCheck(False, "签名后文件又被追加修改，不能作为有效证书。")
    info = reader.trailer_view.get("/Info")
    info = info.get_object() if info is not None else None
    keywords = str(info.get("/Keywords", "")) if info is not None else ""
    return PdfSignatureCheck(True, "数字签名有效，文件未被改动。", keywords=keywords)


# --- Verifiable Credentials ----------------------------------------------------------------------------

VC_ALG = "Ed25519"  # RFC 9864's fully specified name for EdDSA over Ed25519


@functools.cache
def vc_key():
    from joserfc.jwk import OKPKey

    _, _, path = _paths()
    return OKPKey.import_key(path.read_bytes())


def issuer_did() -> str:
    """did:web of the platform's host (a port is percent-encoded, as did:web says)."""
    netloc = urlsplit(settings.SITE_URL).netloc
    return "did:web:" + quote(netloc, safe="")


def vc_kid() -> str:
    return issuer_did() + "#key-1"


def public_jwk() -> dict:
    jwk = dict(vc_key().as_dict(private=False))
    return {**jwk, "kid": vc_kid(), "alg": VC_ALG, "use": "sig"}


def sign_jwt(claims: dict, *, typ: str = "vc+jwt") -> str:
    from joserfc import jwt

    return jwt.encode({"alg": VC_ALG, "kid": vc_kid(), "typ": typ}, claims, vc_key(), algorithms=[VC_ALG])


def verify_jwt(token: str) -> dict:
    """The claims of a token signed by our key; raises ValueError with a Chinese message otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:
        return dict(jwt.decode(token.strip(), vc_key(), algorithms=[VC_ALG]).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise ValueError("凭证签名校验失败：凭证被改动，或不是本平台签发。") from exc


def reset_caches() -> None:
    """Forget loaded keys (tests that switch keys)."""
    pdf_signer.cache_clear()
    vc_key.cache_clear()
