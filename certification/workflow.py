"""The one way an aggregate changes state.

Each aggregate's service declares its table of allowed transitions and calls `transition()`, which
locks the row, checks the table, saves, writes the audit entry and queues notifications on commit.
"""

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Mapping
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from . import logdisplay
from .models import AuditEntry, audit_content_hash


class TransitionNotAllowed(ValidationError):
    pass


# The entries `audit()` holds back inside `audits_batched()`: (subject's model, unsaved entry).
_batch: contextvars.ContextVar[list | None] = contextvars.ContextVar("audit_batch", default=None)


def audit(*, subject: models.Model, action: str, actor=None, from_state: str = "", to_state: str = "",
          reason: str = "") -> AuditEntry:
    """Write one append-only audit entry. `action` is a stable code (`app.aggregate.event`, see
    `certification.logdisplay`); variable parts (amounts, references, channels) belong in `reason`.
    Inside `audits_batched()` the entry is written with the others when the block ends (it has no pk until then)."""
    if not logdisplay.is_code(action):
        raise ValueError(f"audit action {action!r} is not a stable code (app.aggregate.event)")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    batch = _batch.get()
    if batch is not None:
        entry = AuditEntry(object_id=str(subject.pk), action=action, from_state=from_state, to_state=to_state,
                           reason=reason or "", actor=actor)
        batch.append((type(subject), entry))
        return entry
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk), action=action,
        from_state=from_state, to_state=to_state, reason=reason or "", actor=actor,
    )


@contextlib.contextmanager
def audits_batched():
    """Every `audit()` inside the block is written in one INSERT when the block ends, inside the block's
    transaction (and the content types in at most one query). For a unit of work that changes several aggregates
    at once (a payment confirms the order and moves the application). Each entry keeps the time `audit()` was
    called and its own content hash; ids follow the order of the calls, as the hash chain's sealer expects.

    The block is atomic without a savepoint: if it raises, nothing is written and the enclosing transaction can
    only roll back, so no change inside it can commit without its entry. A nested block joins the outer one.
    """
    if _batch.get() is not None:
        yield
        return
    pending: list[tuple[type[models.Model], AuditEntry]] = []
    with transaction.atomic(savepoint=False):
        token = _batch.set(pending)
        try:
            yield
        finally:
            _batch.reset(token)
        if pending:
            types = ContentType.objects.get_for_models(*{model for model, _ in pending})
            for model, entry in pending:
                entry.content_type = types[model]
                entry.content_hash = entry.compute_content_hash()  # bulk_create does not call save()
            AuditEntry.objects.bulk_create([entry for _, entry in pending])


