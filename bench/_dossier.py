"""A full senior dossier (every item filled to its limit, photo, trainings) for timing the 申报书 PDF.

Shared by the bench scripts; the underscore keeps `make bench` from running it on its own.
"""

import datetime as dt
import io


def _pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png(size=(295, 413)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buf, format="PNG")
    return buf.getvalue()


def build_senior_dossier(*, email: str = "pdf-bench@example.cn", first17: str = "32010219800101123"):
    """A draft senior application whose form runs to several pages. Returns (user, application)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applicants import catalogue, services
    from applicants.models import Application
    from certification.idcard import id_check_char
    from certification.models import Campaign, Level, Province, Role, User

    campaign = Campaign.objects.filter(level=Level.SENIOR, status=Campaign.Status.PUBLISHED).order_by("-year").first()
    user = User.objects.create_user(email=email, password="Bench-pass-2026", role=Role.APPLICANT,
                                    full_name="张晓明", email_verified=True)
    profile = services.profile_get_or_create(user=user)
    values = dict(full_name="张晓明", ethnicity="汉族", id_number=first17 + id_check_char(first17),
                  education="bachelor", major="物理学", employer="南京市第一中学科学技术教育中心",
                  province=Province.objects.get(code="320000"), city="南京市", county="玄武区",
                  position="高级教师、科技总辅导员", mobile="13812345678", email=email,
                  mailing_address="江苏省南京市玄武区中山路1号南京市第一中学科技楼三楼", postcode="210000",
                  statement="从事青少年科技教育工作十五年，长期指导学生开展科学探究与科技创新活动。" * 8,
                  years_in_st_education=15, work_start_date=dt.date(2008, 9, 1), declaration_accepted=True)
    for k, v in values.items():
        setattr(profile, k, v)
    services.profile_save(profile=profile, actor=user,
                          photo=SimpleUploadedFile("me.png", _png(), content_type="image/png"))
    profile.prior_certifications.create(level=Level.INTERMEDIATE, year=2019, province=profile.province)
    for i in range(3):
        profile.trainings.create(name=f"全国青少年科技辅导员专业能力提升培训第{i + 1}期",
                                 organiser="中国科协青少年科技中心", certificate_number=f"CAST-2024-{i:04d}",
                                 held_on=dt.date(2024, 3, 1 + i), hours=24)
    application = Application.objects.create(applicant=user, campaign=campaign, level=campaign.level,
                                             year=campaign.year, narrative="指导学生完成水质监测项目研究。" * 12)
    entries = []
    for item in catalogue.items_for_level(application.level):
        for n in range(item.max_entries):
            fields = {c.key: f"{c.label}：青少年科技创新大赛水质监测与生态保护项目第{n + 1}项" for c in item.columns}
            entries.append(application.entries.model(
                application=application, item_code=item.code, fields=fields, occurred_on=dt.date(2023, 5, 1 + n),
                scope="national", attachment=SimpleUploadedFile("e.pdf", _pdf_bytes(), content_type="application/pdf"),
                attachment_name=f"{item.code}-证明材料-{n + 1}.pdf"))
    for entry in entries:
        entry.attachment.save(entry.attachment.name, entry.attachment.file, save=False)
    application.entries.model.objects.bulk_create(entries)
    return user, application
