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


def add_honour_entry(application, user, *, scope="provincial"):
    """B2 as a provincial 优秀科技辅导员 honour: senior condition 3.2 met (notice 000 第二条3.2)."""
    from applicants import services

    return services.dossier_entry_add(
        application=application, item_code="B2",
        fields={"activity": "江苏省优秀科技辅导员评选", "organiser": "江苏省科协", "project": "优秀科技辅导员",
                "award": "优秀科技辅导员"},
        occurred_on=application.campaign.application_end - dt.timedelta(days=700),
        attachment=upload("honour.pdf", pdf_bytes()), actor=user, scope=scope,
        achievement_category="counselor_honour")


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
        # Enough certified training hours for the junior and (example) intermediate rule sets.
        profile.trainings.create(name="科技辅导员能力提升培训", organiser="江苏省科协", certificate_number="PX-1",
                                 held_on=dt.date(2023, 7, 1), hours=40, by_cast=True)
        profile.trainings.create(name="科学教育网络研修", organiser="南京市教育局", certificate_number="PX-2",
                                 held_on=dt.date(2022, 7, 1), hours=25, by_cast=False)
        return profile

    return make


@pytest.fixture
def senior_draft(demo, applicant, complete_profile):
    """A senior demo draft with a B1 entry (no level given: 3.1 needs review), a provincial research result
    under B3 (3.3 met) and a signed scan: ready to submit (2 of 3 met or pending review)."""
    from applicants import services

    complete_profile(applicant)
    application = services.application_start(applicant=applicant, campaign=demo["senior"])
    services.dossier_entry_add(
        application=application, item_code="B1",
        fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                "project": "水质监测", "award": "一等奖"},
        occurred_on=demo["senior"].application_end - dt.timedelta(days=400),
        attachment=upload("award.pdf", pdf_bytes()), actor=applicant)
    services.dossier_entry_add(
        application=application, item_code="B3",
        fields={"title": "青少年科学探究课题", "funder": "江苏省教育科学规划办", "summary": "课题研究"},
        occurred_on=demo["senior"].application_end - dt.timedelta(days=900),
        attachment=upload("research.pdf", pdf_bytes()), actor=applicant, scope="provincial")
    services.dossier_scan_save(application=application, scan=upload("scan.pdf", pdf_bytes()), actor=applicant)
    return application
