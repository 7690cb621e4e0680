"""Certified applicants, a public notice and verifiable certificates for the demo campaigns (`make run`).

Everything goes through the services, as a real run would: the applications are submitted, paid, found
eligible and certified through `application_transition`; the notice is scheduled and opened; certificates
are issued and rendered. Idempotent: a campaign that already has a notice is left alone.
"""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from applicants import services as applicant_services
from applicants.models import Application
from certification.idcard import id_check_char
from certification.models import Authority, CalendarYear, Campaign, Level, Province, Role, User
from payments.demo import pay_demo_order

from . import services
from .models import AuthoritySeal, PublicNotice
from .render import demo_seal_png

DEMO_PEOPLE = [("陈思远", "南京市鼓楼区实验小学"), ("林晓雯", "苏州市青少年科技中心"), ("王建国", "无锡市第一中学")]


def _pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (210, 294), (70, 130, 200))
    d = ImageDraw.Draw(img)
    d.ellipse([55, 40, 155, 150], fill=(240, 210, 180))
    d.rectangle([35, 170, 175, 294], fill=(40, 40, 60))
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    return buf.getvalue()


def ensure_demo_seals() -> None:
    for authority in Authority.objects.all():
        if not AuthoritySeal.objects.filter(authority=authority).exists():
            seal = AuthoritySeal(authority=authority)
            seal.image.save("seal.png", ContentFile(demo_seal_png(authority.name)), save=False)
            seal.save()


def certify_demo_applicant(*, campaign: Campaign, email: str, full_name: str, employer: str, seq: int,
                           actor=None) -> Application:
    """A demo applicant whose (exceptional-track) application walks the real path up to `certified`."""
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name, "role": Role.APPLICANT,
                                                                "email_verified": True})
    existing = Application.objects.filter(applicant=user, campaign=campaign).first()
    if existing:
        return existing
    profile = applicant_services.profile_get_or_create(user=user)
    first17 = f"320102198{seq % 10}0101{seq % 1000:03d}"
    values = dict(full_name=full_name, ethnicity="汉族", id_number=first17 + id_check_char(first17),
                  education="bachelor", major="物理学", employer=employer,
                  province=Province.objects.get(code="320000"), city="南京市", county="鼓楼区", position="教师",
                  mobile=f"1381234{seq:04d}", email=email, mailing_address="南京市鼓楼区北京西路1号",
                  postcode="210008", statement="从事青少年科技教育工作多年。", years_in_st_education=10,
                  work_start_date=dt.date(2012, 9, 1), declaration_accepted=True)
    for k, v in values.items():
        setattr(profile, k, v)
    applicant_services.profile_save(profile=profile, actor=user,
                                    photo=SimpleUploadedFile("photo.jpg", _photo(), "image/jpeg"))
    # The exceptional track (破格认证): the path that reaches `certified` straight from the eligibility decision,
    # and one whose condition the demo can meet without a full dossier.
    if campaign.level == Level.SENIOR:
        profile.honours.create(kind="title", title="十佳优秀科技辅导员", contest="全国青少年科技创新大赛",
                               year=campaign.year - 2)
    else:
        profile.honours.create(kind="contest_award", title="全国科学教育专业师范生教学技能创新大赛一等奖",
                               contest="全国科学教育专业师范生教学技能创新大赛", award="first", year=2020)
    app = applicant_services.application_start(applicant=user, campaign=campaign, exceptional=True)
    applicant_services.dossier_scan_save(application=app, actor=user,
                                         scan=SimpleUploadedFile("scan.pdf", _pdf(), "application/pdf"))
    applicant_services.application_submit(application=app, actor=user)
    pay_demo_order(app)  # a fee the track does not waive is paid by a confirmed bank transfer, order and all
    app.refresh_from_db()
    for to, code in ((Application.Status.ELIGIBLE, "certificates.demo.eligible"),
                     (Application.Status.CERTIFIED, "certificates.demo.certified")):
        applicant_services.application_transition(application=app, to=to, actor=actor, action=code, template=None,
                                                  reason="演示数据")
    return app


def _ensure_calendar_years(*years: int) -> None:
    """The demo must work whatever today is; a year beyond the library gets an empty, clearly marked row."""
    for y in years:
        CalendarYear.objects.get_or_create(year=y, defaults={"source": CalendarYear.Source.MANUAL,
                                                             "note": "演示：未录入节假日，仅按周一至周五计算"})


@transaction.atomic
def load_publication_demo(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    _ensure_calendar_years(today.year - 1, today.year, today.year + 1)
    ensure_demo_seals()
    out = {}
    # An open notice on the demo junior campaign (Jiangsu: issued with the national association).
    junior = Campaign.objects.filter(slug="demo-junior").first()
    if junior and not PublicNotice.objects.filter(campaign=junior).exists():
        for i, (name, unit) in enumerate(DEMO_PEOPLE):
            certify_demo_applicant(campaign=junior, email=f"junior{i + 1}@demo.kjfdy.cn", full_name=name,
                                   employer=unit, seq=100 + i)
        out["notice"] = services.notice_schedule(campaign=junior, actor=None, starts_on=today, now=now)
    # A finished notice and issued certificates on the demo senior campaign, one of them for the demo applicant.
    senior = Campaign.objects.filter(slug="demo-senior").first()
    if senior and not PublicNotice.objects.filter(campaign=senior).exists():
        holder = User.objects.filter(email="applicant@demo.kjfdy.cn").first()
        apps = [certify_demo_applicant(campaign=senior, email=holder.email if holder else "senior1@demo.kjfdy.cn",
                                       full_name="演示申请人", employer="南京市科技馆", seq=200)]
        apps.append(certify_demo_applicant(campaign=senior, email="senior2@demo.kjfdy.cn", full_name="赵文博",
                                           employer="常州市青少年活动中心", seq=201))
        started = now - dt.timedelta(days=21)
        notice = services.notice_schedule(campaign=senior, actor=None, starts_on=timezone.localdate(started),
                                          now=started)
        services.notices_advance(now=now)
        notice.refresh_from_db()
        if notice.status == PublicNotice.Status.CLOSED:
            for app in apps:
                services.certificate_render(certificate=services.certificate_issue(application=app))
        out["certificates"] = apps
    return out
