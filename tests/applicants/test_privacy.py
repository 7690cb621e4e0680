"""Only the applicant sees their own applications, dossiers and files; others get 404."""

import pytest
from django.urls import reverse

from applicants.models import Application
from certification.models import Role

pytestmark = pytest.mark.django_db


def _urls(app):
    entry = app.entries.first()
    return {
        "get": [reverse("applicants:dossier", args=[app.pk]),
                reverse("applicants:entry_file", args=[app.pk, entry.pk]),
                reverse("applicants:scan_file", args=[app.pk]),
                reverse("applicants:form_pdf", args=[app.pk])],
        "post": [reverse("applicants:entry_delete", args=[app.pk, entry.pk]),
                 reverse("applicants:narrative", args=[app.pk]),
                 reverse("applicants:submit", args=[app.pk]),
                 reverse("applicants:withdraw", args=[app.pk]),
                 reverse("applicants:scan_upload", args=[app.pk])],
    }


def test_owner_gets_files_with_private_headers(client, senior_draft, applicant):
    client.force_login(applicant)
    entry = senior_draft.entries.first()
    response = client.get(reverse("applicants:entry_file", args=[senior_draft.pk, entry.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Cache-Control"] == "private, no-store" and "award.pdf" in response["Content-Disposition"]
    page = client.get(reverse("applicants:dossier", args=[senior_draft.pk])).content.decode()
    assert "/private-media/" not in page and entry.attachment.name not in page


def test_other_applicant_gets_404_everywhere(client, senior_draft, make_user):
    intruder = make_user()
    client.force_login(intruder)
    urls = _urls(senior_draft)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {"reason": "x", "narrative": "x"}).status_code == 404, url
    senior_draft.refresh_from_db()
    assert senior_draft.status == Application.Status.DRAFT and senior_draft.entries.count() == 2
    # Another user's entry id under one's own application is no way in either.
    from applicants import services

    own = services.application_start(applicant=intruder, campaign=senior_draft.campaign)
    entry = senior_draft.entries.first()
    assert client.get(reverse("applicants:entry_file", args=[own.pk, entry.pk])).status_code == 404


def test_anonymous_redirected_to_login(client, senior_draft):
    response = client.get(reverse("applicants:entry_file", args=[senior_draft.pk, senior_draft.entries.first().pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_staff_and_experts_cannot_open_applicant_pages(client, senior_draft, make_user, jiangsu_secretariat):
    expert = make_user(Role.EXPERT)
    for user in (expert, jiangsu_secretariat):
        client.force_login(user)
        assert client.get(reverse("applicants:dossier", args=[senior_draft.pk])).status_code in (403, 404)
        assert client.get(reverse("applicants:scan_file", args=[senior_draft.pk])).status_code == 404


def test_profile_photo_only_own(client, senior_draft, applicant, make_user):
    client.force_login(applicant)
    assert client.get(reverse("applicants:profile_photo")).status_code == 200
    client.force_login(make_user())
    assert client.get(reverse("applicants:profile_photo")).status_code in (403, 404)


@pytest.mark.parametrize("target,expected", [
    ("/me/self-check/?campaign=demo-senior", "/me/self-check/?campaign=demo-senior"),
    ("https://evil.example.com/phish", None),
    ("//evil.example.com/phish", None),
    ("", None),
])
def test_profile_save_returns_only_to_a_page_of_this_site(rf, target, expected):
    from applicants.views import _safe_next

    request = rf.post("/me/profile/", {"next": target})
    assert _safe_next(request) == expected