def audit_bulk(*, entries: list[dict], actor=None) -> int:
    """Many audit rows in one INSERT (a bulk import): each dict has `subject`, `action` and optionally
    `from_state`, `to_state`, `reason`. Same content as `audit()` would write, one row per subject, all at one
    moment (it is one write). Returns how many rows were written."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    at = timezone.now()
    content_types = {}
    rows = []
    for e in entries:
        if not logdisplay.is_code(e["action"]):
            raise ValueError(f"audit action {e['action']!r} is not a stable code (app.aggregate.event)")
        model = type(e["subject"])
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model).pk
        row = SimpleNamespace(content_type_id=content_types[model], object_id=str(e["subject"].pk),
                              action=e["action"], from_state=e.get("from_state", ""), to_state=e.get("to_state", ""),
                              reason=e.get("reason") or "", actor_id=actor_id, at=at)
        row.content_hash = audit_content_hash(row)  # bulk writes call no save()
        rows.append(row)
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        AuditEntry.objects.bulk_create([AuditEntry(**vars(row)) for row in rows])
        return len(rows)
    # One INSERT ... SELECT FROM unnest(): a column that is the same on every row (action, actor, time, mostly
    # the reason) is sent once instead of once per row, which is most of what building the statement costs.
    names = ["content_type_id", "object_id", "action", "from_state", "to_state", "reason", "actor_id", "at",
             "content_hash"]
    fields = {f.attname: f for f in AuditEntry._meta.concrete_fields}
    columns, select, scalars, arrays = [], [], [], []
    for name in names:
        field = fields[name]
        db_type = (field.target_field if field.is_relation else field).db_type(connection).split("(")[0]
        values = [getattr(row, name) for row in rows]
        columns.append(connection.ops.quote_name(field.column))
        if name in ("object_id", "content_hash") or any(v != values[0] for v in values):  # at least one array
            select.append(f"u.c{len(arrays)}")
            arrays.append((f"%s::{db_type}[]", values))
        else:
            select.append(f"%s::{db_type}")
            scalars.append(values[0])
    columns += [connection.ops.quote_name(fields[name].column) for name in ("prev_hash", "chain_hash")]
    select += ["''", "''"]
    sql = (f"INSERT INTO {connection.ops.quote_name(AuditEntry._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(select)} FROM unnest({', '.join(a[0] for a in arrays)}) "
           f"AS u({', '.join(f'c{i}' for i in range(len(arrays)))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scalars, *(a[1] for a in arrays)])
    return len(rows)


# Values compared by value to tell whether a field changed (mutable ones, a dict or a file, always count as changed).
_SCALARS = (str, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta, uuid.UUID, type(None))


def _loaded_scalars(instance: models.Model) -> dict:
    return {f.attname: instance.__dict__[f.attname] for f in instance._meta.concrete_fields
            if f.attname in instance.__dict__ and isinstance(instance.__dict__[f.attname], _SCALARS)}


def _constraint_fields(model: type[models.Model], constraint) -> set[str]:
    """The field names a model constraint reads; every concrete field when that cannot be told (expressions)."""
    if getattr(constraint, "expressions", None):
        return {f.name for f in model._meta.concrete_fields}
    names = set(getattr(constraint, "fields", ()) or ())
    condition = getattr(constraint, "condition", None)
    if condition is not None:
        names |= models.Q(condition).referenced_base_fields
    return {model._meta.get_field(name).name for name in names}


def _unchanged_since_read(instance: models.Model, before: dict) -> list[str]:
    """Fields `full_clean` can skip: values read from the database under the lock and left as they were. They were
    validated when written; checking them again costs a query each (an EXISTS per foreign key, per unique field,
    per constraint). A constraint that reads a changed field is still checked with its other plain fields, as
    before; an unchanged foreign key is never looked up again."""
    meta = instance._meta
    changed = {f.name for f in meta.concrete_fields
               if f.attname not in before or instance.__dict__.get(f.attname) != before[f.attname]}
    unchanged = {f.name for f in meta.concrete_fields} - changed
    groups = [_constraint_fields(type(instance), c) for c in meta.constraints]
    groups += [{meta.get_field(name).name for name in together} for together in meta.unique_together]
    for names in groups:
        if names & changed:
            unchanged -= {name for name in names if not meta.get_field(name).is_relation}
    return sorted(unchanged)


def transition(*, instance: models.Model, to: str, actor, allowed: Mapping[str, set[str] | frozenset[str]],
               action: str, reason: str = "", field: str = "status",
               apply: Callable[[models.Model], None] | None = None,
               notify: Callable[[models.Model], None] | None = None, already_locked: bool = False) -> models.Model:
    """Move `instance` to state `to`.

    `allowed` maps a state to the states it may go to. `apply` sets further fields on the locked row
    before it is validated and saved; `notify` runs inside the transaction and should queue outbox
    messages (which are themselves sent only after commit). Returns the locked, saved row.

    `already_locked=True` says the caller already holds this row's lock in the current transaction and `instance` was
    read under it (and not changed since): it is used as is instead of being read again.
    """
    with transaction.atomic():
        if already_locked:
            locked = instance
        else:
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        before = _loaded_scalars(locked)
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
        locked.full_clean(exclude=_unchanged_since_read(locked, before))
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
