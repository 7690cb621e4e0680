"""The public catalogue (全部认证) and campaign pages."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.models import Campaign


def _titles(response):
    return re.findall(r'<h2><a href="/campaigns/[^/]+/">([^<]+)</a></h2>', response.content.decode())


def test_catalogue_lists_published_campaigns(seeded, client):
    titles = _titles(client.get("/"))
    assert sorted(titles) == sorted(c.title for c in seeded.values())


def test_filter_by_province_shows_that_province_and_national_campaigns(seeded, client):
    titles = _titles(client.get("/", {"province": "320000"}))
    assert sorted(titles) == sorted([
        seeded["jiangsu-junior-2024"].title, seeded["jiangsu-intermediate-2024"].title,
        seeded["national-senior-2023"].title,
    ])
    assert seeded["jilin-junior-2024"].title not in titles


def test_filter_by_province_without_its_own_campaigns_shows_only_national_ones(seeded, client):
    assert _titles(client.get("/", {"province": "810000"})) == [seeded["national-senior-2023"].title]


def test_filter_by_level(seeded, client):
    assert sorted(_titles(client.get("/", {"level": "junior"}))) == sorted([
        seeded["jiangsu-junior-2024"].title, seeded["jilin-junior-2024"].title])
    assert _titles(client.get("/", {"province": "320000", "level": "senior"})) == [
        seeded["national-senior-2023"].title]


def test_drafts_are_neither_listed_nor_shown_to_the_public(seeded, client, applicant):
    draft = seeded["jilin-junior-2024"]
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.DRAFT)
    assert draft.title not in _titles(client.get("/"))
    assert client.get(f"/campaigns/{draft.slug}/").status_code in (403, 404)
    client.force_login(applicant)
    assert draft.title not in _titles(client.get("/"))
    assert client.get(f"/campaigns/{draft.slug}/").status_code in (403, 404)


def test_own_secretariat_previews_its_draft(seeded, client, jilin_secretariat):
    draft = seeded["jilin-junior-2024"]
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.DRAFT)
    client.force_login(jilin_secretariat)
    response = client.get(f"/campaigns/{draft.slug}/")
    assert response.status_code == 200
    assert "草稿（未发布）" in response.content.decode()


def test_detail_page_shows_rules_dates_fee_contacts_and_phase_in_chinese(seeded, client):
    page = client.get("/campaigns/national-senior-2023/").content.decode()
    assert "报名条件" in page
    assert "已于2021（含）年度前获得中级科技辅导员认证资格，不接受跨级申报。" in page
    assert "十佳优秀科技辅导员" in page  # the exceptional track
    assert "2023年5月5日 – 2023年6月10日" in page
    assert "2023年7月14日" in page
    assert "¥500.00" in page and "¥350.00" in page
    assert "张增" in page and "010-68516005" in page
    assert '<span class="tag phase-closed" id="phase">已截止</span>' in page
    assert "50%" in page and "15%" in page and "35%" in page


def test_detail_page_labels_values_the_notices_do_not_give(seeded, client):
    page = client.get("/campaigns/jilin-junior-2024/").content.decode()
    fee = re.search(r'<dd id="fee">(.*?)</dd>', page, re.S).group(1)
    assert "¥100.00" in fee and "示例" in fee


def test_detail_page_shows_open_phase_for_a_window_around_today(seeded, client):
    c = seeded["jiangsu-junior-2024"]
    today = timezone.localdate()
    Campaign.objects.filter(pk=c.pk).update(application_start=today, application_end=today)
    page = client.get(f"/campaigns/{c.slug}/").content.decode()
    assert '<span class="tag phase-open" id="phase">报名中</span>' in page
    Campaign.objects.filter(pk=c.pk).update(application_start=today + dt.timedelta(days=1),
                                            application_end=today + dt.timedelta(days=2))
    assert '<span class="tag phase-upcoming" id="phase">未开始</span>' in client.get(
        f"/campaigns/{c.slug}/").content.decode()


def _shanghai(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_fixed_timezone(8 * 60))


@pytest.mark.parametrize("moment,phase", [
    ((2023, 5, 4, 23, 59, 59), Campaign.Phase.UPCOMING),
    ((2023, 5, 5, 0, 0, 0), Campaign.Phase.OPEN),
    ((2023, 6, 10, 23, 59, 59), Campaign.Phase.OPEN),
    ((2023, 6, 11, 0, 0, 0), Campaign.Phase.CLOSED),
])
def test_phase_boundaries_are_inclusive_in_asia_shanghai(seeded, moment, phase):
    assert seeded["national-senior-2023"].phase(_shanghai(*moment)) == phase


def test_phase_boundary_does_not_depend_on_utc(seeded):
    # 2023-06-10 16:00:00 UTC is 2023-06-11 00:00:00 in Beijing: already closed.
    c = seeded["national-senior-2023"]
    assert c.phase(dt.datetime(2023, 6, 10, 15, 59, 59, tzinfo=dt.UTC)) == Campaign.Phase.OPEN
    assert c.phase(dt.datetime(2023, 6, 10, 16, 0, 0, tzinfo=dt.UTC)) == Campaign.Phase.CLOSED


def _clone_campaigns(template: Campaign, n: int):
    fields = {f.attname: getattr(template, f.attname) for f in Campaign._meta.concrete_fields
              if f.attname not in ("id", "slug", "year", "created_at", "updated_at")}
    Campaign.objects.bulk_create(
        Campaign(**fields, slug=f"{template.slug}-extra-{i}", year=1990 + i) for i in range(n))


def test_catalogue_query_count_stays_flat(seeded, client, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as baseline:
        assert client.get("/", {"province": "320000"}).status_code == 200
    _clone_campaigns(seeded["jiangsu-junior-2024"], 15)
    _clone_campaigns(seeded["national-senior-2023"], 15)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get("/", {"province": "320000"})
    assert len(_titles(response)) == 33


def test_rules_list_only_the_sub_items_a_rule_has(seeded, client):
    """A rule without sub-items must not list the rule's own keys as empty bullets."""
    import re

    page = client.get("/campaigns/national-senior-2023/").content.decode()
    rules = page.split('<ol class="rules">', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"<li>\s*</li>", rules) == []
    assert rules.count("<ul>") == 1 and "3.1 近十年内" in rules and "3.3 近十年内" in rules


