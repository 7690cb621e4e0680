import pytest
from django.core import mail

from certification.models import AuditEntry, Campaign, Notification
from certification.services import campaign_close, campaign_publish
from certification.workflow import TransitionNotAllowed


@pytest.fixture
def draft(seeded):
    c = seeded["jiangsu-junior-2024"]
    Campaign.objects.filter(pk=c.pk).update(status=Campaign.Status.DRAFT)
    c.refresh_from_db()
    return c


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
