"""The 申报书 is rendered once per version of the dossier, laid out with fixed column widths, numbered in the
embedded CJK font, set in the compact copy of that font."""

import io
from pathlib import Path

import pytest
import weasyprint
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from applicants import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """A media folder of this test's own: a form stored by an earlier run must not count as rendered here."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def renders(monkeypatch):
    """Counts WeasyPrint renders (the library's entry point, wrapped, still doing the real work)."""
    calls = []
    real = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return calls


def _stored(application):
    try:
        return default_storage.listdir(f"{services.FORM_PDF_DIR}/{application.pk}")[1]
    except FileNotFoundError:
        return []


def test_an_unchanged_dossier_is_served_from_the_stored_file(client, senior_draft, applicant, renders):
    client.force_login(applicant)
    url = reverse("applicants:form_pdf", args=[senior_draft.pk])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200 and second["Content-Type"] == "application/pdf"
    assert len(renders) == 1 and first.content == second.content and len(_stored(senior_draft)) == 1
    # A change to what is printed makes a new version; the old file goes.
    services.dossier_narrative_save(application=senior_draft, narrative="新的简述：指导学生完成水质监测。",
                                    actor=applicant)
    third = client.get(url)
    assert len(renders) == 2 and third.content != first.content
    assert "新的简述" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(third.content)).pages)
    assert len(_stored(senior_draft)) == 1


def test_form_tables_are_fixed_width_and_page_numbers_use_the_cjk_font(client, senior_draft, applicant):
    client.force_login(applicant)
    pdf = PdfReader(io.BytesIO(client.get(reverse("applicants:form_pdf", args=[senior_draft.pk])).content))
    fonts = {str(font["/BaseFont"]) for page in pdf.pages
             for font in (page.get("/Resources") or {}).get("/Font", {}).values()}
    # Only the CJK family is embedded: the page numbers no longer pull in a fallback font.
    assert fonts and all("Noto-Sans-CJK" in f for f in fonts), fonts
    assert [p.extract_text().strip().splitlines()[-1] for p in pdf.pages][1:3] == ["2", "3"]


def test_every_dossier_table_has_a_width_for_each_column():
    from applicants import catalogue
    from applicants.views import FORM_PDF_TABLE_MM, form_pdf_column_widths

    for level in ("junior", "intermediate", "senior"):
        for item in catalogue.items_for_level(level):
            widths = form_pdf_column_widths(item)
            assert len(widths) == len(item.columns) + 2 and abs(sum(widths) - FORM_PDF_TABLE_MM) < 1, item.code


def test_every_form_table_uses_the_fixed_layout():
    # The automatic layout measures every cell's text before laying it out: no table of the form may fall back to it.
    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "templates/applicants/form_pdf.html").read_text()
    assert "table-layout: fixed" in source and "table-layout: auto" not in source


def _fonts(content):
    pdf = PdfReader(io.BytesIO(content))
    return {str(font["/BaseFont"]).split("+", 1)[1] for page in pdf.pages
            for font in (page.get("/Resources") or {}).get("/Font", {}).values()}


def test_the_form_embeds_only_the_compact_cjk_faces(client, senior_draft, applicant):
    client.force_login(applicant)
    content = client.get(reverse("applicants:form_pdf", args=[senior_draft.pk])).content
    # One compact face per weight, never the 65,535-glyph system collection (embedded with its glyph ids kept, it
    # took a tenth of the render and half the file).
    assert _fonts(content) == {"Noto-Sans-CJK-SC-Form", "Noto-Sans-CJK-SC-Form-Bold"}


def test_a_character_outside_the_compact_faces_still_prints(client, senior_draft, applicant):
    profile = applicant.applicant_profile
    profile.employer = "南京市喆园小学"  # 喆 is not in GB 2312: the system face prints it
    profile.save()
    client.force_login(applicant)
    content = client.get(reverse("applicants:form_pdf", args=[senior_draft.pk])).content
    assert "南京市喆园小学" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Noto-Sans-CJK-SC" in _fonts(content) and "Noto-Sans-CJK-SC-Form" in _fonts(content)
