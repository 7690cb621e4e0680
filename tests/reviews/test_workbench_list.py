"""资格审查工作台 list at a province's scale (issue 13): a page is read on its index, its rows are worked out
once, and what it shows (links, states, pending decisions, paging) is what it showed before."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applicants.models import Application
from certification.models import Campaign
from reviews import selectors, services

pytestmark = pytest.mark.django_db
S = Application.Status


def _plan(sql: str) -> str:
    """PostgreSQL's plan for `sql` with scans and sorts priced out: a test table is so small (and unanalysed) that
    reading and sorting it all would win anyway; the question is whether the index can serve the order at all (a
    sort it cannot avoid still shows, priced out or not)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
def test_a_page_and_its_count_come_from_the_list_index_without_sorting_the_table(client, make_under_review,
                                                                                 national_secretariat):
    for _ in range(3):
        make_under_review()
    # Several campaigns in the scope: the index order has to hold across `campaign_id IN (...)`.
    assert len(selectors.authority_campaigns(user=national_secretariat)) > 1
    client.force_login(national_secretariat)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("reviews:eligibility_list")).content.decode()
    assert page.count("application-row") == 3
    statement = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"] and "OFFSET" in q["sql"])
    plan = _plan(statement)
    # The page's ids and the list's total: scans of the partial covering index in its order (index-only once
    # the visibility map is set, as autovacuum keeps it), the only sort the page's own rows' (aliased `a`).
    assert plan.count("Scan using application_list_order") == 2, plan
    assert "Sort Key: applicants_application." not in plan, plan
    assert "profile_snapshot" not in statement and "eligibility_rules" not in statement


def test_the_return_link_shows_exactly_when_the_permission_allows_and_values_are_escaped(client, make_under_review,
                                                                                         national_secretariat):
    fresh = make_under_review(employer="<i>实验</i>中学")
    used = make_under_review()
    Application.objects.filter(pk=used.pk).update(amendment_used=True)
    decided = make_under_review()
    services.eligibility_decide(applications=[decided], actor=national_secretariat, outcome="pass")
    eligible = make_under_review()
    Application.objects.filter(pk=eligible.pk).update(status=S.ELIGIBLE)
    client.force_login(national_secretariat)
    page = client.get(reverse("reviews:eligibility_list")).content.decode()
    rows = page.split('<tr class="application-row">')[1:]
    allowed = {}
    for app in (fresh, used, decided, eligible):
        app.refresh_from_db()
        row = next(r for r in rows if f'href="{reverse("reviews:eligibility_detail", args=[app.pk])}"' in r)
        allowed[app.pk] = national_secretariat.has_perm("reviews.return_for_amendment", app)
        assert (reverse("reviews:eligibility_return", args=[app.pk]) in row) is allowed[app.pk]
        assert ('name="ids"' in row) is (app.status == S.UNDER_REVIEW)
        if app == used:
            assert '<span class="tag">已修改</span>' in row
        if app == decided:
            assert '<td class="decision">资格审查通过</td>' in row
        if app == eligible:
            assert "资格审查通过</span>" in row and '<td class="decision"></td>' in row
    assert allowed == {fresh.pk: True, used.pk: False, decided.pk: True, eligible.pk: False}
    assert "&lt;i&gt;实验&lt;/i&gt;中学" in page and "<i>实验</i>" not in page


def test_pages_past_the_end_below_one_or_not_numbers_read_as_django_paginator_does(client, make_under_review,
                                                                                    national_secretariat,
                                                                                    monkeypatch):
    from reviews import views

    monkeypatch.setattr(views, "REVIEW_PAGE_SIZE", 2)
    apps = [make_under_review() for _ in range(3)]
    services.eligibility_decide(applications=apps[:1], actor=national_secretariat, outcome="pass")
    client.force_login(national_secretariat)
    url = reverse("reviews:eligibility_list")
    cases = (("9", "第 2/2 页", 1), ("0", "第 2/2 页", 1), ("x", "第 1/2 页", 2), ("", "第 1/2 页", 2))
    for page, shown, rows in cases:
        html = client.get(url, {"page": page}).content.decode()
        assert shown in html and html.count("application-row") == rows and "共 3 份" in html, page
        assert 'id="pending-count">1<' in html
    # Nothing listed: the pending decisions are still counted and offered for release.
    html = client.get(url, {"q": "没有这个人"}).content.decode()
    assert "暂无申请" in html and "共 0 份" in html and 'id="pending-count">1<' in html
    html = client.get(url, {"status": S.UNDER_REVIEW, "page": "2"}).content.decode()
    assert "第 2/2 页" in html and html.count("application-row") == 1


