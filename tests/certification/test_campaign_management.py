"""Secretariats create, edit and publish their own authority's campaigns, and nobody else's."""

import pytest

from certification.models import AuditEntry, Campaign, Role


def _form_data(**changes):
    data = {
        "title": "2026年江苏省初级青少年科技辅导员专业水平认证", "slug": "jiangsu-junior-2026", "level": "junior",
        "year": "2026", "province": "", "summary": "", "source_notice": "苏青科教发〔2026〕1号",
        "application_start": "2026-03-01", "application_end": "2026-04-15", "exam_date": "", "exam_note": "",
        "defense_start": "", "defense_end": "", "defense_note": "", "results_note": "",
        "fee": "100.00", "member_rate": "0.70", "exceptional_track_free": "on",
        "weight_portfolio": "70", "weight_exam": "30", "weight_defense": "0", "has_exam": "on",
        "portfolio_aspects": "[]", "shortlist_mode": "proportion", "shortlist_value": "",
        "pass_mode": "min_score", "pass_value": "60", "tie_rule": "include_all", "notice_working_days": "5",
        "contacts": '[{"role": "联系人", "name": "刘天源", "phone": "025-86670701", "email": "jssciedu@163.com"}]',
        "certificate_issuers": "江苏省青少年科技教育协会", "electronic_certificate": "on",
        "eligibility_rules": '{"criteria": [], "exceptional": []}',
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_secretariat_creates_a_campaign_of_its_own_authority(seeded, client, jiangsu_secretariat):
    seeded_province = seeded["jiangsu-junior-2024"].province
    client.force_login(jiangsu_secretariat)
    response = client.post("/workbench/campaigns/new/", _form_data(province=str(seeded_province.pk)), follow=True)
    assert response.redirect_chain[-1][0] == "/workbench/campaigns/jiangsu-junior-2026/"
    c = Campaign.objects.get(slug="jiangsu-junior-2026")
    assert c.authority == jiangsu_secretariat.authority
    assert c.status == Campaign.Status.DRAFT
    assert c.contacts[0]["name"] == "刘天源"
    entry = AuditEntry.objects.for_object(c).get()
    assert (entry.action, entry.actor) == ("certification.campaign.created", jiangsu_secretariat)
    assert "认证活动已保存。" in response.content.decode()


def test_form_errors_are_chinese_and_keep_what_was_typed(seeded, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    response = client.post("/workbench/campaigns/new/", _form_data(
        title="我的新活动标题", weight_exam="40", fee="", application_end="2026-02-01"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "请修正下列标出的问题，已填写的内容均已保留。" in page
    assert "各环节权重之和必须为100。" in page
    assert "这个字段是必填项。" in page  # Django's own messages in Chinese
    assert 'value="我的新活动标题"' in page
    assert 'value="40"' in page
    assert "刘天源" in page
    assert not Campaign.objects.filter(slug="jiangsu-junior-2026").exists()


def test_second_campaign_for_same_level_and_year_is_refused_on_the_form(seeded, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    response = client.post("/workbench/campaigns/new/", _form_data(year="2024"))
    assert response.status_code == 200
    assert "同一认证机构同一年度同一级别只能有一个认证活动。" in response.content.decode()
    assert not Campaign.objects.filter(slug="jiangsu-junior-2026").exists()


def test_provincial_secretariat_cannot_target_another_province(seeded, client, jilin_secretariat):
    jiangsu = seeded["jiangsu-junior-2024"].province
    client.force_login(jilin_secretariat)
    response = client.post("/workbench/campaigns/new/", _form_data(province=str(jiangsu.pk)))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Campaign.objects.filter(slug="jiangsu-junior-2026").exists()


def test_secretariat_edits_its_campaign(draft, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    page = client.get(f"/workbench/campaigns/{draft.slug}/edit/").content.decode()
    assert 'value="2025-01-20"' in page and 'value="2025-03-03"' in page
    response = client.post(f"/workbench/campaigns/{draft.slug}/edit/", _form_data(
        slug=draft.slug, year="2024", fee="120.00", province=str(draft.province_id)))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert str(draft.fee) == "120.00"
    assert draft.status == Campaign.Status.DRAFT
    assert AuditEntry.objects.for_object(draft).get().action == "certification.campaign.changed"


def test_secretariat_publishes_its_draft(draft, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    response = client.post(f"/workbench/campaigns/{draft.slug}/publish/", follow=True)
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.PUBLISHED
    page = response.content.decode()
    assert "认证活动已发布。" in page
    assert '<span class="tag status-published" id="status">已发布</span>' in page
    assert draft.title in client.get("/").content.decode()


def test_unpublish_needs_a_reason(seeded, client, jiangsu_secretariat):
    c = seeded["jiangsu-junior-2024"]
    client.force_login(jiangsu_secretariat)
    response = client.post(f"/workbench/campaigns/{c.slug}/unpublish/", {"reason": ""}, follow=True)
    assert "撤回发布必须填写原因。" in response.content.decode()
    c.refresh_from_db()
    assert c.status == Campaign.Status.PUBLISHED
    client.post(f"/workbench/campaigns/{c.slug}/unpublish/", {"reason": "通知有误"})
    c.refresh_from_db()
    assert c.status == Campaign.Status.DRAFT
    assert AuditEntry.objects.for_object(c).get().reason == "通知有误"


def test_a_refused_transition_is_reported_on_the_page(draft, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    response = client.post(f"/workbench/campaigns/{draft.slug}/close/", follow=True)
    assert "当前状态“草稿”不能变更为“已结束”。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


def test_workbench_lists_only_own_authoritys_campaigns(seeded, client, jilin_secretariat):
    client.force_login(jilin_secretariat)
    page = client.get("/workbench/").content.decode()
    assert seeded["jilin-junior-2024"].title in page
    assert seeded["jiangsu-junior-2024"].title not in page
    assert seeded["national-senior-2023"].title not in page


def test_jilin_secretariat_cannot_view_edit_or_publish_a_jiangsu_campaign(draft, client, jilin_secretariat):
    client.force_login(jilin_secretariat)
    assert client.get(f"/workbench/campaigns/{draft.slug}/").status_code == 403
    assert client.get(f"/workbench/campaigns/{draft.slug}/edit/").status_code == 403
    assert client.post(f"/workbench/campaigns/{draft.slug}/edit/", _form_data(slug=draft.slug)).status_code == 403
    assert client.post(f"/workbench/campaigns/{draft.slug}/publish/").status_code == 403
    assert client.get(f"/campaigns/{draft.slug}/").status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT
    assert not AuditEntry.objects.exists()


def test_national_secretariat_does_not_manage_provincial_campaigns(draft, client, make_user):
    national = make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会")
    client.force_login(national)
    assert client.post(f"/workbench/campaigns/{draft.slug}/publish/").status_code == 403
    assert client.get("/workbench/campaigns/national-senior-2023/").status_code == 200


@pytest.mark.parametrize("url", ["/workbench/", "/workbench/campaigns/new/", "/workbench/outbox/",
                                 "/workbench/campaigns/jiangsu-junior-2024/"])
def test_applicant_cannot_reach_the_workbench(seeded, client, applicant, url):
    client.force_login(applicant)
    assert client.get(url).status_code == 403


def test_applicant_cannot_publish(draft, client, applicant):
    client.force_login(applicant)
    assert client.post(f"/workbench/campaigns/{draft.slug}/publish/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


def test_anonymous_visitors_are_sent_to_login(seeded, client):
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role,forbidden", [
    (Role.APPLICANT, "/expert/"), (Role.APPLICANT, "/supervision/"),
    (Role.EXPERT, "/supervision/"), (Role.EXPERT, "/workbench/"),
    (Role.SUPERVISOR, "/expert/"), (Role.SUPERVISOR, "/workbench/"),
])
def test_role_pages_are_closed_to_other_roles(db, client, make_user, role, forbidden):
    client.force_login(make_user(role))
    assert client.get(forbidden).status_code == 403


def test_unknown_action_is_refused(draft, client, jiangsu_secretariat):
    client.force_login(jiangsu_secretariat)
    assert client.post(f"/workbench/campaigns/{draft.slug}/delete/").status_code == 403
