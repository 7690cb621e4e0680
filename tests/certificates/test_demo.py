"""`make run` shows an open notice and verifiable certificates (load_publication_demo after load_demo)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from certificates.models import Certificate, PublicNotice

pytestmark = pytest.mark.django_db


def test_publication_demo_has_an_open_notice_and_verifiable_certificates(client):
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_publication_demo", stdout=out)
    call_command("load_publication_demo", stdout=io.StringIO())  # idempotent
    notice = PublicNotice.objects.get(campaign__slug="demo-junior")
    assert notice.status == PublicNotice.Status.OPEN and notice.entries.count() == 3
    page = client.get(reverse("certificates:notice_detail", args=["demo-junior"])).content.decode()
    assert "陈思远" in page and "投诉" in page
    certs = Certificate.objects.filter(campaign__slug="demo-senior")
    assert certs.count() == 2 and all(c.is_ready for c in certs)
    mine = certs.get(holder__email="applicant@demo.kjfdy.cn")
    assert mine.number in out.getvalue()
    assert "证书有效" in client.get(reverse("certificates:verify_link", args=[mine.verify_token])).content.decode()
