"""Audit actions are stable codes with registered labels; free text is refused; old entries are mapped."""

import importlib
import re
from pathlib import Path

import pytest

from certification import logdisplay
from certification.models import AuditEntry
from certification.workflow import audit

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS = ["certification", "applicants", "payments", "reviews", "certificates"]
ACTION_LITERAL = re.compile(r"""action=(f?)["']([^"']*)["']""")


def _action_literals():
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            # `action="a" if created else "b"`: both branches.
            text = re.sub(r"""action=(["'][^"']*["']) if .*? else (["'][^"']*["'])""",
                          r"action=\1 action=\2", text)
            for match in ACTION_LITERAL.finditer(text):
                yield path.relative_to(BASE_DIR), match.group(1), match.group(2)


def test_every_action_written_by_the_code_is_a_registered_code():
    # argparse's `action="store_true"` in management commands is no audit action.
    literals = [(str(p), f, a) for p, f, a in _action_literals() if "management" not in p.parts]
    assert len(literals) > 20, "the scan found too few audit actions: is the pattern still right?"
    assert [(p, a) for p, f, a in literals if f] == [], "an action built with an f-string"
    assert [(p, a) for p, _f, a in literals if a not in logdisplay.codes()] == []


@pytest.mark.parametrize("app", ["certification", "applicants", "payments"])
def test_each_app_registers_only_its_own_codes_with_labels(app):
    labels = importlib.import_module(f"{app}.logcodes").LABELS
    assert labels
    for code, text in labels.items():
        assert logdisplay.is_code(code) and code.startswith(f"{app}.")
        assert len(code) <= AuditEntry._meta.get_field("action").max_length
        assert logdisplay.label(code) == text and re.search(r"[\u4e00-\u9fff]", text)


def test_register_refuses_a_conflicting_or_malformed_code():
    with pytest.raises(ValueError):
        logdisplay.register({"payments.order.paid": "另一个说法"})
    with pytest.raises(ValueError):
        logdisplay.register({"支付成功": "支付成功"})


def test_audit_refuses_free_text(db, draft, jiangsu_secretariat):
    with pytest.raises(ValueError):
        audit(subject=draft, action="发布认证活动", actor=jiangsu_secretariat)
    with pytest.raises(ValueError):
        audit(subject=draft, action="payments.order", actor=jiangsu_secretariat)
    assert not AuditEntry.objects.exists()
    entry = audit(subject=draft, action="certification.campaign.changed", actor=jiangsu_secretariat)
    assert entry.action_label == "修改认证活动" and "修改认证活动" in str(entry)


def test_data_migration_maps_the_old_texts_to_codes(db, draft):
    migration = importlib.import_module("certification.migrations.0006_audit_action_codes")
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(draft)

    def old(action, reason=""):
        return AuditEntry.objects.create(content_type=ct, object_id=str(draft.pk), action=action, reason=reason)

    created, paid, returned, unknown = (old("创建认证活动"), old("支付成功（异步通知）", "交易号 T-1"),
                                        old("资格审查退回修改", "扫描件不清晰"), old("某个未知的操作"))
    # The migration ran before audit entries became append-only (issue 9.11): run it as it ran then, on the
    # models of its time and, on PostgreSQL, with the append-only triggers off for this transaction.
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    historical = MigrationLoader(connection).project_state(("certification", "0006_audit_action_codes")).apps
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    migration.forwards(historical, None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
    rows = {e.pk: (e.action, e.reason) for e in AuditEntry.objects.all()}
    assert rows[created.pk] == ("certification.campaign.created", "")
    assert rows[paid.pk] == ("payments.order.paid", "异步通知，交易号 T-1")
    assert rows[returned.pk] == ("reviews.eligibility.returned", "扫描件不清晰")
    assert rows[unknown.pk] == ("某个未知的操作", "")
    # Every text the old code wrote maps to a code that is registered today.
    assert set(migration.OLD_TO_CODE.values()) <= set(logdisplay.codes())


def test_bulk_audit_refuses_free_text_too(db, draft):
    from certification.workflow import audit_bulk

    with pytest.raises(ValueError):
        audit_bulk(entries=[{"subject": draft, "action": "旧平台数据导入"}])
    assert not AuditEntry.objects.exists()
    audit_bulk(entries=[{"subject": draft, "action": "certification.campaign.changed"}])
    assert AuditEntry.objects.get().action_label == "修改认证活动"
