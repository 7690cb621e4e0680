"""Certificates: numbering, the PDF, the batch with progress, download, revocation and public verification."""

import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from certificates import services
from certificates.models import Certificate, CertificateBatch
from certificates.verification import verify_credential, verify_file, verify_pdf
from certification.models import AuditEntry

from .conftest import at

pytestmark = pytest.mark.django_db


def _issue_all(notice, capture):
    with capture(execute=True):
        batch = services.certificate_batch_start(campaign=notice.campaign, actor=None)
    batch.refresh_from_db()
    return batch


def test_batch_refused_while_the_notice_is_open_or_complaints_pending(demo, certify):
    apps = certify("senior", 1)
    notice = services.notice_schedule(campaign=demo["senior"], actor=None, starts_on=at(2024, 9, 29).date(),
                                      now=at(2024, 9, 29))
    with pytest.raises(ValidationError, match="公示结束后方可颁发证书"):
        services.certificate_batch_start(campaign=demo["senior"], actor=None)
    services.complaint_lodge(entry=notice.entries.get(), name="甲", phone="13900001111", email="a@example.cn",
                             content="x", now=at(2024, 10, 9))
    services.notices_advance(now=at(2024, 10, 14))
    with pytest.raises(ValidationError, match="尚有1件投诉未作出决定"):
        services.certificate_batch_start(campaign=demo["senior"], actor=None)
    assert not Certificate.objects.exists() and not CertificateBatch.objects.exists()
    assert apps


