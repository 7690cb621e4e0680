"""Role × state through the certification app's `rules.py`, and the rules files being found at all."""

import sys

import pytest
import rules

from certification import services
from certification.models import Campaign, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("module", ["certification.rules", "applicants.rules", "payments.rules", "reviews.rules"])
def test_autodiscovery_finds_each_apps_rules(module):
    assert module in sys.modules


def test_no_rules_permission_shadows_a_django_model_permission():
    from django.contrib.auth.models import Permission

    model_perms = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related(
        "content_type")}
    ours = {name for name in rules.permissions.permissions.keys()
            if name.split(".")[0] in {"certification", "applicants", "payments"}}
    assert ours and not ours & model_perms

# (status, may publish, may close, may unpublish) for the campaign's own secretariat.
TABLE = [
    (Campaign.Status.DRAFT, True, False, False),
    (Campaign.Status.PUBLISHED, False, True, True),
    (Campaign.Status.CLOSED, False, False, False),
]
PERMS = ["certification.manage_campaign", "certification.publish_campaign", "certification.close_campaign",
         "certification.unpublish_campaign"]


@pytest.mark.parametrize(("status", "publish", "close", "unpublish"), TABLE)
def test_campaign_moves_by_role_and_state(seeded, make_user, jiangsu_secretariat, jilin_secretariat, status,
                                          publish, close, unpublish):
    campaign = seeded["jiangsu-junior-2024"]
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    expected = [True, publish, close, unpublish]
    assert [jiangsu_secretariat.has_perm(p, campaign) for p in PERMS] == expected
    admin = make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    assert [admin.has_perm(p, campaign) for p in PERMS] == expected
    # Another province's secretariat, an expert, an applicant: nothing.
    for user in (jilin_secretariat, make_user(Role.EXPERT), make_user()):
        assert [user.has_perm(p, campaign) for p in PERMS] == [False] * 4
    assert publish == services.campaign_can_move(campaign, to=Campaign.Status.PUBLISHED)


@pytest.mark.parametrize(("role", "expert", "supervision", "outbox"), [
    (Role.EXPERT, True, False, False),
    (Role.SUPERVISOR, False, True, False),
    (Role.APPLICANT, False, False, False),
])
def test_role_pages(make_user, role, expert, supervision, outbox):
    user = make_user(role)
    assert [user.has_perm("certification.expert_home"), user.has_perm("certification.supervision_home"),
            user.has_perm("certification.view_outbox")] == [expert, supervision, outbox]


def test_manage_page_offers_only_the_allowed_moves(client, seeded, jiangsu_secretariat):
    from django.urls import reverse

    campaign = seeded["jiangsu-junior-2024"]
    client.force_login(jiangsu_secretariat)
    page = client.get(reverse("campaign_manage", args=[campaign.slug])).content.decode()
    assert "结束活动" in page and "撤回为草稿" in page and ">发布<" not in page
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    page = client.get(reverse("campaign_manage", args=[campaign.slug])).content.decode()
    assert "结束活动" not in page and "撤回为草稿" not in page and ">发布<" not in page