def test_an_authority_without_campaigns_sees_an_empty_list(client, make_user, seeded):
    from certification.models import Authority, Province, Role

    Authority.objects.create(name="新设协会", kind=Authority.Kind.PROVINCIAL, province=Province.objects.first())
    client.force_login(make_user(Role.PROVINCIAL_SECRETARIAT, "新设协会"))
    html = client.get(reverse("reviews:eligibility_list"), {"page": "3"}).content.decode()
    assert "暂无申请" in html and "共 0 份" in html and "pending-count" not in html


def test_the_page_statement_runs_on_sqlite_too():
    """`make run` without a DATABASE_URL serves from SQLite: the hand-written statement may use nothing only
    PostgreSQL understands (CI runs on PostgreSQL, so a run on SQLite would not catch it)."""
    sql = selectors._PAGE_SQL
    for postgres_only in ("ANY(", "::", "ILIKE", "DISTINCT ON", "@>", "#>"):
        assert postgres_only not in sql, postgres_only


def test_the_total_is_kept_between_pages_and_follows_every_saved_application(client, make_under_review,
                                                                          national_secretariat):
    """Counting reads the whole index: the total is kept (per scope and filters) and dropped by any saved
    application, so a new submission shows at once."""
    make_under_review()
    make_under_review()
    client.force_login(national_secretariat)
    url = reverse("reviews:eligibility_list")
    assert "共 2 份" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        assert "共 2 份" in client.get(url).content.decode()
    assert not any("AS listed" in q["sql"] for q in ctx.captured_queries), "the kept total was not used"
    make_under_review()  # submitted and paid through the services: saved applications
    assert "共 3 份" in client.get(url).content.decode()
    assert "共 1 份" in client.get(url, {"q": "申请人3"}).content.decode()


def test_the_campaign_filter_is_kept_and_follows_every_saved_campaign(client, national_secretariat):
    """The authority's campaigns are read once, then kept until a campaign is saved or deleted."""
    client.force_login(national_secretariat)
    url = reverse("reviews:eligibility_list")
    first = selectors.authority_campaigns(user=national_secretariat)
    with CaptureQueriesContext(connection) as ctx:
        kept = selectors.authority_campaigns(user=national_secretariat)
    assert not ctx.captured_queries, "the kept campaigns were not used"
    assert [(c.pk, c.slug, c.title, c.year, c.level) for c in kept] == \
        [(c.pk, c.slug, c.title, c.year, c.level) for c in first]
    assert "新设认证活动" not in client.get(url).content.decode()
    fresh = Campaign.objects.get(pk=first[0].pk)  # a copy of one, saved as a new campaign of the authority
    fresh.pk, fresh.slug, fresh.title, fresh.year = None, "kept-list-new", "新设认证活动", 2031
    fresh.save()
    assert "新设认证活动" in client.get(url).content.decode()
    fresh.delete()
    assert "新设认证活动" not in client.get(url).content.decode()


def test_the_filter_shows_what_was_chosen(client, make_under_review, national_secretariat, demo):
    make_under_review()
    client.force_login(national_secretariat)
    campaign = demo["senior"]
    page = client.get(reverse("reviews:eligibility_list"), {
        "campaign": campaign.slug, "level": "senior", "status": "under_review", "track": "regular"}).content.decode()
    assert f'<option value="{campaign.slug}" selected>{campaign.title}</option>' in page
    assert '<option value="senior" selected>' in page
    assert '<option value="under_review" selected>' in page
    assert '<option value="regular" selected>' in page
    filters = page.split('<form method="get" class="filters">', 1)[1].split("</form>", 1)[0]
    assert filters.count(" selected>") == 4  # nothing else chosen: the verdict stays 全部
    others = [c for c in selectors.authority_campaigns(user=national_secretariat) if c.pk != campaign.pk]
    assert others and all(f'<option value="{c.slug}">' in page for c in others)
