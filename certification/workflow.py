"""The one way an aggregate changes state.

Each aggregate's service declares its table of allowed transitions and calls `transition()`, which
locks the row, checks the table, saves, writes the audit entry and queues notifications on commit.
"""

from collections.abc import Callable, Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from . import logdisplay
from .models import AuditEntry


class TransitionNotAllowed(ValidationError):
    pass


def audit(*, subject: models.Model, action: str, actor=None, from_state: str = "", to_state: str = "",
          reason: str = "") -> AuditEntry:
    """Write one append-only audit entry. `action` is a stable code (`app.aggregate.event`, see
    `certification.logdisplay`); variable parts (amounts, references, channels) belong in `reason`."""
    if not logdisplay.is_code(action):
        raise ValueError(f"audit action {action!r} is not a stable code (app.aggregate.event)")
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk), action=action,
        from_state=from_state, to_state=to_state, reason=reason or "",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def audit_bulk(*, entries: list[dict], actor=None) -> list[AuditEntry]:
    """Many audit rows in one INSERT (a bulk import): each dict has `subject`, `action` and optionally
    `from_state`, `to_state`, `reason`. Same content as `audit()` would write, one row per subject."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    content_types = {}
    rows = []
    for e in entries:
        if not logdisplay.is_code(e["action"]):
            raise ValueError(f"audit action {e['action']!r} is not a stable code (app.aggregate.event)")
        model = type(e["subject"])
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model)
        rows.append(AuditEntry(content_type=content_types[model], object_id=str(e["subject"].pk),
                               action=e["action"], from_state=e.get("from_state", ""),
                               to_state=e.get("to_state", ""), reason=e.get("reason") or "", actor=actor))
    for row in rows:
        row.content_hash = row.compute_content_hash()  # bulk_create does not call save()
    return AuditEntry.objects.bulk_create(rows)


def transition(*, instance: models.Model, to: str, actor, allowed: Mapping[str, set[str] | frozenset[str]],
               action: str, reason: str = "", field: str = "status",
               apply: Callable[[models.Model], None] | None = None,
               notify: Callable[[models.Model], None] | None = None, already_locked: bool = False) -> models.Model:
    """Move `instance` to state `to`.

    `allowed` maps a state to the states it may go to. `apply` sets further fields on the locked row
    before it is validated and saved; `notify` runs inside the transaction and should queue outbox
    messages (which are themselves sent only after commit). Returns the locked, saved row.

    `already_locked=True` says the caller already holds this row's lock in the current transaction and `instance` was
    read under it: it is used as is instead of being read again.
    """
    with transaction.atomic():
        if already_locked:
            locked = instance
        else:
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        references = {f.name: getattr(locked, f.attname) for f in locked._meta.concrete_fields if f.is_relation}
        current = getattr(locked, field)
        if to not in allowed.get(current, ()):
            labels = dict(locked._meta.get_field(field).choices or [])
            raise TransitionNotAllowed(
                f"当前状态“{labels.get(current, current)}”不能变更为“{labels.get(to, to)}”。",
                code="transition_not_allowed",
            )
        setattr(locked, field, to)
        if apply:
            apply(locked)
        # References read from the database under the lock and left unchanged need no EXISTS query each.
        locked.full_clean(exclude=[name for name, value in references.items()
                                   if getattr(locked, locked._meta.get_field(name).attname) == value])
        locked.save()
        audit(subject=locked, action=action, actor=actor, from_state=current, to_state=to, reason=reason)
        if notify:
            notify(locked)
    # Keep the caller's object in step with the database.
    if locked is instance:
        return locked
    for f in locked._meta.concrete_fields:
        setattr(instance, f.attname, getattr(locked, f.attname))
    return locked
