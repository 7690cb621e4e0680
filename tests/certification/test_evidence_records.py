"""Issue 9.11: evidence records hold at the database, and the audit log's hash chain finds an edited entry."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from certification.audit_chain import seal, verify
from certification.models import AuditEntry
from certification.workflow import audit

LATER = dt.timedelta(hours=1)


def _entries(user, n=3):
    for i in range(n):
        audit(subject=user, action="certification.user.registered", actor=user, reason=f"第{i}条")
    return list(AuditEntry.objects.order_by("pk"))


@pytest.mark.django_db
def test_orm_update_is_refused_except_for_what_a_ledger_fills_later(applicant):
    from payments.models import NotificationLog, Payment

    _entries(applicant, 1)
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(reason="改写")
    with pytest.raises(PermissionError):
        NotificationLog.objects.update(reason="改写")
    with pytest.raises(PermissionError):
        Payment.objects.update(amount=1)
    assert Payment.objects.update(state="cancelled") == 0  # the outcome of an attempt may still be written


@pytest.mark.django_db
def test_chain_seals_in_order_and_the_command_reports_it_whole(applicant, capsys):
    entries = _entries(applicant)
    assert seal(now=timezone.now() + LATER) == len(AuditEntry.objects.all())
    checked, broken = verify()
    assert broken is None and checked == AuditEntry.objects.count()
    sealed = list(AuditEntry.objects.order_by("pk"))
    assert sealed[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.chain_hash for a, b in zip(sealed, sealed[1:], strict=False))
    call_command("verify_audit_chain")
    assert "哈希链完整" in capsys.readouterr().out
    assert entries  # the entries are the ones written above


pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are installed on PostgreSQL only")


def _sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pg
@pytest.mark.django_db
def test_triggers_refuse_raw_update_delete_and_truncate(applicant, open_campaign_for_outbox):
    from payments.models import NotificationLog, Payment

    campaign, submit, pay_params = open_campaign_for_outbox
    _app, order = submit(applicant, campaign)
    from payments.services import payment_notification_receive

    payment_notification_receive(provider_code="sandbox", params=pay_params(order))
    entry = AuditEntry.objects.first()
    payment = Payment.objects.get(state="confirmed")
    log = NotificationLog.objects.get()
    for statement, params in [
        ("UPDATE certification_auditentry SET reason = 'x' WHERE id = %s", [entry.pk]),
        ("DELETE FROM certification_auditentry WHERE id = %s", [entry.pk]),
        ("UPDATE payments_payment SET amount = 1 WHERE id = %s", [payment.pk]),
        ("DELETE FROM payments_payment WHERE id = %s", [payment.pk]),
        ("UPDATE payments_notificationlog SET outcome = 'refused' WHERE id = %s", [log.pk]),
        ("SET LOCAL kjfdy.allow_truncate = 'off'; TRUNCATE payments_notificationlog CASCADE", []),
    ]:
        with pytest.raises(DatabaseError, match="refused"):
            _sql(statement, params)
    _sql("UPDATE payments_payment SET state = 'refunded' WHERE id = %s", [payment.pk])  # allowed column
    # Sealing fills the chain columns once; after that the entry is frozen too.
    seal(now=timezone.now() + LATER)
    with pytest.raises(DatabaseError, match="sealed"):
        _sql("UPDATE certification_auditentry SET chain_hash = 'x' WHERE id = %s", [entry.pk])


@pg
@pytest.mark.django_db(transaction=True)
def test_an_entry_edited_with_the_trigger_disabled_is_found_by_the_chain_check(applicant):
    entries = _entries(applicant, 5)
    seal(now=timezone.now() + LATER)
    victim = entries[2]
    _sql("ALTER TABLE certification_auditentry DISABLE TRIGGER certification_auditentry_append_only_row;"
         "UPDATE certification_auditentry SET reason = '篡改' WHERE id = %s;"
         "ALTER TABLE certification_auditentry ENABLE TRIGGER certification_auditentry_append_only_row;",
         [victim.pk])
    checked, broken = verify()
    assert broken is not None and broken.entry_id == victim.pk and "被修改" in broken.problem
    with pytest.raises(CommandError, match=f"第 {victim.pk} 号记录断链"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_bulk_audit_rows_carry_the_content_hash_the_chain_checks(applicant, jiangsu_secretariat):
    """audit_bulk writes many rows in one statement, sending what every row shares once; each stored row must
    hash to its content_hash as `audit()`'s rows do, or the sealed chain would report it edited."""
    from django.test.utils import CaptureQueriesContext

    from certification.workflow import audit_bulk

    staff = jiangsu_secretariat

    audit(subject=applicant, action="certification.user.registered", actor=applicant)
    entries = [{"subject": applicant, "action": "certification.user.registered", "reason": "导入文件：a.csv"},
               {"subject": staff, "action": "certification.user.registered", "reason": "导入文件：a.csv",
                "from_state": "x", "to_state": "y"},
               {"subject": applicant, "action": "certification.user.registered", "reason": ""}]
    with CaptureQueriesContext(connection) as ctx:
        assert audit_bulk(entries=entries, actor=staff) == 3
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]) == 1
    rows = list(AuditEntry.objects.order_by("pk"))[1:]
    assert [(r.object_id, r.from_state, r.to_state, r.reason, r.actor_id) for r in rows] == [
        (str(applicant.pk), "", "", "导入文件：a.csv", staff.pk),
        (str(staff.pk), "x", "y", "导入文件：a.csv", staff.pk),
        (str(applicant.pk), "", "", "", staff.pk)]
    assert all(r.content_hash == r.compute_content_hash() for r in rows)
    assert seal(now=timezone.now() + LATER) == 4
    assert verify() == (4, None)
