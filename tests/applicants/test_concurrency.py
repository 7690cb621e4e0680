"""Concurrent submissions get distinct consecutive numbers. Needs PostgreSQL row locks."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from applicants import services
from applicants.models import Application

from .conftest import pdf_bytes, upload

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="needs PostgreSQL row locks (SQLite serialises writers on the whole file)")
SUBMITTERS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_number_uniquely(demo, make_user, complete_profile):
    apps = []
    for i in range(SUBMITTERS):
        user = make_user()
        complete_profile(user, first17=f"32010219800101{i:02d}1")
        app = services.application_start(applicant=user, campaign=demo["junior"])
        services.dossier_entry_add(application=app, item_code="E1",
                                   fields={"name": "科技节", "organiser": "学校", "summary": "指导"},
                                   occurred_on=dt.date.today(), attachment=upload("a.pdf", pdf_bytes()), actor=user)
        services.dossier_scan_save(application=app, scan=upload("s.pdf", pdf_bytes()), actor=user)
        apps.append(app)
    barrier = threading.Barrier(SUBMITTERS)
    errors = []

    def submit(app):
        try:
            barrier.wait(timeout=30)
            fresh = Application.objects.select_related("campaign", "applicant").get(pk=app.pk)
            services.application_submit(application=fresh, actor=fresh.applicant)
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Application.objects.values_list("number", flat=True))
    assert numbers == [f"{demo['junior'].year}132{n:05d}" for n in range(1, SUBMITTERS + 1)]
