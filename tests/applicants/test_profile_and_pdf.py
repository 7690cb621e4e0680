import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applicants import services

from .conftest import pdf_bytes, upload, valid_id

pytestmark = pytest.mark.django_db


def test_profile_derives_birth_date_and_gender_from_id(applicant, complete_profile, demo):
    profile = complete_profile(applicant, first17="32010219730101124")
    assert profile.birth_date == dt.date(1973, 1, 1)
    assert profile.gender == "female"


def test_profile_rejects_bad_id_number_and_keeps_input(client, applicant, demo):
    client.force_login(applicant)
    bad = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    response = client.post(reverse("applicants:profile"), {
        "full_name": "王芳", "ethnicity": "回族", "id_number": bad, "category": "school_teacher",
        "employer": "吉林市实验小学",
        **{f"{p}-TOTAL_FORMS": "0" for p in ("prior", "training", "honour")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("prior", "training", "honour")},
    })
    page = response.content.decode()
    assert "校验位" in page and "吉林市实验小学" in page and bad in page


def test_self_check_shows_each_criterion(client, applicant, complete_profile, demo):
    complete_profile(applicant)
    client.force_login(applicant)
    page = client.get(reverse("applicants:self_check"), {"campaign": "demo-senior"}).content.decode()
    # Senior: the intermediate certification of 2019 passes; achievements are entered in the dossier after
    # starting, so before one exists the page says so instead of "未具备任何一项" (issue 7 item 10).
    assert "已于2019年取得" in page
    assert "未具备任何一项" not in page and "业绩成果在开始报名后填写在申报书中" in page
    assert "当前可申报的认证" in page


def test_self_check_counts_dossier_entries(client, senior_draft, applicant):
    services.dossier_entry_add(application=senior_draft, item_code="B2",
                               fields={"activity": "评比", "organiser": "中国科协", "project": "教具",
                                       "award": "一等奖"},
                               occurred_on=dt.date.today() - dt.timedelta(days=30),
                               attachment=upload("a.pdf", pdf_bytes()), actor=applicant, scope="national")
    client.force_login(applicant)
    page = client.get(reverse("applicants:self_check"), {"campaign": "demo-senior"}).content.decode()
    # B2 (national professional award) and B3 (provincial research) meet 3.2 and 3.3.
    assert "具备第3.2项、第3.3项" in page


def test_form_pdf_has_chinese_text_and_tables(client, senior_draft, applicant):
    client.force_login(applicant)
    response = client.get(reverse("applicants:form_pdf", args=[senior_draft.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("青少年科技辅导员专业水平认证申报书", "认证级别：高级", applicant.full_name, "李雷", "水质监测",
                     "南京市第一中学", "申请人签名", "单位公章", "C、认证业绩材料"):
        assert expected in text, expected
    fonts = {str(f) for page in reader.pages for f in (page.get("/Resources") or {}).get("/Font", {}).values()}
    assert fonts  # fonts are embedded, so viewers without CJK fonts still show the text


def test_submitted_form_pdf_keeps_the_submitted_profile(client, senior_draft, applicant):
    services.application_submit(application=senior_draft, actor=applicant)
    profile = applicant.applicant_profile
    profile.employer = "后来调入的单位"
    profile.save()
    client.force_login(applicant)
    response = client.get(reverse("applicants:form_pdf", args=[senior_draft.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "南京市第一中学" in text and "后来调入的单位" not in text
    assert senior_draft.number in text
