"""Seed campaigns of the notices, provinces, the weight constraint and the demo campaigns."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.models import AuditEntry, Authority, Campaign, Province, User


def _counts():
    return {m.__name__: m.objects.count() for m in (Province, Authority, Campaign, AuditEntry, User)}


def test_seed_command_is_idempotent(db):
    call_command("load_seed_campaigns", stdout=io.StringIO())
    first = _counts()
    call_command("load_seed_campaigns", stdout=io.StringIO())
    assert _counts() == first
    assert first["Province"] == 34
    assert first["Campaign"] == 4


@pytest.mark.parametrize("code,name", [
    ("110000", "北京市"), ("220000", "吉林省"), ("320000", "江苏省"), ("540000", "西藏自治区"),
    ("620000", "甘肃省"), ("650000", "新疆维吾尔自治区"), ("710000", "台湾省"), ("810000", "香港特别行政区"),
    ("820000", "澳门特别行政区"),
])
def test_provinces_carry_their_gbt_2260_codes(seeded, code, name):
    assert Province.objects.get(code=code).name == name


def test_all_34_provincial_divisions_with_distinct_codes(seeded):
    codes = list(Province.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 34
    assert all(len(c) == 6 and c.endswith("0000") for c in codes)


def test_national_senior_2023_values_from_the_notice(seeded):
    c = seeded["national-senior-2023"]
    c.refresh_from_db()
    assert (c.application_start, c.application_end) == (dt.date(2023, 5, 5), dt.date(2023, 6, 10))
    assert c.exam_date == dt.date(2023, 7, 14)
    assert c.fee == Decimal("500.00")
    assert c.member_fee == Decimal("350.00")
    assert (c.weight_portfolio, c.weight_exam, c.weight_defense) == (50, 15, 35)
    assert c.province is None and c.authority.kind == Authority.Kind.NATIONAL
    assert c.paper_certificate and c.electronic_certificate
    assert [e["kind"] for e in c.eligibility_rules["exceptional"]] == ["honour_title"]


def test_jilin_junior_2024_values_from_the_notice(seeded):
    c = Campaign.objects.get(slug="jilin-junior-2024")
    assert (c.application_start, c.application_end) == (dt.date(2024, 8, 5), dt.date(2024, 9, 8))
    assert c.notice_working_days == 5
    assert (c.weight_portfolio, c.weight_exam, c.weight_defense) == (100, 0, 0)
    assert not c.has_exam and not c.has_defense
    assert not c.paper_certificate
    assert c.province.code == "220000"


def test_jiangsu_junior_2024_values_from_the_notice(seeded):
    c = Campaign.objects.get(slug="jiangsu-junior-2024")
    assert c.fee == Decimal("100.00")
    assert (c.application_start, c.application_end) == (dt.date(2025, 1, 20), dt.date(2025, 3, 3))
    assert c.has_exam and not c.has_defense
    assert Campaign.objects.get(slug="jiangsu-intermediate-2024").allows_cross_level


def test_database_refuses_weights_not_summing_to_100(seeded):
    c = seeded["national-senior-2023"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=c.pk).update(weight_exam=20)
    c.refresh_from_db()
    assert c.weight_exam == 15


def test_full_clean_explains_bad_weights_in_chinese(seeded):
    c = seeded["national-senior-2023"]
    c.weight_defense = 40
    with pytest.raises(ValidationError) as exc:
        c.full_clean()
    assert "各环节权重之和必须为100。" in exc.value.messages


def test_full_clean_refuses_a_window_ending_before_it_starts(seeded):
    c = seeded["jilin-junior-2024"]
    c.application_end = c.application_start - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        c.full_clean()
    assert "报名截止日期不能早于开始日期。" in exc.value.messages


def test_load_demo_opens_one_labelled_campaign_per_level_today(db, client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # again: nothing doubles
    demos = list(Campaign.objects.filter(is_demo=True))
    assert sorted(c.level for c in demos) == ["intermediate", "junior", "senior"]
    today = timezone.localdate()
    for c in demos:
        assert c.status == Campaign.Status.PUBLISHED
        assert c.phase() == Campaign.Phase.OPEN
        assert c.application_start <= today <= c.application_end
        assert "演示" in c.title
    assert Campaign.objects.filter(is_demo=False).count() == 4
    assert User.objects.filter(email__endswith="@demo.kjfdy.cn").count() == 6
    page = client.get("/").content.decode()
    assert page.count('<span class="tag demo">演示</span>') == 3


def test_rerunning_the_seed_keeps_secretariat_edits_and_status(seeded):
    Campaign.objects.filter(slug="jilin-junior-2024").update(fee=Decimal("80.00"), status=Campaign.Status.CLOSED)
    call_command("load_seed_campaigns", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="jilin-junior-2024")
    assert (campaign.fee, campaign.status) == (Decimal("80.00"), Campaign.Status.CLOSED)

    call_command("load_seed_campaigns", "--refresh", stdout=io.StringIO())
    campaign.refresh_from_db()
    assert (campaign.fee, campaign.status) == (Decimal("100.00"), Campaign.Status.CLOSED)


def test_demo_titles_name_this_year_once(seeded):
    from certification.seed import load_demo_campaigns

    titles = {c.level: c.title for c in load_demo_campaigns(today=dt.date(2026, 11, 24))}
    assert titles["senior"] == "【演示】2026年全国高级青少年科技辅导员专业水平认证"
    assert titles["junior"] == "【演示】2026年江苏省初级青少年科技辅导员专业水平认证"
