"""Hostile uploads: every one refused by content with a Chinese message, typed text kept on the page."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applicants import services
from applicants.files import validate_image, validate_pdf

from .conftest import encrypted_pdf_bytes, image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def test_valid_pdf_passes():
    validate_pdf(upload("ok.pdf", pdf_bytes()))


@pytest.mark.parametrize("data, message", [
    (image_bytes("PNG"), "不是PDF"),
    (image_bytes("JPEG"), "不是PDF"),
    (pdf_bytes(3)[:-200], "不完整"),
    (pdf_bytes()[: len(pdf_bytes()) // 2], "不完整"),
    (encrypted_pdf_bytes(), "加密"),
    (b"", "空文件"),
], ids=["renamed-png", "renamed-jpeg", "truncated-tail", "truncated-half", "encrypted", "empty"])
def test_hostile_pdf_refused(data, message):
    with pytest.raises(ValidationError) as exc:
        validate_pdf(upload("evidence.pdf", data))
    assert message in exc.value.messages[0]


def test_damaged_body_with_trailer_refused():
    data = b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n"
    with pytest.raises(ValidationError) as exc:
        validate_pdf(upload("evidence.pdf", data))
    assert "损坏" in exc.value.messages[0]


def _pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly `size` bytes, padded with an embedded file."""
    import io

    from pypdf import PdfWriter

    pad = size - 2000
    for _ in range(5):
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
        writer.add_attachment("pad.bin", b"x" * pad)
        buf = io.BytesIO()
        writer.write(buf)
        if len(buf.getvalue()) == size:
            return buf.getvalue()
        pad += size - len(buf.getvalue())
    raise AssertionError("could not hit the size")


def test_size_limit_is_exactly_five_megabytes():
    limit = 5 * 1024 * 1024
    validate_pdf(upload("max.pdf", _pdf_of_size(limit)))
    with pytest.raises(ValidationError) as exc:
        validate_pdf(upload("big.pdf", _pdf_of_size(limit + 1)))
    assert "5MB" in exc.value.messages[0]


def test_photo_checked_by_content():
    validate_image(upload("p.jpg", image_bytes("JPEG"), "image/jpeg"))
    with pytest.raises(ValidationError):
        validate_image(upload("p.jpg", pdf_bytes(), "image/jpeg"))
    with pytest.raises(ValidationError):
        validate_image(upload("p.gif", image_bytes("GIF"), "image/gif"))
    with pytest.raises(ValidationError):
        validate_image(upload("p.png", image_bytes("PNG")[:-40], "image/png"))


def test_path_traversal_name_stored_under_generated_name(senior_draft, applicant, settings):
    entry = services.dossier_entry_add(
        application=senior_draft, item_code="B2",
        fields={"activity": "评比", "organiser": "中国科协", "project": "教具", "award": "二等奖"},
        occurred_on=dt.date.today(), attachment=upload("../../../etc/passwd.pdf", pdf_bytes()), actor=applicant)
    stored = Path(entry.attachment.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert ".." not in entry.attachment.name and "passwd" not in entry.attachment.name
    assert entry.attachment_name == "passwd.pdf"
    entry2 = services.dossier_entry_add(
        application=senior_draft, item_code="B2",
        fields={"activity": "评比", "organiser": "中国科协", "project": "教具", "award": "二等奖"},
        occurred_on=dt.date.today(), attachment=upload("..\\..\\windows\\evil.pdf", pdf_bytes()), actor=applicant)
    assert entry2.attachment_name == "evil.pdf" and "\\" not in entry2.attachment.name


def _post_entry(client, application, data_bytes, name="renamed.pdf"):
    return client.post(reverse("applicants:entry_add", args=[application.pk, "B2"]), {
        "B2-activity": "全国科技教育活动方案评比", "B2-organiser": "中国青少年科技教育工作者协会",
        "B2-project": "校园气象站", "B2-award": "一等奖", "B2-occurred_on": "2022-05-01",
        "B2-achievement_category": "professional_award",
        "B2-attachment": upload(name, data_bytes),
    })


@pytest.mark.parametrize("data, message", [
    (image_bytes("PNG"), "不是PDF"), (encrypted_pdf_bytes(), "加密"), (pdf_bytes()[:-100], "不完整"),
])
def test_form_rerenders_with_typed_text_and_message(client, senior_draft, applicant, data, message):
    client.force_login(applicant)
    response = _post_entry(client, senior_draft, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "全国科技教育活动方案评比" in page and "校园气象站" in page and "2022-05-01" in page
    assert not senior_draft.entries.filter(item_code="B2").exists()


def test_text_cell_limits_and_entry_count(senior_draft, applicant):
    with pytest.raises(ValidationError) as exc:
        services.dossier_entry_add(application=senior_draft, item_code="B2",
                                   fields={"activity": "长" * 101, "organiser": "a", "project": "b", "award": "c"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()),
                                   actor=applicant)
    assert "100" in str(exc.value)
    services.dossier_entry_add(application=senior_draft, item_code="C4",
                               fields={"name": "长" * 200, "organiser": "a", "place": "b", "trainees": "c",
                                       "topic": "d"},
                               occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=applicant)
    for _ in range(2):
        services.dossier_entry_add(application=senior_draft, item_code="B1",
                                   fields={"competition": "a", "organiser": "b", "student": "c", "project": "d",
                                           "award": "e"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()),
                                   actor=applicant)
    with pytest.raises(ValidationError) as exc:
        services.dossier_entry_add(application=senior_draft, item_code="B1",
                                   fields={"competition": "a", "organiser": "b", "student": "c", "project": "d",
                                           "award": "e"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()),
                                   actor=applicant)
    assert "最多填写3条" in exc.value.messages[0]


def test_entry_outside_window_is_flagged(client, senior_draft, applicant):
    campaign = senior_draft.campaign
    old = campaign.application_end.replace(year=campaign.application_end.year - 11)
    services.dossier_entry_add(application=senior_draft, item_code="B3",
                               fields={"title": "课题", "funder": "省教育厅", "summary": "研究"},
                               occurred_on=old, attachment=upload("a.pdf", pdf_bytes()), actor=applicant)
    client.force_login(applicant)
    page = client.get(reverse("applicants:dossier", args=[senior_draft.pk])).content.decode()
    assert page.count("认定期限内") == 1


def test_photo_upload_rejects_renamed_pdf_and_keeps_input(client, applicant, demo):
    client.force_login(applicant)
    response = client.post(reverse("applicants:profile"), {
        "full_name": "王芳", "ethnicity": "回族", "employer": "吉林市实验小学", "category": "school_teacher",
        "photo_upload": upload("photo.jpg", pdf_bytes(), "image/jpeg"),
        **{f"{p}-TOTAL_FORMS": "0" for p in ("prior", "training", "honour")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("prior", "training", "honour")},
    })
    page = response.content.decode()
    assert "JPEG或PNG" in page and "吉林市实验小学" in page and "回族" in page
