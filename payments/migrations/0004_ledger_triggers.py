"""PostgreSQL refuses UPDATE (beyond the columns a ledger fills later), DELETE and TRUNCATE on the money
ledgers and the notification log (certification.dbguards)."""

from django.db import migrations

from certification import dbguards


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_notification_log_refunded_outcome"),
        ("certification", "0009_audit_chain_and_triggers"),
    ]

    operations = dbguards.operations({
        "payments_payment": ("state", "provider_txn_id", "confirmed_at", "confirmed_by_id", "raw_notification"),
        "payments_refund": ("state", "provider_refund_id", "completed_at", "completed_by_id"),
        "payments_notificationlog": (),
    })
