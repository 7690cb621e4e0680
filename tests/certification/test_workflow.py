import pytest
from django.core import mail

from certification.models import AuditEntry, Campaign, Notification
from certification.services import campaign_close, campaign_publish
from certification.workflow import TransitionNotAllowed


def test_publish_writes_audit_and_mails_after_commit(draft, jiangsu_secretariat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_publish(campaign=draft, actor=jiangsu_secretariat, reason="按通知发布")
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.PUBLISHED
    entry = AuditEntry.objects.for_object(draft).get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
        jiangsu_secretariat, "draft", "published", "按通知发布")
    note = Notification.objects.get(to_email=jiangsu_secretariat.email)
    assert note.status == Notification.Status.SENT
    assert [m.subject for m in mail.outbox] == [f"认证活动已发布：{draft.title}"]


def test_transition_table_refuses_and_leaves_no_trace(draft, jiangsu_secretariat):
    with pytest.raises(TransitionNotAllowed):
        campaign_close(campaign=draft, actor=jiangsu_secretariat)
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT
    assert not AuditEntry.objects.for_object(draft).exists()


def test_rolled_back_transition_sends_nothing(draft, jiangsu_secretariat, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                campaign_publish(campaign=draft, actor=jiangsu_secretariat)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_audit_entries_cannot_be_deleted_or_changed(draft, jiangsu_secretariat):
    campaign_publish(campaign=draft, actor=jiangsu_secretariat)
    entry = AuditEntry.objects.get()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    entry.reason = "改写"
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.count() == 1


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_failure_is_retried_then_recorded_as_failed(db, settings, django_capture_on_commit_callbacks):
    """Eagerly (no Redis) the retries run at once and end; the queueing caller never sees the error."""
    from certification.notifications import notification_queue
    from certification.tasks import MAX_RETRIES

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        note = notification_queue(template="campaign_published", to_email="someone@example.cn",
                                  context={"campaign": {"title": "某活动"}})
    note.refresh_from_db()
    assert note.status == Notification.Status.FAILED
    assert note.attempts == MAX_RETRIES + 1
    assert "Connection refused" in note.last_error or "ConnectionRefused" in note.last_error
    assert note.sent_at is None


def test_resending_a_failed_notification_sends_it_once(db, settings):
    from certification.notifications import notification_deliver, notification_queue
    from certification.tasks import send_notification

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    note = notification_queue(template="campaign_published", to_email="someone@example.cn",
                              context={"campaign": {"title": "某活动"}})
    send_notification.delay(note.pk)
    note.refresh_from_db()
    assert note.status == Notification.Status.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=note.pk).update(status=Notification.Status.QUEUED)
    send_notification.delay(note.pk)
    notification_deliver(notification_id=note.pk)  # a replayed task sends nothing more
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT and note.last_error == ""
    assert len(mail.outbox) == 1


def test_outbox_page_is_for_secretariats_not_applicants(draft, jiangsu_secretariat, applicant, client,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_publish(campaign=draft, actor=jiangsu_secretariat)
    client.force_login(applicant)
    assert client.get("/workbench/outbox/").status_code == 403
    client.force_login(jiangsu_secretariat)
    page = client.get("/workbench/outbox/").content.decode()
    assert f"认证活动已发布：{draft.title}" in page
    assert '<span class="tag note-sent">已发送</span>' in page
    assert "认证活动已发布" not in client.get("/workbench/outbox/", {"status": "failed"}).content.decode()
    client.logout()
    assert client.get("/workbench/outbox/").status_code == 302


def test_outbox_shows_a_provincial_secretariat_only_its_own_authoritys_mail(
        draft, jiangsu_secretariat, jilin_secretariat, make_user, client, django_capture_on_commit_callbacks):
    from certification.models import Role

    with django_capture_on_commit_callbacks(execute=True):
        campaign_publish(campaign=draft, actor=jiangsu_secretariat)
    subject = f"认证活动已发布：{draft.title}"
    client.force_login(jilin_secretariat)
    page = client.get("/workbench/outbox/").content.decode()
    assert subject not in page and jiangsu_secretariat.email not in page
    client.force_login(make_user(Role.NATIONAL_SECRETARIAT, "中国青少年科技教育工作者协会"))
    assert subject in client.get("/workbench/outbox/").content.decode()


def test_outbox_shows_a_provincial_secretariat_its_own_provinces_applicants_mail(
        seeded, jiangsu_secretariat, jilin_secretariat, make_user, client, django_capture_on_commit_callbacks):
    from applicants.models import ApplicantProfile
    from certification.models import Province
    from certification.notifications import notify_user

    people = {}
    for code in ("320000", "220000"):
        person = make_user(email=f"applicant-{code}@example.cn")
        ApplicantProfile.objects.create(user=person, full_name=person.full_name,
                                        province=Province.objects.get(code=code))
        people[code] = person
    with django_capture_on_commit_callbacks(execute=True):
        for person in people.values():
            notify_user(user=person, template="verify_email", context={"verify_url": "http://x/"})
    client.force_login(jiangsu_secretariat)
    page = client.get("/workbench/outbox/").content.decode()
    assert people["320000"].email in page and people["220000"].email not in page
    client.force_login(jilin_secretariat)
    page = client.get("/workbench/outbox/").content.decode()
    assert people["220000"].email in page and people["320000"].email not in page


def test_unpublishing_needs_a_reason_whoever_calls_it(seeded, jiangsu_secretariat):
    from django.core.exceptions import ValidationError

    from certification.services import campaign_unpublish

    campaign = seeded["jiangsu-junior-2024"]
    with pytest.raises(ValidationError, match="撤回发布必须填写原因"):
        campaign_unpublish(campaign=campaign, actor=jiangsu_secretariat, reason="  ")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLISHED


def test_audits_batched_writes_every_entry_in_one_insert_at_the_end(draft, jiangsu_secretariat):
    """Issue 13.4: a unit of work that changes two aggregates writes their audit rows in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certification.workflow import audit, audits_batched

    with CaptureQueriesContext(connection) as ctx, audits_batched():
        first = audit(subject=draft, action="certification.campaign.changed", actor=jiangsu_secretariat, reason="一")
        second = audit(subject=jiangsu_secretariat, action="certification.user.email_verified", reason="二")
        assert first.pk is None and not AuditEntry.objects.exists()  # held back until the block ends
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "certification_auditentry"')]
    assert len(inserts) == 1
    assert list(AuditEntry.objects.order_by("pk").values_list("pk", "reason", "actor")) == [
        (first.pk, "一", jiangsu_secretariat.pk), (second.pk, "二", None)]
    assert AuditEntry.objects.for_object(draft).get().content_hash == first.compute_content_hash()


def test_audits_batched_writes_nothing_when_the_block_fails(draft, jiangsu_secretariat):
    from django.db import transaction

    from certification.workflow import audit, audits_batched

    with pytest.raises(RuntimeError), transaction.atomic(), audits_batched():
        audit(subject=draft, action="certification.campaign.changed", actor=jiangsu_secretariat)
        raise RuntimeError("boom")
    assert not AuditEntry.objects.exists()