# Speed (issue 13 item 1): what the catalogue reads and renders, without changing what it shows.

def _catalogue_sql(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/", params or {}).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_catalogue_reads_no_province_table_and_no_wide_campaign_columns(seeded, client):
    """The filter's provinces come from the reference list, and a card reads only what it shows: not the rule
    set, contacts or other JSON documents of every campaign."""
    for params in ({}, {"province": "320000", "level": "senior"}):
        sql = _catalogue_sql(client, params)
        assert not any('FROM "certification_province"' in q for q in sql)
        campaign_sql = [q for q in sql if 'FROM "certification_campaign"' in q]
        assert len(campaign_sql) == 1
        for column in ("eligibility_rules", "contacts", "portfolio_aspects", "example_fields", "summary"):
            assert f'"certification_campaign"."{column}"' not in campaign_sql[0]


def test_filter_select_lists_every_province_of_the_table_and_keeps_the_choice(seeded, client):
    from certification.models import Province

    page = client.get("/", {"province": "320000"}).content.decode()
    select = page.split('<select name="province" id="id_province">', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]+)</option>', select)
    assert [(code, name) for code, _, name in options[1:]] == list(Province.objects.values_list("code", "name"))
    assert options[0] == ("", "", "全部省份")
    assert [code for code, selected, _ in options if selected] == ["320000"]


@pytest.mark.parametrize("value", [None, "", "320000", "999999", ["320000", "110000"]])
def test_plain_select_renders_exactly_what_django_select_renders(value):
    from django import forms

    from certification.widgets import PlainSelect

    choices = [("", "全部 <省份>"), ("320000", "江苏省"), ("110000", 'A "quoted" & name'), ("320000", "dup")]
    attrs = {"id": "id_x", "required": True, "disabled": False, "data-x": "<y>"}
    assert PlainSelect(choices=choices).render("x", value, attrs) == forms.Select(choices=choices).render(
        "x", value, attrs)


def test_plain_select_leaves_option_groups_to_django():
    from django import forms

    from certification.widgets import PlainSelect

    choices = [("", "—"), ("华东", [("320000", "江苏省"), ("330000", "浙江省")])]
    assert PlainSelect(choices=choices).render("x", "330000") == forms.Select(choices=choices).render("x", "330000")


def test_cards_follow_every_change_of_what_they_show(seeded, client):
    """Cards are memoised by what they show: a changed title, fee, authority name or phase shows at once."""
    c = seeded["jiangsu-junior-2024"]
    today = timezone.localdate()
    before = client.get("/").content.decode()
    assert '<span class="tag phase-closed">已截止</span>' in before
    Campaign.objects.filter(pk=c.pk).update(title="改名后的活动", fee="123.45", application_start=today,
                                            application_end=today)
    c.authority.name = "改名后的协会"
    c.authority.save()
    card = client.get("/").content.decode().split("改名后的活动", 1)[1].split("</li>", 1)[0]
    assert "¥123.45" in card and "改名后的协会" in card
    assert '<span class="tag phase-open">报名中</span>' in card
    assert f"{today.year}年{today.month}月{today.day}日24:00（北京时间）" in card


def test_catalogue_never_shows_a_closed_campaign_as_open(seeded, client):
    c = seeded["jiangsu-junior-2024"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Campaign.objects.filter(pk=c.pk).update(application_start=yesterday - dt.timedelta(days=5),
                                            application_end=yesterday)
    card = client.get("/").content.decode().split(c.title, 1)[1].split("</li>", 1)[0]
    assert '<span class="tag phase-closed">已截止</span>' in card
