"""Demo data for review, so `make run` can walk the flow: an expert pool for the national association (the demo
expert account among them) and a few paid senior demo applications waiting for eligibility review.

A demo shortcut: the applications are marked paid directly (`application_mark_paid`), so their orders stay
open in the order list. Passwords are printed; never use these outside a demo.
"""

import datetime as dt
import io

from django.db import transaction

from applicants import services as applicant_services
from applicants.models import Application
from certification.idcard import id_check_char
from certification.models import Authority, Campaign, Province, Role, User

from . import services
from .models import Expert

NATIONAL = "中国青少年科技教育工作者协会"
EXPERTS = [
    ("expert@demo.kjfdy.cn", "演示专家", "北京师范大学", "北京", "科学教育、物理"),
    ("expert2@demo.kjfdy.cn", "演示专家二", "华东师范大学", "上海", "科学教育、生物"),
    ("expert3@demo.kjfdy.cn", "演示专家三", "南京师范大学", "南京", "信息技术"),
    ("expert4@demo.kjfdy.cn", "演示专家四", "东北师范大学", "长春", "化学、工程"),
]
EXPERT_PASSWORD = "Demo-expert-2026"
APPLICANTS = [("周明", "南京市第一中学"), ("吴芳", "苏州市实验小学"), ("郑强", "无锡市青少年科技中心"),
              ("王丽", "常州市第二中学")]


def _pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=300, height=300)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (90, 120), (40, 90, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _upload(name, data, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@transaction.atomic
def load_review_demo() -> dict:
    authority = Authority.objects.get(name=NATIONAL)
    experts = []
    for email, name, unit, city, specialties in EXPERTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=EXPERT_PASSWORD, role=Role.EXPERT, full_name=name,
                                            email_verified=True)
        if not Expert.objects.filter(user=user).exists():
            Expert.objects.create(user=user, authority=authority, full_name=name, unit=unit, city=city,
                                  specialties=specialties.split("、"), max_per_campaign=30)
        experts.append(email)
    campaign = Campaign.objects.filter(slug="demo-senior").first()
    created = 0
    if campaign is not None and campaign.phase() == Campaign.Phase.OPEN:
        province = Province.objects.get(code="320000")
        for i, (name, unit) in enumerate(APPLICANTS):
            email = f"review-demo{i + 1}@demo.kjfdy.cn"
            if User.objects.filter(email=email).exists():
                continue
            user = User.objects.create_user(email=email, password="Demo-applicant-2026", role=Role.APPLICANT,
                                            full_name=name, email_verified=True)
            profile = applicant_services.profile_get_or_create(user=user)
            first17 = f"320102198{i}0315{100 + i:03d}"
            for k, v in dict(full_name=name, ethnicity="汉族", id_number=first17 + id_check_char(first17),
                             education="bachelor", major="物理学", employer=unit, province=province, city="南京市",
                             county="玄武区", position="高级教师", mobile=f"1381234567{i}", email=email,
                             mailing_address="南京市玄武区中山路1号", postcode="210000",
                             statement="从事青少年科技教育工作十五年。", years_in_st_education=15,
                             work_start_date=dt.date(2008, 9, 1), declaration_accepted=True).items():
                setattr(profile, k, v)
            applicant_services.profile_save(profile=profile, actor=user, photo=_upload("me.png", _png(), "image/png"))
            profile.prior_certifications.create(level="intermediate", year=2019, province=province)
            app = applicant_services.application_start(applicant=user, campaign=campaign)
            applicant_services.dossier_entry_add(
                application=app, item_code="B1", actor=user, scope="national",
                fields={"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                        "project": f"水质监测{i + 1}", "award": "一等奖"},
                occurred_on=campaign.application_end - dt.timedelta(days=400),
                attachment=_upload("award.pdf", _pdf(1 + i)))
            applicant_services.dossier_entry_add(
                application=app, item_code="B3", actor=user, scope="provincial",
                fields={"title": f"青少年科学探究课题{i + 1}", "funder": "江苏省教育科学规划办", "summary": "课题研究"},
                occurred_on=campaign.application_end - dt.timedelta(days=900),
                attachment=_upload("research.pdf", _pdf(10 + i)))
            applicant_services.dossier_scan_save(application=app, scan=_upload("scan.pdf", _pdf(1)), actor=user)
            applicant_services.application_submit(application=app, actor=user)
            app.refresh_from_db()
            if app.status == Application.Status.SUBMITTED:
                applicant_services.application_mark_paid(application=app)
            created += 1
        services.review_settings_get(campaign=campaign)
    return {"experts": experts, "applications": created}
