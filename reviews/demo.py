"""Demo data for review, so `make run` can walk the flow: an expert pool for the national association (the demo
expert account among them), a few paid senior demo applications waiting for eligibility review, and an online
exam of the demo senior campaign (a small question bank, a session open now, one candidate with a paper).

Payments are not this app's to make (reviews does not import payments): the caller passes `pay`, which settles
an application's order (`payments.demo.pay_demo_order`, through the real bank-transfer confirmation), so order
and application agree. Idempotent. Passwords are printed; never use these outside a demo.
"""

import datetime as dt
import io
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from applicants import services as applicant_services
from applicants.models import Application
from certification.idcard import id_check_char
from certification.models import Authority, Campaign, Province, Role, User

from . import exam_services, services
from .exam_models import ExamSession
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
APPLICANT_PASSWORD = "Demo-applicant-2026"
EXAM_CANDIDATE = ("exam@demo.kjfdy.cn", "孙磊", "扬州市青少年科技中心")
# A small bank for the senior level (shared nationally, matched by 试题编号 on re-import) and a six-question paper.
BANK_HEADERS = ("级别", "试题编号", "题型", "知识点", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值")
BANK = [
    ("高级", "DEMO-01", "单选题", "科学素质", "光年是什么的单位？", "时间", "长度", "质量", "速度", "B", 2),
    ("高级", "DEMO-02", "单选题", "科学素质", "地球绕太阳公转一周约需多少天？", "30", "180", "365", "720", "C", 2),
    ("高级", "DEMO-03", "单选题", "科学素质", "水的化学式是？", "H2O", "CO2", "O2", "NaCl", "A", 2),
    ("高级", "DEMO-04", "单选题", "科学素质", "下列哪种是导体？", "橡胶", "玻璃", "铜", "木头", "C", 2),
    ("高级", "DEMO-05", "单选题", "教育理论", "“最近发展区”理论的提出者是？", "皮亚杰", "维果茨基", "杜威", "布鲁纳",
     "B", 2),
    ("高级", "DEMO-06", "单选题", "教育理论", "探究式学习的起点通常是？", "结论", "问题", "练习", "考试", "B", 2),
    ("高级", "DEMO-07", "多选题", "科技活动", "下列属于可再生能源的有？", "风能", "煤炭", "太阳能", "石油", "AC", 4),
    ("高级", "DEMO-08", "多选题", "科技活动", "科技创新大赛项目的评审通常关注？", "创新性", "科学性", "包装", "实用性",
     "ABD", 4),
    ("高级", "DEMO-09", "判断题", "科学素质", "在标准大气压下，水的沸点是100℃。", "", "", "", "", "对", 1),
    ("高级", "DEMO-10", "判断题", "科学素质", "月球自身能发光。", "", "", "", "", "错", 1),
    ("高级", "DEMO-11", "判断题", "教育理论", "科技辅导员应鼓励学生独立提出问题。", "", "", "", "", "对", 1),
]
BLUEPRINT = [{"kind": "single", "topic": "科学素质", "count": 2}, {"kind": "single", "topic": "", "count": 1},
             {"kind": "multiple", "topic": "", "count": 1}, {"kind": "true_false", "topic": "", "count": 2}]


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


def _senior_applicant(*, campaign: Campaign, email: str, name: str, unit: str, i: int,
                      pay: Callable[[Application], object]) -> Application:
    """A demo applicant with a complete senior dossier, submitted and paid (through `pay`): under review."""
    province = Province.objects.get(code="320000")
    user = User.objects.create_user(email=email, password=APPLICANT_PASSWORD, role=Role.APPLICANT, full_name=name,
                                    email_verified=True)
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
    pay(app)
    app.refresh_from_db()
    return app


@transaction.atomic
def load_review_demo(*, pay: Callable[[Application], object]) -> dict:
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
        for i, (name, unit) in enumerate(APPLICANTS):
            email = f"review-demo{i + 1}@demo.kjfdy.cn"
            if User.objects.filter(email=email).exists():
                continue
            _senior_applicant(campaign=campaign, email=email, name=name, unit=unit, i=i, pay=pay)
            created += 1
        services.review_settings_get(campaign=campaign)
    return {"experts": experts, "applications": created}


def _bank_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(BANK_HEADERS))
    for row in BANK:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@transaction.atomic
def load_exam_demo(*, pay: Callable[[Application], object], now: dt.datetime | None = None) -> dict:
    """An online exam of the demo senior campaign that a demo candidate can take in 考试中心 now: the bank
    imported through the bank import, a session open for the next weeks, the candidate's application moved into
    the exam stage and a paper drawn. Re-running adds nothing twice and keeps the session open."""
    now = now or timezone.now()
    campaign = Campaign.objects.filter(slug="demo-senior", has_exam=True).first()
    if campaign is None:
        return {}
    _result, errors = exam_services.question_bank_import(data=_bank_xlsx(), file_name="演示题库.xlsx")
    if errors:
        raise ValueError(f"演示题库导入失败：{errors}")
    session = ExamSession.objects.filter(campaign=campaign).first()
    if session is None:
        session = ExamSession(campaign=campaign, title=f"{campaign.title} 笔试（演示）", mode=ExamSession.Mode.ONLINE,
                              starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=30),
                              duration_minutes=30, blueprint=BLUEPRINT,
                              rules="演示考试：共6题，30分钟；开始作答后计时不停止，时间到自动交卷。")
        exam_services.exam_session_save(session=session, actor=None)
    elif session.ends_at < now + dt.timedelta(days=7):
        # A demo run weeks later: only the end moves (allowed even after candidates started).
        session.ends_at = now + dt.timedelta(days=30)
        exam_services.exam_session_save(session=session, actor=None)
    email, name, unit = EXAM_CANDIDATE
    if not User.objects.filter(email=email).exists():
        app = _senior_applicant(campaign=campaign, email=email, name=name, unit=unit, i=len(APPLICANTS), pay=pay)
        # A demo shortcut past eligibility review and expert scoring (the review demo shows those) into the exam.
        for to, code in ((Application.Status.ELIGIBLE, "reviews.demo.eligible"),
                         (Application.Status.PORTFOLIO_REVIEW, "reviews.demo.portfolio_review"),
                         (Application.Status.EXAM, "reviews.demo.exam")):
            applicant_services.application_transition(application=app, to=to, actor=None, action=code,
                                                      template=None, reason="演示数据")
    papers = exam_services.exam_papers_generate(session=session, actor=None)
    return {"session": session, "candidate": email, "password": APPLICANT_PASSWORD, "papers": papers}
