import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


def valid_id(first17: str = "32010219800101123") -> str:
    from certification.idcard import id_check_char

    return first17 + id_check_char(first17)


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def image_bytes(fmt: str = "PNG", size=(60, 80)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def demo(db):
    from certification.seed import load_demo_campaigns, load_seed_campaigns

    load_seed_campaigns()
    return {c.level: c for c in load_demo_campaigns()}


@pytest.fixture
def complete_profile(db):
    """A profile that has everything the printed form requires."""
    from applicants import services
    from certification.models import Level, Province

    def make(user, *, first17="32010219800101123", **overrides):
        if not user.email_verified:
            user.email_verified = True
            user.save(update_fields=["email_verified"])
        profile = services.profile_get_or_create(user=user)
        values = dict(
            full_name=user.full_name or "张晓明", ethnicity="汉族", id_number=valid_id(first17),
            education="bachelor", major="物理学", employer="南京市第一中学",
            province=Province.objects.get(code="320000"),
            city="南京市", county="玄武区", position="高级教师", mobile="13812345678", email=user.email,
            mailing_address="南京市玄武区中山路1号", postcode="210000", statement="从事青少年科技教育工作十五年。",
            years_in_st_education=15, work_start_date=dt.date(2008, 9, 1), declaration_accepted=True,
        )
        values.update(overrides)
        for k, v in values.items():
            setattr(profile, k, v)
        services.profile_save(profile=profile, actor=user,
                              photo=upload("me.png", image_bytes(), "image/png"))
        profile.prior_certifications.create(level=Level.INTERMEDIATE, year=2019, province=profile.province)
        return profile

    return make


@pytest.fixture
def senior_draft(demo, applicant, complete_profile):
    """A senior demo draft with one B1 entry and a signed scan: ready to submit."""
    from applicants import services

    complete_profile(applicant)
    application = services.application_start(applicant=applicant, campaign=demo["senior"])
    services.dossier_entry_add(
        application=application, item_code="B1",
        fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                "project": "水质监测", "award": "一等奖"},
        occurred_on=demo["senior"].application_end - dt.timedelta(days=400),
        attachment=upload("award.pdf", pdf_bytes()), actor=applicant)
    services.dossier_scan_save(application=application, scan=upload("scan.pdf", pdf_bytes()), actor=applicant)
    return application
