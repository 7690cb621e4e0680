"""Set-based spreadsheet import: the one path every bulk import takes (legacy applicants, exam scores, ...).

A file is read in chunks. For each chunk an importer

1. `prefetch(rows)`: resolves every reference the chunk's rows name (campaigns, users, existing records) in a
   few set queries (`filter(x__in=...)`), once per chunk, never once per row;
2. `plan_row(number, row)`: validates one row in Python against what was prefetched and what earlier rows of
   the chunk planned (no query), and either records what it will write, returning "new", "update" or "skip",
   or raises `RowInvalid({column: [messages]})`. A refused row plans nothing, so it writes nothing;
3. `write(actor)`: writes the chunk's plan with `bulk_create` / `bulk_update` and the audit rows with
   `audit_bulk`, inside one transaction per chunk.

Checks that depend only on a value (a mobile number's plan, a time's format, a model field's validators) go
through `ValueChecks`, so a chunk checks each distinct value once however many rows repeat it.

`run_set_based_import` drives that and returns the counts and the row-level error report
`[(row number in the file, column, [messages])]`. The database constraints stay the last word: if a concurrent
writer makes a chunk's bulk write fail, the chunk is planned again once against fresh data.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import IntegrityError, models, transaction

COUNTED = ("new", "update", "skip")


class RowInvalid(Exception):
    """A row that cannot be imported; `errors` maps a column (as the file names it, or "") to messages."""

    def __init__(self, errors: dict[str, list[str] | str]):
        super().__init__(errors)
        self.errors = {col: [msgs] if isinstance(msgs, str) else list(msgs) for col, msgs in errors.items()}

    @classmethod
    def from_validation_error(cls, exc: ValidationError, columns: dict[str, str] | None = None) -> "RowInvalid":
        """Model field names become the file's column names (`columns`); non-field errors go under ""."""
        columns = columns or {}
        if hasattr(exc, "error_dict"):
            return cls({("" if name == "__all__" else columns.get(name, name)): msgs
                        for name, msgs in exc.message_dict.items()})
        return cls({"": exc.messages})


_MISSING = object()


class ValueChecks:
    """Memo of checks that depend only on the value, for one chunk: a value repeated on many rows (a unit, a
    status, a time, a shared phone number) is checked once. Errors are kept as messages and raised afresh."""

    def __init__(self):
        self._memo: dict = {}
        self._checks: dict = {}

    def run(self, check: Callable, value):
        """`check(value)`, or the ValidationError / ValueError it raised for the same value before."""
        # By identity: validators compare equal by their settings but are unhashable; a check is kept alive
        # (`_checks`) so its id is not reused while the memo lasts.
        key = (id(check), type(value), value)
        self._checks.setdefault(id(check), check)
        result = self._memo.get(key, _MISSING)
        if result is _MISSING:
            try:
                result = (None, check(value))
            except ValidationError as exc:
                result = (ValidationError, exc.messages)
            except ValueError as exc:
                result = (ValueError, str(exc))
            self._memo[key] = result
        error, outcome = result
        if error:
            raise error(outcome)  # a fresh exception each time: raising one object again grows its traceback
        return outcome

    def field_errors(self, model, values: dict) -> dict[str, list[str]]:
        """What `instance.clean_fields()` would report for these fields and values, without building an instance
        or looping over the model's other fields: {field name: messages}. Like clean_fields, an empty value of a
        field with blank=True is not checked."""
        errors = {}
        for name, value in values.items():
            field = model._meta.get_field(name)
            if field.blank and value in field.empty_values:
                continue
            if self._plainly_valid(field, value):
                continue
            key = (field, type(value), value)
            messages = self._memo.get(key, _MISSING)
            if messages is _MISSING:
                try:
                    field.clean(value, None)  # a model field's clean() uses no instance (only FKs query; none here)
                    messages = None
                except ValidationError as exc:
                    messages = exc.messages
                self._memo[key] = messages
            if messages:
                errors[name] = messages
        return errors


    def _plainly_valid(self, field, value) -> bool:
        """The common case without Field.clean()'s machinery (most values are distinct: names, e-mails): a
        non-empty text for a plain CharField/EmailField without choices passes when it is within max_length, has
        no NUL character and passed every other validator of the field in this chunk already (`run`, e.g. the
        e-mail check). Anything else goes through field.clean() for its exact messages."""
        if type(value) is not str or not value:
            return False
        plan = _TEXT_FIELD_PLANS.get(field, _MISSING)
        if plan is _MISSING:
            plan = _TEXT_FIELD_PLANS[field] = _text_field_plan(field)
        if plan is None:
            return False
        max_length, others = plan
        if (max_length is not None and len(value) > max_length) or "\x00" in value:
            return False
        return all(self._memo.get((id(check), str, value)) == (None, None) for check in others)


