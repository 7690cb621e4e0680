"""The expert's queue, scores, aggregation and arbitration boundaries, calibration, exports, reminders."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification.models import Notification
from reviews import selectors, services
from reviews.models import Assignment, Review, ReviewSettings, StageScore

pytestmark = pytest.mark.django_db
SENIOR_MAX = {"guidance": 20, "professional": 15, "research": 20, "training": 15, "course": 15, "activity": 15}


def scores_for(total):
    """Aspect scores adding up to `total` (0–100) on the senior aspects, which sum to 100."""
    return {k: Decimal(m) * Decimal(total) / 100 for k, m in SENIOR_MAX.items()}


@pytest.fixture
def staffed(make_under_review, national_secretariat):
    """One eligible senior dossier with two experts assigned and a spare expert in the pool."""
    def make(*, tolerance="15", n_experts=3, **settings_kw):
        app = make_under_review()
        services.eligibility_decide(applications=[app], actor=national_secretariat, outcome="pass")
        services.eligibility_release(actor=national_secretariat)
        experts = [services.expert_create(authority=national_secretariat.authority, actor=national_secretariat,
                                          email=f"e{i}@example.cn", full_name=f"专家{i}", unit=f"单位{i}",
                                          password="Pass-word-2026") for i in range(n_experts)]
        rs = services.review_settings_get(campaign=app.campaign)
        rs.tolerance = Decimal(tolerance)
        for k, v in settings_kw.items():
            setattr(rs, k, v)
        rs.save()
        services.score_categories_sync(campaign=app.campaign)
        services.assignment_run(campaign=app.campaign)
        return app, list(Assignment.objects.filter(application=app).select_related("expert__user")), experts
    return make


def submit(assignment, total):
    return services.review_save(assignment=assignment, actor=assignment.expert.user, scores=scores_for(total),
                                submit=True)


def test_mean_by_default_and_detail_kept(staffed):
    app, (a, b), _ = staffed()
    submit(a, 80)
    assert not StageScore.objects.filter(application=app).exists()
    submit(b, 70)
    score = StageScore.objects.get(application=app, stage="portfolio")
    assert score.score == Decimal("75.00") and score.detail["rule"] == "mean"
    assert sorted(p["total"] for p in score.detail["parts"]) == ["70.00", "80.00"]


def test_median_option(staffed):
    app, assignments, _ = staffed(n_experts=4, experts_per_dossier=3, aggregation="median", tolerance="50")
    for a, t in zip(assignments, (60, 70, 90), strict=True):
        submit(a, t)
    assert StageScore.objects.get(application=app).score == Decimal("70.00")


def test_difference_exactly_at_tolerance_is_within_it(staffed):
    app, (a, b), _ = staffed(tolerance="15")
    submit(a, 80)
    submit(b, 65)
    assert StageScore.objects.get(application=app).score == Decimal("72.50")
    assert not Assignment.objects.filter(application=app, role="arbiter").exists()


def test_one_point_over_tolerance_brings_in_an_arbiter_and_the_closest_two_decide(staffed):
    app, (a, b), spare = staffed(tolerance="15")
    submit(a, 80)
    submit(b, 64)
    assert not StageScore.objects.filter(application=app).exists()
    arbiter = Assignment.objects.get(application=app, role="arbiter")
    assert arbiter.expert not in (a.expert, b.expert)
    submit(arbiter, 76)
    score = StageScore.objects.get(application=app)
    assert score.score == Decimal("78.00") and score.detail["arbitrated"] is True  # mean of 80 and 76
    assert "最接近的两位" in score.detail["rule_label"] and len(score.detail["parts"]) == 3


def test_arbitration_rules():
    D = Decimal
    assert services.arbitrate([D(60), D(90), D(85)], "closest_two")[0] == D("87.50")
    assert services.arbitrate([D(60), D(70), D(80)], "closest_two")[0] == D("70.00")  # tie: median
    assert services.arbitrate([D(60), D(90), D(85)], "mean_all")[0] == D("78.33")
    assert services.arbitrate([D(60), D(90), D(85)], "median_all")[0] == D("85.00")


def test_score_above_maximum_and_unassigned_are_refused_with_nothing_written(staffed):
    app, (a, b), (x, y, z) = staffed()
    bad = scores_for(80) | {"guidance": Decimal("21")}
    with pytest.raises(ValidationError) as exc:
        services.review_save(assignment=a, actor=a.expert.user, scores=bad, submit=True)
    assert "0至20分之间" in str(exc.value)
    assert not Review.objects.exists()
    with pytest.raises(ValidationError, match="未分配给您"):
        services.review_save(assignment=a, actor=b.expert.user, scores=scores_for(50))


def test_drafts_then_submit_then_closed(staffed):
    app, (a, _), _ = staffed()
    services.review_save(assignment=a, actor=a.expert.user, scores={"guidance": "10"}, comment="初评")
    review = Review.objects.get()
    assert review.status == Review.Status.DRAFT and review.total is None
    with pytest.raises(ValidationError, match="请为"):
        services.review_save(assignment=a, actor=a.expert.user, scores={"guidance": "10"}, submit=True)
    submit(a, 90)
    with pytest.raises(ValidationError, match="已提交"):
        submit(a, 10)


def test_expert_sees_only_assigned_and_co_reviews_after_own_submission(client, staffed, make_user):
    app, (a, b), (x, y, z) = staffed()
    outsider = next(e for e in (x, y, z) if e not in (a.expert, b.expert))
    client.force_login(outsider.user)
    assert client.get(reverse("reviews:expert_task", args=[a.pk])).status_code == 404
    entry = app.entries.get(item_code="B1")
    assert client.get(reverse("reviews:expert_task_file", args=[a.pk, entry.pk])).status_code == 404
    assert client.post(reverse("reviews:expert_task", args=[a.pk]), {"action": "submit"}).status_code == 404
    submit(b, 55)
    client.force_login(a.expert.user)
    page = client.get(reverse("reviews:expert_task", args=[a.pk])).content.decode()
    assert "55.00" not in page and 'id="co-reviews"' not in page
    assert reverse("reviews:expert_task_file", args=[a.pk, entry.pk]) in page
    assert app.profile_snapshot["id_number"] not in page and app.profile_snapshot["mobile"] not in page
    response = client.post(reverse("reviews:expert_task", args=[a.pk]),
                           {"action": "submit", **{f"score_{k}": str(v) for k, v in scores_for(60).items()}})
    assert response.status_code == 302
    page = client.get(reverse("reviews:expert_task", args=[a.pk])).content.decode()
    assert 'id="co-reviews"' in page and "55.00" in page
    queue = client.get(reverse("reviews:expert_tasks")).content.decode()
    assert app.number in queue


def test_over_maximum_through_the_page_says_why(client, staffed):
    app, (a, _), _ = staffed()
    client.force_login(a.expert.user)
    response = client.post(reverse("reviews:expert_task", args=[a.pk]),
                           {"action": "submit", **{f"score_{k}": str(v) for k, v in scores_for(60).items()},
                            "score_guidance": "25"})
    assert response.status_code == 400 and "0至20分之间" in response.content.decode()


def test_anonymous_review_hides_name_and_unit(client, staffed):
    app, (a, _), _ = staffed(anonymous=True)
    client.force_login(a.expert.user)
    page = client.get(reverse("reviews:expert_task", args=[a.pk])).content.decode()
    assert app.profile_snapshot["full_name"] not in page and app.profile_snapshot["employer"] not in page
    assert "匿名评审" in page


def test_other_province_secretariat_cannot_open_portfolio(client, staffed, jiangsu_secretariat):
    app, _, _ = staffed()
    client.force_login(jiangsu_secretariat)
    assert client.get(reverse("reviews:portfolio", args=[app.campaign.slug])).status_code == 404
    assert client.get(reverse("reviews:calibration", args=[app.campaign.slug])).status_code == 404


def test_calibration_flags_the_outlier_and_draws_svg(client, national_secretariat, make_under_review):
    from reviews.models import Expert

    apps = [make_under_review() for _ in range(6)]
    services.eligibility_decide(applications=apps, actor=national_secretariat, outcome="pass")
    services.eligibility_release(actor=national_secretariat)
    experts = [services.expert_create(authority=national_secretariat.authority, actor=national_secretariat,
                                      email=f"c{i}@example.cn", full_name=f"校准{i}", unit=f"单位{i}")
               for i in range(7)]
    rs = services.review_settings_get(campaign=apps[0].campaign)
    rs.tolerance = Decimal("100")
    rs.save()
    services.score_categories_sync(campaign=apps[0].campaign)
    harsh = experts[0]
    for i, app in enumerate(apps):
        pair = [harsh, experts[1 + i]]
        for e in pair:
            a = Assignment.objects.create(application=app, expert=e, campaign=app.campaign)
            services.review_save(assignment=a, actor=e.user, submit=True,
                                 scores=scores_for(30 if e == harsh else 80 + i % 3))
    rows = {r["expert"].pk: r for r in selectors.calibration(campaign=apps[0].campaign)}
    assert rows[harsh.pk]["count"] == 6 and rows[harsh.pk]["deviation"] < -45
    assert rows[harsh.pk]["flag"] and not any(r["flag"] for k, r in rows.items() if k != harsh.pk)
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:calibration", args=[apps[0].campaign.slug])).content.decode()
    assert "<svg" in page and "<circle" in page and "偏离专家组" in page and "http://" not in page.split("<svg")[1][
        :200].replace("http://www.w3.org/2000/svg", "")
    assert isinstance(Expert.objects.get(pk=harsh.pk), Expert)


def test_scores_export_and_overview_show_aggregate(client, staffed, national_secretariat):
    from openpyxl import load_workbook

    app, (a, b), _ = staffed()
    submit(a, 80)
    submit(b, 70)
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:portfolio", args=[app.campaign.slug])).content.decode()
    assert "75.00" in page and "专家评分的平均分" in page
    response = client.get(reverse("reviews:scores_export", args=[app.campaign.slug]))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[1][0] == app.number and rows[1][3] == 75


def test_overdue_experts_get_one_reminder_a_day(staffed):
    app, (a, b), _ = staffed(review_due=timezone.localdate() - dt.timedelta(days=1))
    submit(b, 70)
    assert services.reviews_remind_overdue() == 1
    note = Notification.objects.filter(template="review_overdue").get()
    assert note.recipient == a.expert.user and "1 份" in note.body
    assert services.reviews_remind_overdue() == 0
    assert services.reviews_remind_overdue(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1


def test_settings_are_per_campaign(staffed):
    app, _, _ = staffed()
    assert ReviewSettings.objects.get(campaign=app.campaign).experts_per_dossier == 2
