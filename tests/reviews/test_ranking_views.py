"""Pages of ranking and defense: who may see and do what, the applicant's results only after publication, the
XLSX export (streamed, formula-safe) and the SVG charts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applicants.models import Application
from certification.models import Role
from reviews import defense_services as ds
from reviews import ranking_services
from reviews.models import DefenseScore, RankingRound

from .conftest import set_rules

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def published(senior, scored, national_secretariat, django_capture_on_commit_callbacks):
    """Senior: three shortlisted and one not, ranked and published (pass 50% of 3 → 2)."""
    set_rules(senior, pass_value=Decimal("50"))
    rows = {
        "a": scored(senior, S.SHORTLISTED, portfolio=90, exam=80, defense=85, name="=HYPERLINK(\"x\")"),
        "b": scored(senior, S.SHORTLISTED, portfolio=70, exam=60, defense=75, unit="+某单位"),
        "c": scored(senior, S.SHORTLISTED, portfolio=60, exam=50, defense=65),
        "d": scored(senior, S.NOT_SHORTLISTED, portfolio=40, exam=30),
    }
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.ranking_request(campaign=senior, actor=national_secretariat)
    return rows


def _login(client, user):
    client.force_login(user)
    return client


def test_secretariat_sees_the_ranked_list_with_every_part_and_publishes(client, senior, published,
                                                                         national_secretariat):
    _login(client, national_secretariat)
    url = reverse("reviews:ranking_campaign", args=[senior.slug])
    page = client.get(url).content.decode()
    assert "加权总分 = Σ 环节权重(%) × 环节得分 ÷ 100" in page and "入围成绩 =（业绩成果评审权重" in page
    # a: 45 + 12 + 29.75 = 86.75
    assert "86.75" in page and "<td>90.00</td>" in page and "<td>80.00</td>" in page and "<td>85.00</td>" in page
    assert "未入围答辩" in page and "已计算，待公布" in page
    assert "= 45.00 + 12.00 + 29.75" in page  # every part of a's total: 0.5 × 90, 0.15 × 80, 0.35 × 85
    assert 'id="chart-portfolio"' in page and "<svg" in page and "答辩得分分布（共 3 人）" in page
    response = client.post(reverse("reviews:ranking_action", args=[senior.slug, "results_publish"]), follow=True)
    assert "认证结果已公布" in response.content.decode()
    assert RankingRound.objects.get(campaign=senior).status == "published"
    assert Application.objects.get(pk=published["a"].pk).status == S.CERTIFIED
    response = client.post(reverse("reviews:ranking_action", args=[senior.slug, "ranking_compute"]), follow=True)
    assert "认证结果已公布，排名已冻结，不能重新计算。" in response.content.decode()


def test_other_roles_and_other_authorities_are_kept_out(client, senior, published, jiangsu_secretariat, applicant,
                                                        make_user):
    urls = [reverse("reviews:ranking_campaign", args=[senior.slug]),
            reverse("reviews:ranking_export", args=[senior.slug]),
            reverse("reviews:defense_manage", args=[senior.slug])]
    # A provincial secretariat: the national campaign does not exist for them.
    _login(client, jiangsu_secretariat)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("reviews:ranking_action", args=[senior.slug, "results_publish"])).status_code == 404
    assert senior.slug not in client.get(reverse("reviews:ranking_index")).content.decode()
    for user in (applicant, make_user(Role.EXPERT), make_user(Role.SUPERVISOR)):
        _login(client, user)
        for url in urls + [reverse("reviews:ranking_index")]:
            assert client.get(url).status_code == 403
    _login(client, applicant)
    assert client.get(reverse("reviews:defense_expert")).status_code == 403
    assert RankingRound.objects.get(campaign=senior).status == "computed"


def test_applicant_sees_scores_and_rank_only_after_publication(client, senior, published, national_secretariat):
    a = published["a"]
    _login(client, a.applicant)
    mine = reverse("applicants:my_certifications")
    page = client.get(mine).content.decode()
    assert "成绩与排名" not in page and "86.75" not in page
    assert "成绩尚未公布" in client.get(reverse("reviews:my_results")).content.decode()
    ranking_services.results_publish(campaign=senior, actor=national_secretariat)
    for url in (mine, reverse("reviews:my_results")):
        page = client.get(url).content.decode()
        assert "成绩与排名" in page and "86.75" in page
        assert "第 1 名（2023年全国高级青少年科技辅导员专业水平认证，共 4 人）" in page
        assert "认证通过" in page and "高级" in page and "90.00" in page and "85.00" in page
        # Never anyone else's.
        assert published["b"].number not in page
    _login(client, published["d"].applicant)
    page = client.get(mine).content.decode()
    assert "第 4 名" in page and "未入围答辩" in page


def test_export_is_a_streamed_formula_safe_workbook(client, senior, published, national_secretariat):
    _login(client, national_secretariat)
    response = client.get(reverse("reviews:ranking_export", args=[senior.slug]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="national-senior-2023-ranking.xlsx"')
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:4] == ("名次", "同分处理后名次", "申报编号", "姓名")
    first = rows[2]
    assert first[0] == 1 and first[2] == published["a"].number
    assert first[3] == "'=HYPERLINK(\"x\")"      # neutralised, shown as text
    assert first[6:10] == (90, 80, 85, 86.75) and first[10] == "认证通过"
    assert rows[3][4] == "'+某单位"
    assert rows[5][8] is None and rows[5][10] == "未入围答辩"  # d: no defense, ranked, not deciding
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in rows for v in row)


def test_pass_rate_charts_by_province_and_level(client, senior, published, national_secretariat, scored, seeded):
    jilin = seeded["jilin-junior-2024"]
    scored(jilin, S.PORTFOLIO_REVIEW, portfolio=70, province="220000")
    _login(client, national_secretariat)
    page = client.get(reverse("reviews:ranking_index")).content.decode()
    assert 'id="chart-province"' in page and 'id="chart-level"' in page
    # 2 of the 3 deciding (江苏省 applicants in the fixture) pass.
    assert "江苏省" in page and "66.7%（2/3）" in page and "高级" in page
    assert "<script" not in page.split("<main")[1]


def test_expert_scores_only_on_their_own_panel_through_the_page(client, senior, scored, national_secretariat,
                                                                 make_user):
    from reviews.services import expert_create

    experts = [expert_create(authority=senior.authority, actor=national_secretariat, email=f"e{i}@example.cn",
                             full_name=f"专家{i}", unit=f"甲大学{i}") for i in range(2)]
    panel = ds.panel_create(campaign=senior, name="一组", actor=national_secretariat)
    ds.panel_member_add(panel=panel, expert=experts[0], actor=national_secretariat)
    start = timezone.make_aware(dt.datetime(2023, 9, 10, 9, 0))
    slot = ds.slot_create(panel=panel, starts_at=start, ends_at=start + dt.timedelta(minutes=30),
                          meeting_url="https://meeting.example.cn/1", actor=national_secretariat)
    a = scored(senior, S.SHORTLISTED, portfolio=80, exam=70)
    ds.schedule_by_hand(application=a, slot=slot, actor=national_secretariat)
    for user in (experts[1].user, make_user(Role.EXPERT)):  # another panel's expert; an account not in the pool
        _login(client, user)
        assert a.number not in client.get(reverse("reviews:defense_expert")).content.decode()
        page = client.post(reverse("reviews:defense_score", args=[a.pk]), {"score": "80"}, follow=True)
        assert "您不是该申请人所在答辩组的评委，不能为其评分。" in page.content.decode()
    _login(client, experts[0].user)
    assert a.number in client.get(reverse("reviews:defense_expert")).content.decode()
    page = client.post(reverse("reviews:defense_score", args=[a.pk]), {"score": "101"}, follow=True)
    assert "答辩评分必须在0到100之间。" in page.content.decode()
    assert not DefenseScore.objects.exists()
    client.post(reverse("reviews:defense_score", args=[a.pk]), {"score": "88.5"})
    assert DefenseScore.objects.get().score == Decimal("88.50")
    assert a.stage_scores.get(stage="defense").score == Decimal("88.50")


def test_defense_page_actions_and_their_chinese_errors(client, senior, scored, national_secretariat, seeded,
                                                       django_capture_on_commit_callbacks):
    from reviews.models import DefenseBooking, DefenseSettings, StageScore
    from reviews.services import expert_create

    _login(client, national_secretariat)
    url = reverse("reviews:defense_manage", args=[senior.slug])

    def act(action, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reviews:defense_action", args=[senior.slug, action]), data or {},
                                   follow=True)
        return response.content.decode()

    a = scored(senior, S.SHORTLISTED, portfolio=80, exam=70, unit="乙中学")
    b = scored(senior, S.SHORTLISTED, portfolio=70, exam=60, unit="丙中学")
    assert "已创建" in act("panel", {"name": "一组"})
    assert "该认证活动已有同名答辩组" in act("panel", {"name": "一组"})
    panel = senior.defense_panels.get()
    judge = expert_create(authority=senior.authority, actor=national_secretariat, email="j@example.cn",
                          full_name="评委乙", unit="乙中学")
    assert "评委已加入答辩组" in act("member", {"panel": panel.pk, "expert": judge.pk})
    page = act("slot", {"panel": panel.pk, "starts_at": "2023-09-10T10:00", "ends_at": "2023-09-10T09:00",
                        "meeting_url": "https://m.example.cn/1", "capacity": 2})
    assert "结束时间必须晚于开始时间" in page
    assert "答辩时段已创建" in act("slot", {"panel": panel.pk, "starts_at": "2023-09-10T09:00",
                                           "ends_at": "2023-09-10T10:00", "meeting_url": "https://m.example.cn/1",
                                           "capacity": 2})
    slot = panel.slots.get()
    # a works where the only judge works: automatic scheduling leaves a for the secretariat, by hand is refused.
    page = act("auto")
    assert "已自动安排1人" in page and "请手动安排：" + a.number in page
    assert "该答辩组评委需回避：评委乙：专家与申请人同一单位" in act("manual", {"application": a.pk, "slot": slot.pk})
    assert DefenseBooking.objects.get().application == b
    assert "已登记" in act("absent", {"application": a.pk})
    assert StageScore.objects.get(application=a, stage="defense").absent
    assert "答辩计分规则已保存" in act("settings", {"aggregation": DefenseSettings.Aggregation.MEAN})
    assert 'class="msg error"' in act("settings", {"aggregation": "median"})  # not a rule of ours: refused
    assert DefenseSettings.objects.get(campaign=senior).aggregation == DefenseSettings.Aggregation.MEAN
    assert "已向1位申请人发送答辩安排" in act("announce")
    page = client.get(url).content.decode()
    assert b.number in page and "缺席" in page and "评委乙（乙中学）" in page
    # A campaign without a defense has no defense page.
    js = seeded["jiangsu-junior-2024"]
    client.force_login(make_js_secretariat(js))
    assert client.get(reverse("reviews:defense_manage", args=[js.slug])).status_code == 404


def make_js_secretariat(campaign):
    from certification.models import User

    return User.objects.create_user(email="js-sec@example.cn", password="x", role=Role.PROVINCIAL_SECRETARIAT,
                                    authority=campaign.authority)


def test_start_exam_from_the_ranking_page(client, seeded, scored, jiangsu_secretariat):
    js = seeded["jiangsu-junior-2024"]
    a = scored(js, S.PORTFOLIO_REVIEW, portfolio=75)
    _login(client, jiangsu_secretariat)
    page = client.post(reverse("reviews:ranking_action", args=[js.slug, "start_exam"]), follow=True)
    assert "已将完成业绩成果评审的申请移入笔试环节" in page.content.decode()
    a.refresh_from_db()
    assert a.status == S.EXAM
    assert client.post(reverse("reviews:ranking_action", args=[js.slug, "nonsense"])).status_code == 404


def test_results_on_my_certifications_load_no_field_one_by_one(client, senior, published, national_secretariat):
    """我的认证 reads a narrowed set of application and campaign columns; the results section must find all it
    shows there (a missing one would cost a query per application)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ranking_services.results_publish(campaign=senior, actor=national_secretariat)
    _login(client, published["a"].applicant)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("applicants:my_certifications")).content.decode()
    assert "成绩与排名" in page and "86.75" in page and "（权重 50%）" in page
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "applicants_application"' in q for q in sql) == 1
    assert sum('FROM "certification_campaign"' in q for q in sql) == 1  # the open campaigns
    assert sum("reviews_" in q for q in sql) == 2