def _text_field_plan(field):
    """(max_length, other validators) when Field.clean() of a non-empty str is exactly: no conversion, no choice
    or emptiness error, a MaxLengthValidator, the NUL check and `others`; None when the field is anything else."""
    if type(field) not in (models.CharField, models.EmailField) or field.choices is not None or not field.editable:
        return None
    max_length, others = None, []
    for validator in field.validators:
        if isinstance(validator, MaxLengthValidator) and isinstance(validator.limit_value, int):
            max_length = validator.limit_value if max_length is None else min(max_length, validator.limit_value)
        elif isinstance(validator, ProhibitNullCharactersValidator):
            pass
        else:
            others.append(validator)
    return max_length, tuple(others)


_TEXT_FIELD_PLANS: dict = {}


class SetBasedImporter:
    """Subclass and implement `prefetch`, `plan_row` and `write`; `reset` clears the chunk's plan."""

    def reset(self) -> None:
        raise NotImplementedError

    def prefetch(self, rows: Sequence[dict]) -> None:
        raise NotImplementedError

    def plan_row(self, number: int, row: dict) -> str:
        raise NotImplementedError

    def write(self, *, actor) -> None:
        raise NotImplementedError


@dataclass
class ImportOutcome:
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*COUNTED, "invalid"), 0))
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({number for number, _col, _msgs in self.errors})


def _plan_chunk(importer: SetBasedImporter, rows: Sequence[dict], first_row: int):
    importer.reset()
    importer.prefetch(rows)
    counts = dict.fromkeys((*COUNTED, "invalid"), 0)
    errors = []
    for offset, row in enumerate(rows):
        number = first_row + offset
        try:
            counts[importer.plan_row(number, row)] += 1
        except RowInvalid as exc:
            counts["invalid"] += 1
            errors += [(number, col, msgs) for col, msgs in exc.errors.items()]
    return counts, errors


def import_chunk(*, importer: SetBasedImporter, rows: Sequence[dict], actor, first_row: int = 1) -> ImportOutcome:
    """Plan and write one chunk in one transaction; row numbers in the report start at `first_row`."""
    for attempt in (1, 2):
        counts, errors = _plan_chunk(importer, rows, first_row)
        try:
            with transaction.atomic():
                importer.write(actor=actor)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    outcome = ImportOutcome()
    outcome.totals.update(counts)
    outcome.errors = errors
    return outcome


def run_set_based_import(*, importer: SetBasedImporter, rows: Iterable[dict], actor, chunk_rows: int,
                         first_row: int = 1,
                         after_chunk: Callable[[int, ImportOutcome], None] | None = None) -> ImportOutcome:
    """Import `rows` chunk by chunk; `after_chunk(rows_done, outcome_so_far)` runs after each committed chunk."""
    total = ImportOutcome()
    chunk: list[dict] = []
    done = 0

    def flush():
        nonlocal done
        outcome = import_chunk(importer=importer, rows=chunk, actor=actor, first_row=first_row + done)
        for key, value in outcome.totals.items():
            total.totals[key] += value
        total.errors += outcome.errors
        done += len(chunk)
        chunk.clear()
        if after_chunk:
            after_chunk(done, total)

    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_rows:
            flush()
    if chunk:
        flush()
    total.errors.sort(key=lambda e: e[0])
    return total
