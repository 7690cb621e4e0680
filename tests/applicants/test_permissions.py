"""Role × state through the applicants app's `rules.py`: each state predicate agrees with the service's check."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from applicants import services
from applicants.models import Application
from certification.models import Role

S = Application.Status
_numbers = itertools.count(1)


@pytest.fixture
def make_application(demo):
    def make(user, *, status=S.DRAFT, campaign=None, **extra):
        campaign = campaign or demo["senior"]
        return Application.objects.create(applicant=user, campaign=campaign, level=campaign.level,
                                          year=campaign.year, status=status,
                                          number=f"P{next(_numbers):08d}" if status != S.DRAFT else "", **extra)

    return make


PERMS = ["applicants.access_application", "applicants.edit_dossier", "applicants.submit_application",
         "applicants.resubmit_application", "applicants.withdraw_application"]

# (status, may edit, may submit, may resubmit, may withdraw) for the owner while the campaign is open.
OWNER_TABLE = [
    (S.DRAFT, True, True, False, True),
    (S.SUBMITTED, False, False, False, True),
    (S.UNDER_REVIEW, False, False, False, True),
    (S.RETURNED, True, False, True, True),
    (S.ELIGIBLE, False, False, False, False),
    (S.INELIGIBLE, False, False, False, False),
    (S.WITHDRAWN, False, False, False, False),
    (S.CERTIFIED, False, False, False, False),
]


@pytest.mark.parametrize(("status", "edit", "submit", "resubmit", "withdraw"), OWNER_TABLE)
def test_owner_by_state(make_application, applicant, status, edit, submit, resubmit, withdraw):
    extra = {"amendment_deadline": timezone.now() + dt.timedelta(days=2)} if status == S.RETURNED else {}
    app = make_application(applicant, status=status, **extra)
    got = [applicant.has_perm(p, app) for p in PERMS]
    assert got == [True, edit, submit, resubmit, withdraw]
    # The predicate and the service ask the same question.
    assert edit == services.dossier_editable(app)
    assert withdraw == services.withdrawal_open(app)


@pytest.mark.parametrize("role", [Role.PROVINCIAL_SECRETARIAT, Role.NATIONAL_SECRETARIAT, Role.EXPERT,
                                  Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_no_other_role_acts_on_an_applicants_dossier(make_application, make_user, applicant, role):
    app = make_application(applicant)
    authority = {Role.PROVINCIAL_SECRETARIAT: "江苏省青少年科技教育协会",
                 Role.NATIONAL_SECRETARIAT: "中国青少年科技教育工作者协会"}.get(role)
    extra = {"is_superuser": True, "is_staff": True} if role == Role.ADMINISTRATOR else {}
    other = make_user(role, authority, **extra)
    assert [other.has_perm(p, app) for p in PERMS] == [False] * len(PERMS)


def test_another_applicant_has_no_permission(make_application, make_user, applicant):
    app = make_application(applicant)
    assert [make_user().has_perm(p, app) for p in PERMS] == [False] * len(PERMS)


def test_overdue_amendment_closes_editing_and_resubmission(make_application, applicant):
    app = make_application(applicant, status=S.RETURNED, amendment_deadline=timezone.now() - dt.timedelta(minutes=1))
    assert not applicant.has_perm("applicants.edit_dossier", app)
    assert not applicant.has_perm("applicants.resubmit_application", app)
    assert applicant.has_perm("applicants.access_application", app)


def test_after_the_deadline_no_submission_and_no_withdrawal(make_application, applicant, demo):
    campaign = demo["senior"]
    campaign.application_end = timezone.localdate() - dt.timedelta(days=1)
    campaign.application_start = campaign.application_end - dt.timedelta(days=30)
    campaign.save()
    draft = make_application(applicant, campaign=campaign)
    assert not applicant.has_perm("applicants.submit_application", draft)
    assert not applicant.has_perm("applicants.withdraw_application", draft)
    assert applicant.has_perm("applicants.edit_dossier", draft)  # the draft itself stays editable


def test_dossier_page_offers_only_what_the_rules_allow(client, make_application, applicant, demo):
    app = make_application(applicant, status=S.UNDER_REVIEW)
    client.force_login(applicant)

    page = client.get(reverse("applicants:dossier", args=[app.pk])).content.decode()
    assert "取消报名" in page and 'id="submit-application"' not in page and "保存此条" not in page
    Application.objects.filter(pk=app.pk).update(status=S.DRAFT, number="")
    page = client.get(reverse("applicants:dossier", args=[app.pk])).content.decode()
    assert 'id="submit-application"' in page and "提交申报书" in page and "保存此条" in page
