"""Issue 9.4–9.6: images that would exhaust memory, PDFs that run scripts, files served as what they are."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from applicants import services
from applicants.files import PHOTO_PRINT_SIZE, safe_display_name, validate_pdf, validate_scan

from .conftest import image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def huge_png(side: int) -> bytes:
    """A real, complete PNG of side × side pixels (1-bit, so it compresses to well under a megabyte)."""
    buf = io.BytesIO()
    Image.new("1", (side, side), 1).save(buf, format="PNG")
    return buf.getvalue()


def test_a_15000_pixel_png_is_refused_as_photo_and_as_scan_with_a_chinese_message(applicant):
    data = huge_png(15_000)
    profile = services.profile_get_or_create(user=applicant)
    with pytest.raises(ValidationError) as exc:
        services.profile_save(profile=profile, actor=applicant, photo=upload("p.png", data, "image/png"))
    assert "像素尺寸过大" in exc.value.messages[0] and "最大允许1600万像素" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        validate_scan(upload("scan.png", data, "image/png"))
    assert "像素尺寸过大" in exc.value.messages[0]


def test_a_10000_pixel_photo_of_700_kb_is_refused(client, applicant, demo):
    data = huge_png(10_000)
    assert len(data) < 2 * 1024 * 1024
    client.force_login(applicant)
    response = client.post(reverse("applicants:profile"), {
        "full_name": "王芳", "ethnicity": "汉族", "employer": "吉林市实验小学", "category": "school_teacher",
        "photo_upload": upload("photo.png", data, "image/png"),
        **{f"{p}-TOTAL_FORMS": "0" for p in ("prior", "training", "honour")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("prior", "training", "honour")},
    })
    assert response.status_code in (200, 400)
    assert "照片图片像素尺寸过大" in response.content.decode()
    assert not services.profile_get_or_create(user=applicant).photo


def test_an_image_just_over_the_cap_says_its_size():
    from applicants.files import validate_image

    with pytest.raises(ValidationError) as exc:
        validate_image(upload("p.png", huge_png(4001), "image/png"))
    assert "（4001×4001像素）" in exc.value.messages[0]


def test_photo_is_stored_re_encoded_at_print_size_without_its_metadata(applicant):
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TrackingCamera"  # Make
    Image.new("RGB", (1800, 2400), (20, 120, 200)).save(buf, format="JPEG", exif=exif)
    profile = services.profile_get_or_create(user=applicant)
    services.profile_save(profile=profile, actor=applicant, photo=upload("me.jpeg", buf.getvalue(), "image/jpeg"))
    profile.refresh_from_db()
    with profile.photo.open("rb") as fh:
        stored = fh.read()
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and img.size == PHOTO_PRINT_SIZE
        assert not img.getexif().get(0x010F)
    assert profile.photo.name.endswith(".jpg")

    small = image_bytes("PNG", size=(120, 160))  # smaller than print size: not blown up, still re-encoded
    services.profile_save(profile=profile, actor=applicant, photo=upload("s.png", small, "image/png"))
    with profile.photo.open("rb") as fh, Image.open(fh) as img:
        assert (img.format, img.size) == ("JPEG", (120, 160))


def _pdf_with(setup) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    setup(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _open_action_js(writer):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x')")})


def _names_js(writer):
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                  NameObject("/JS"): TextStringObject("this.print({bUI:false});")}))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("auto"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})


def _page_aa(writer):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")})})


def _launch(writer):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})


@pytest.mark.parametrize("setup", [_open_action_js, _names_js, _page_aa, _launch],
                         ids=["openaction-javascript", "names-javascript", "page-additional-action", "launch"])
def test_pdf_with_a_script_is_refused(setup, senior_draft, applicant):
    data = _pdf_with(setup)
    with pytest.raises(ValidationError) as exc:
        validate_pdf(upload("evidence.pdf", data))
    assert "含有脚本或打开时自动执行的动作" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.dossier_scan_save(application=senior_draft, scan=upload("scan.pdf", data), actor=applicant)


def test_pdf_opening_at_a_page_view_is_fine():
    from pypdf.generic import ArrayObject, NameObject, NumberObject

    def go_to_first_page(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference,
                                                                      NameObject("/Fit")])
        writer._root_object[NameObject("/PageMode")] = NameObject("/UseNone")
        assert NumberObject(1)
    validate_pdf(upload("fine.pdf", _pdf_with(go_to_first_page)))


def test_a_png_named_pdf_is_served_as_png_and_long_names_keep_their_extension(client, senior_draft, applicant):
    services.dossier_scan_save(application=senior_draft, scan=upload("签字盖章.pdf", image_bytes("PNG"), "image/png"),
                               actor=applicant)
    client.force_login(applicant)
    response = client.get(reverse("applicants:scan_file", args=[senior_draft.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert ".pdf.png" in response["Content-Disposition"]

    real = pdf_bytes()
    services.dossier_scan_save(application=senior_draft, scan=upload("扫描" * 100 + ".pdf", real), actor=applicant)
    senior_draft.refresh_from_db()
    assert senior_draft.signed_scan_name.endswith(".pdf") and len(senior_draft.signed_scan_name) <= 120
    response = client.get(reverse("applicants:scan_file", args=[senior_draft.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert safe_display_name("a" * 300 + ".jpeg").endswith(".jpeg")