def test_batch_issues_numbered_signed_pdfs_with_progress(closed_notice, django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    batch = _issue_all(notice, django_capture_on_commit_callbacks)
    assert batch.status == CertificateBatch.Status.DONE and (batch.done, batch.total, batch.failed) == (3, 3, 0)
    certs = list(Certificate.objects.order_by("serial"))
    year = notice.campaign.year
    assert [c.number for c in certs] == [f"YS{year}300{i:05d}" for i in (1, 2, 3)]
    assert [c.serial for c in certs] == [1, 2, 3]
    # Holders are told.
    assert {m.to[0] for m in mail.outbox if "证书已颁发" in m.subject} == {a.applicant.email for a in apps}
    # The PDF: Chinese text, level, issuer, number, photo, QR; fonts subset so it stays small.
    data = certs[0].pdf.read()
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "青少年科技辅导员专业水平认证证书" in text and certs[0].holder_name in text and "高级" in text
    assert "中国青少年科技教育工作者协会" in text and certs[0].number in text
    images = reader.pages[0].images
    assert len(images) >= 1  # the photo (the QR is vector)
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all(re.match(r"/[A-Z]{6}\+", f) for f in fonts), fonts  # subset fonts
    assert len(data) < 250_000
    assert verify_pdf(data).ok
    # Re-running issues nothing twice.
    with pytest.raises(ValidationError, match="没有需要生成的证书"):
        services.certificate_batch_start(campaign=notice.campaign, actor=None)


def test_provincial_campaign_is_issued_jointly_with_the_national_association(demo, certify):
    app = certify("junior", 1)[0]
    cert = services.certificate_issue(application=app)
    assert cert.issuers == ["中国青少年科技教育工作者协会", "江苏省青少年科技教育协会"]
    assert re.fullmatch(rf"YS{app.year}132\d{{5}}", cert.number)


def test_holder_downloads_only_their_own(client, closed_notice, make_user, django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    client.force_login(apps[0].applicant)
    page = client.get(reverse("certificates:mine")).content.decode()
    assert cert.number in page
    response = client.get(reverse("certificates:pdf", args=[cert.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(reverse("certificates:credential", args=[cert.pk])).content.decode() == cert.credential
    other = Certificate.objects.get(application=apps[1])
    assert client.get(reverse("certificates:pdf", args=[other.pk])).status_code == 404
    client.force_login(make_user())
    assert client.get(reverse("certificates:pdf", args=[cert.pk])).status_code == 404


def test_verification_by_number_and_name(client, closed_notice, django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    ok = client.post(reverse("certificates:verify"), {"number": cert.number, "name": cert.holder_name})
    page = ok.content.decode()
    assert "证书有效" in page and cert.holder_name in page and "高级" in page
    assert apps[0].applicant.applicant_profile.employer not in page  # only name, level, date, issuer
    wrong = client.post(reverse("certificates:verify"), {"number": cert.number, "name": "别人"}).content.decode()
    assert "未找到与该编号和姓名相符的证书" in wrong and "证书有效" not in wrong
    link = client.get(reverse("certificates:verify_link", args=[cert.verify_token])).content.decode()
    assert "证书有效" in link


def test_verification_is_throttled(client, closed_notice, settings, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    settings.CERTIFICATE_VERIFY_RATE = "3/m"
    codes = [client.post(reverse("certificates:verify"), {"number": f"X{i}", "name": "甲"}).status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    cache.clear()


def test_revocation_needs_a_reason_and_then_verification_says_revoked(
        client, closed_notice, supervisor, make_user, django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    pdf, credential = cert.pdf.read(), cert.credential
    client.force_login(make_user())
    assert client.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "x"}).status_code == 403
    client.force_login(supervisor)
    response = client.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": ""})
    assert "撤销证书必须填写原因" in response.content.decode()
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "受到行政处罚。"})
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED and cert.revoked_by == supervisor
    assert mail.outbox[-1].to == [apps[0].applicant.email] and "受到行政处罚" in mail.outbox[-1].body
    assert AuditEntry.objects.for_object(cert).filter(action="certificates.certificate.revoked").exists()
    page = client.get(reverse("certificates:verify_link", args=[cert.verify_token])).content.decode()
    assert "该证书已撤销" in page and "受到行政处罚" in page
    # The files it had still carry a valid signature, but say revoked.
    assert verify_pdf(pdf).status == "revoked"
    assert verify_credential(credential).status == "revoked"
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=cert, actor=supervisor, reason="again")


def test_signature_and_credential_checks_valid_and_tampered(closed_notice, django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    pdf = cert.pdf.read()
    assert verify_file(pdf).status == "valid"
    assert verify_file(cert.credential.encode()).status == "valid"
    # A changed byte inside the signed range.
    i = pdf.index(cert.holder_name.encode("utf-16-be")) if cert.holder_name.encode("utf-16-be") in pdf else 2000
    tampered = pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:]
    assert verify_file(tampered).status == "invalid"
    # An incremental update appended after signing (e.g. another page or changed text).
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    w.add_metadata({"/Keywords": "certificate-number:" + cert.number, "/Title": "改过"})
    buf = io.BytesIO()
    w.write(buf)
    assert verify_file(buf.getvalue()).status == "invalid"
    # A credential with a changed payload.
    head, payload, sig = cert.credential.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["name"] = "冒名者"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    result = verify_file(f"{head}.{forged}.{sig}".encode())
    assert result.status == "invalid" and "签名校验失败" in result.message
    assert verify_file(b"not a certificate").status == "invalid"


def test_verify_page_accepts_an_uploaded_file(client, closed_notice, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    page = client.post(reverse("certificates:verify"),
                       {"file": SimpleUploadedFile("c.pdf", cert.pdf.read(), "application/pdf")}).content.decode()
    assert "文件核验通过" in page and cert.holder_name in page
    page = client.post(reverse("certificates:verify"),
                       {"file": SimpleUploadedFile("c.jwt", cert.credential.encode())}).content.decode()
    assert "文件核验通过" in page


def test_status_list_and_issuer_key_are_published(client, closed_notice, supervisor,
                                                  django_capture_on_commit_callbacks):
    from certificates import signing
    from certificates.credentials import decode_bit

    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[1])
    services.certificate_revoke(certificate=cert, actor=supervisor, reason="受到党纪处分。")
    did = client.get(reverse("certificates:did")).json()
    assert did["id"].startswith("did:web:") and did["verificationMethod"][0]["publicKeyJwk"]["crv"] == "Ed25519"
    assert client.get(reverse("certificates:jwks")).json()["keys"][0]["kid"] == signing.vc_kid()
    token = client.get(reverse("certificates:status_list")).content.decode()
    claims = signing.verify_jwt(token)
    subject = claims["vc"]["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert decode_bit(subject["encodedList"], cert.pk) is True
    assert decode_bit(subject["encodedList"], Certificate.objects.get(application=apps[0]).pk) is False


def test_mailing_list_is_formula_safe(client, closed_notice, national_secretariat,
                                      django_capture_on_commit_callbacks):
    notice, apps = closed_notice
    campaign = notice.campaign
    assert campaign.paper_certificate  # the senior campaign mails paper certificates (notice 000)
    profile = apps[0].applicant.applicant_profile
    profile.mailing_address = "=HYPERLINK(\"http://evil\")"
    profile.save()
    _issue_all(notice, django_capture_on_commit_callbacks)
    client.force_login(national_secretariat)
    body = client.get(reverse("certificates:mailing_list", args=[campaign.slug])).content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == "证书编号,姓名,邮寄地址,邮政编码,联系电话" and len(lines) == 4
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert profile.postcode in body and profile.mobile in body


def test_verify_certificate_command_offline(closed_notice, supervisor, tmp_path, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    notice, apps = closed_notice
    _issue_all(notice, django_capture_on_commit_callbacks)
    cert = Certificate.objects.get(application=apps[0])
    pdf_path, jwt_path = tmp_path / "c.pdf", tmp_path / "c.jwt"
    pdf_path.write_bytes(cert.pdf.read())
    jwt_path.write_text(cert.credential)
    out = io.StringIO()
    call_command("verify_certificate", str(pdf_path), stdout=out)
    assert "结果：有效" in out.getvalue() and cert.number in out.getvalue()
    call_command("verify_certificate", str(jwt_path), stdout=io.StringIO())
    tampered = tmp_path / "t.pdf"
    data = pdf_path.read_bytes()
    tampered.write_bytes(data[:3000] + bytes([data[3000] ^ 1]) + data[3001:])
    with pytest.raises(SystemExit) as exc:
        call_command("verify_certificate", str(tampered), stdout=io.StringIO())
    assert exc.value.code == 1
    services.certificate_revoke(certificate=cert, actor=supervisor, reason="受到行政处罚。")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_certificate", str(jwt_path), stdout=out)
    assert exc.value.code == 2 and "已撤销" in out.getvalue() and "受到行政处罚" in out.getvalue()
