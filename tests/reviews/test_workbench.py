"""资格审查工作台: decisions kept pending and released together, flags, scoping, files, filters."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applicants.models import Application
from certification.models import AuditEntry, Notification
from reviews import services
from reviews.models import EligibilityDecision

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db
S = Application.Status


def test_decisions_pending_until_released_then_applicants_notified(client, make_under_review,
                                                                   national_secretariat):
    a, b, c = make_under_review(), make_under_review(), make_under_review()
    client.force_login(national_secretariat)
    response = client.post(reverse("reviews:eligibility_decide"), {"ids": [a.pk, b.pk], "outcome": "pass"})
    assert response.status_code == 302
    clause_code = services.eligibility_clauses(c.campaign)[1][0]
    client.post(reverse("reviews:eligibility_decide"), {"ids": [c.pk], "outcome": "fail", "reason": "学历证明不符",
                                                        "clause_code": clause_code})
    for app in (a, b, c):
        app.refresh_from_db()
        assert app.status == S.UNDER_REVIEW  # nothing moves before release
    page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert 'id="pending-count">3<' in page
    # The applicant's timeline says nothing until the release.
    assert not AuditEntry.objects.for_object(a).filter(action__startswith="reviews.eligibility.").exists()
    before = Notification.objects.count()
    client.post(reverse("reviews:eligibility_release"), {})
    statuses = {x.pk: Application.objects.get(pk=x.pk).status for x in (a, b, c)}
    assert statuses == {a.pk: S.ELIGIBLE, b.pk: S.ELIGIBLE, c.pk: S.INELIGIBLE}
    assert Notification.objects.count() - before == 3
    rejected = AuditEntry.objects.for_object(c).get(action="reviews.eligibility.rejected")
    assert "学历证明不符" in rejected.reason
    assert c.campaign.eligibility_rules["criteria"][1]["clause"] in rejected.reason
    assert set(EligibilityDecision.objects.values_list("status", flat=True)) == {"released"}
    with pytest.raises(ValidationError):
        services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="fail", reason="x",
                                    clause_code=clause_code)


def test_fail_needs_reason_and_a_clause_of_the_rule_set_and_writes_nothing_half(make_under_review,
                                                                             national_secretariat):
    a, b = make_under_review(), make_under_review()
    with pytest.raises(ValidationError, match="填写原因"):
        services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="fail", clause_code="x")
    with pytest.raises(ValidationError, match="条款"):
        services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="fail", reason="原因",
                                    clause_code="no-such-rule")
    Application.objects.filter(pk=b.pk).update(status=S.ELIGIBLE)
    with pytest.raises(ValidationError, match="只有资格审查中"):
        services.eligibility_decide(applications=[a, b], actor=national_secretariat, outcome="pass")
    assert not EligibilityDecision.objects.exists()  # a's decision rolled back with b's refusal


def test_other_authority_gets_404_and_the_service_refuses(client, make_under_review, jiangsu_secretariat):
    a = make_under_review()
    client.force_login(jiangsu_secretariat)
    assert client.get(reverse("reviews:eligibility_detail", args=[a.pk])).status_code == 404
    entry = a.entries.get(item_code="B1")
    assert client.get(reverse("reviews:eligibility_entry_file", args=[a.pk, entry.pk])).status_code == 404
    client.post(reverse("reviews:eligibility_decide"), {"ids": [a.pk], "outcome": "pass"})
    assert not EligibilityDecision.objects.exists()
    with pytest.raises(ValidationError, match="不属于您所在认证机构"):
        services.eligibility_decide(applications=[a], actor=jiangsu_secretariat, outcome="pass")


def test_return_refused_while_a_decision_is_pending(make_under_review, national_secretariat):
    import datetime as dt

    from django.utils import timezone

    a = make_under_review()
    services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="pass")
    with pytest.raises(ValidationError, match="待发布"):
        services.eligibility_return(application=a, actor=national_secretariat, reason="x",
                                    deadline=timezone.now() + dt.timedelta(days=2))
    services.eligibility_decision_withdraw(application=a, actor=national_secretariat)
    services.eligibility_return(application=a, actor=national_secretariat, reason="x",
                                deadline=timezone.now() + dt.timedelta(days=2))
    a.refresh_from_db()
    assert a.status == S.RETURNED


def test_exceptional_track_pass_skips_scored_stages(make_under_review, national_secretariat):
    a = make_under_review(track="exceptional")
    services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="pass")
    services.eligibility_release(actor=national_secretariat)
    a.refresh_from_db()
    assert a.status == S.CERTIFIED
    assert list(AuditEntry.objects.for_object(a).filter(action__startswith="reviews.eligibility.")
                .values_list("to_state", flat=True)) == [S.ELIGIBLE, S.CERTIFIED]


def test_application_page_shows_everything_with_inline_evidence_and_flags(client, make_under_review,
                                                                          national_secretariat):
    same = pdf_bytes(pages=3)
    a = make_under_review(pdf=same)
    b = make_under_review(pdf=same)
    # The same ID number applying in another province's campaign the same year (e.g. a second account).
    snap = dict(b.profile_snapshot, id_number=a.profile_snapshot["id_number"], province="吉林省")
    Application.objects.filter(pk=b.pk).update(profile_snapshot=snap)
    # An entry dated outside the window.
    end = a.campaign.application_end
    a.entries.filter(item_code="B1").update(occurred_on=end.replace(year=end.year - 20))
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:eligibility_detail", args=[a.pk])).content.decode()
    assert "附件内容完全相同" in page and b.number in page
    assert "同一身份证号码本年度还在吉林省申报" in page
    assert "认定期限内" in page
    entry = a.entries.get(item_code="B1")
    assert reverse("reviews:eligibility_entry_file", args=[a.pk, entry.pk]) in page and "<iframe" in page
    assert a.profile_snapshot["id_number"] not in page  # masked
    assert "资格自动核验" in page and a.campaign.eligibility_rules["criteria"][0]["clause"] in page
    response = client.get(reverse("reviews:eligibility_entry_file", args=[a.pk, entry.pk]))
    assert response.status_code == 200 and response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" not in response.get("Content-Security-Policy", "")
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == same


def test_recompute_on_demand(client, make_under_review, national_secretariat):
    a = make_under_review()
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:eligibility_detail", args=[a.pk]), {"recompute": "1"}).content.decode()
    assert "按当前资料重新核验" in page


def test_list_filters_and_search(client, make_under_review, national_secretariat):
    a = make_under_review(employer="苏州中学", full_name="王小明")
    b = make_under_review(employer="无锡一中", full_name="李四")
    client.force_login(national_secretariat)
    url = reverse("reviews:eligibility_list")
    page = client.get(url, {"q": "王小明"}).content.decode()
    assert a.number in page and b.number not in page
    page = client.get(url, {"q": b.number}).content.decode()
    assert b.number in page and a.number not in page
    page = client.get(url, {"unit": "无锡"}).content.decode()
    assert b.number in page and a.number not in page
    page = client.get(url, {"track": "exceptional"}).content.decode()
    assert "暂无申请" in page
    page = client.get(url, {"level": "junior"}).content.decode()
    assert "暂无申请" in page
    # The engine's verdict stored at submission: B1 without a level leaves 3.1 to the reviewer.
    assert a.eligibility_result["outcome"] == "needs_review"
    page = client.get(url, {"verdict": "needs_review"}).content.decode()
    assert a.number in page and b.number in page and "待人工审核" in page
    page = client.get(url, {"verdict": "passed"}).content.decode()
    assert a.number not in page


def test_workbench_list_query_count_flat(client, make_under_review, national_secretariat,
                                         django_assert_max_num_queries):
    make_under_review()
    client.force_login(national_secretariat)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("reviews:eligibility_list"))
    for _ in range(4):
        make_under_review()
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert page.count("application-row") == 5


def test_decisions_export_is_xlsx(client, make_under_review, national_secretariat):
    from openpyxl import load_workbook

    a = make_under_review()
    services.eligibility_decide(applications=[a], actor=national_secretariat, outcome="pass")
    client.force_login(national_secretariat)
    response = client.get(reverse("reviews:eligibility_export", args=[a.campaign.slug]))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][0] == "申报编号" and rows[1][0] == a.number and rows[1][5] == "资格审查通过"
