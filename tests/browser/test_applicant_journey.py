"""The applicant journey in real Chromium: register, verify, profile, self-check, senior dossier with PDFs,
download the printable form, upload the signed scan, submit; another applicant cannot open any of it."""

import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
PASSWORD = "Pass-word-2026"


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=300, height=300)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (90, 120), (40, 90, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _id_number() -> str:
    from certification.idcard import id_check_char

    first17 = "32010219800101123"
    return first17 + id_check_char(first17)


@pytest.fixture
def demo_live(live_server, transactional_db):
    from certification.seed import load_demo_campaigns, load_seed_campaigns

    load_seed_campaigns()
    return {c.level: c for c in load_demo_campaigns()}


def _register_and_verify(page, base):
    from certification.models import Notification

    page.goto(base + "/accounts/signup/")
    page.get_by_label("姓名").fill("陈思远")
    page.get_by_label("电子邮箱").fill("chen@example.cn")
    page.get_by_label("手机号码").fill("13912345678")
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/done/"))
    expect(page.locator("main")).to_contain_text("chen@example.cn")
    body = Notification.objects.filter(to_email="chen@example.cn", template="verify_email").latest("pk").body
    page.goto(base + re.search(r"(/accounts/verify/\S+/)", body).group(1))
    page.get_by_role("button", name="确认验证").click()
    expect(page.locator("main")).to_contain_text("验证")
    # Signing up does not sign in (it answers a registered address the same way): the applicant signs in.
    page.goto(base + "/accounts/login/")
    page.get_by_label("电子邮箱").fill("chen@example.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _fill_profile(page):
    page.get_by_role("link", name="我的认证").first.click()
    page.get_by_role("link", name="填写基本情况").click()
    fields = {"full_name": "陈思远", "ethnicity": "汉族", "id_number": _id_number(), "major": "物理学",
              "employer": "南京市第一中学", "city": "南京市", "county": "玄武区", "position": "高级教师",
              "email": "chen@example.cn", "mailing_address": "南京市玄武区中山路1号", "postcode": "210000",
              "years_in_st_education": "15", "work_start_date": "2008-09-01",
              "statement": "从事青少年科技教育工作十五年，指导学生参加科技创新大赛。"}
    for name, value in fields.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_label("最高学历").select_option("bachelor")
    page.get_by_label("所在省份").select_option(label="江苏省")
    page.locator("[name=photo_upload]").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": _png()}])
    page.locator("[name=prior-0-level]").select_option("intermediate")
    page.locator("[name=prior-0-year]").fill("2019")
    page.locator("[name=prior-0-province]").select_option(label="江苏省")
    page.locator("[name=declaration_accepted]").check()
    page.get_by_role("button", name="保存基本情况").click()
    expect(page.get_by_role("status")).to_contain_text("基本情况已保存")
    expect(page.locator("main")).to_contain_text("出生日期 1980年01月01日")


def _add_entry(page, code, values, day):
    section = page.locator(f"#item-{code}")
    section.locator("summary", has_text="添加一条").click()
    for key, value in values.items():
        section.locator(f"[name={code}-{key}]").fill(value)
    section.locator(f"[name={code}-occurred_on]").fill(day.isoformat())
    if section.locator(f"[name={code}-scope]").count():
        section.locator(f"[name={code}-scope]").select_option("national")
    if section.locator(f"[name={code}-achievement_category]").count():
        section.locator(f"[name={code}-achievement_category]").select_option("professional_award")
    section.locator(f"[name={code}-attachment]").set_input_files(
        files=[{"name": f"{code}.pdf", "mimeType": "application/pdf", "buffer": _pdf()}])
    section.get_by_role("button", name="保存此条").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{code} 条目已保存")


def test_applicant_journey(demo_live, live_server, page, django_user_model):
    from pypdf import PdfReader

    from applicants.models import Application

    base = live_server.url
    senior = demo_live["senior"]
    _register_and_verify(page, base)
    _fill_profile(page)

    # Self-check against the senior demo campaign.
    page.get_by_role("link", name="我的认证").first.click()
    page.get_by_role("link", name="资格自查").click()
    page.get_by_label("认证活动").select_option(senior.slug)
    page.get_by_role("button", name="自查").click()
    result = page.locator("#result")
    expect(result).to_contain_text("已于2019年取得江苏省中级认证")
    expect(result).to_contain_text("不符合")

    # Start from the campaign page's link.
    page.goto(f"{base}/campaigns/{senior.slug}/")
    page.get_by_role("link", name="我要报名").click()
    page.get_by_role("button", name="开始填写申报书").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("申报书")

    last_year = dt.date.today() - dt.timedelta(days=365)
    _add_entry(page, "B1", {"competition": "全国青少年科技创新大赛", "organiser": "中国科协", "student": "李雷",
                            "project": "城市河道水质监测", "award": "一等奖"}, last_year)
    _add_entry(page, "B2", {"activity": "全国科技教育活动方案评比", "organiser": "中国青少年科技教育工作者协会",
                            "project": "校园气象站", "award": "二等奖"}, last_year)
    _add_entry(page, "C4", {"name": "南京市科技辅导员培训", "organiser": "南京市科协", "place": "南京",
                            "trainees": "小学科技教师40人", "topic": "科学探究活动设计"}, last_year)
    page.locator("[name=narrative]").fill("指导李雷同学从提出问题到设计实验，历时一年完成水质监测项目。")
    page.get_by_role("button", name="保存简述").click()
    expect(page.get_by_role("status").first).to_contain_text("简述已保存")

    # The printable form: a real PDF with the applicant's Chinese name and entries in it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载申报书PDF").click()
    reader = PdfReader(download_info.value.path())
    # Table cells wrap, so compare without the line breaks the layout adds.
    text = re.sub(r"\s", "", "".join(p.extract_text() for p in reader.pages))
    assert "陈思远" in text and "青少年科技辅导员专业水平认证申报书" in text and "城市河道水质监测" in text

    page.locator("[name=scan]").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": _pdf()}])
    page.get_by_role("button", name="上传扫描件").click()
    expect(page.locator("#submit")).to_contain_text("signed.pdf")
    page.get_by_role("button", name="提交申报书").click()
    application = Application.objects.get(applicant__email="chen@example.cn")
    expect(page.get_by_role("status").first).to_contain_text(f"申报编号 {application.number}")
    expect(page.locator(f"#application-{application.pk}")).to_contain_text("已提交，待缴费")
    expect(page.locator(f"#application-{application.pk}")).to_contain_text("提交申报书")

    # Another applicant cannot open the dossier, its files or its form.
    django_user_model.objects.create_user(email="other@example.cn", password=PASSWORD, full_name="他人",
                                          email_verified=True)
    page.get_by_role("button", name="退出").click()
    page.goto(base + "/accounts/login/")
    page.get_by_label("电子邮箱").fill("other@example.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(base + "/me/")
    entry = application.entries.first()
    for path in (f"/me/applications/{application.pk}/", f"/me/applications/{application.pk}/form.pdf",
                 f"/me/applications/{application.pk}/entries/{entry.pk}/file/",
                 f"/me/applications/{application.pk}/scan/file/"):
        response = page.request.get(base + path)
        assert response.status == 404, path
