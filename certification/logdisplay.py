"""Stable audit codes and their display labels (as pretix's `logdisplay`).

An audit entry's `action` is a stable, dotted code (`applicants.application.submitted`): it can be
filtered, counted and translated. Each app registers the labels of its own codes from its
`AppConfig.ready()` with `register()`; pages show `label(code)`. A code without a label shows as itself,
so a missing label is visible rather than silent.
"""

import re
from collections.abc import Mapping

_LABELS: dict[str, str] = {}

# app.aggregate.event (lower case, digits and underscores; more segments allowed).
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}")


def is_code(value: str) -> bool:
    return bool(CODE_PATTERN.fullmatch(value or ""))


def register(labels: Mapping[str, str]) -> None:
    """Add an app's code → label table. Codes are `app.aggregate.event`; re-registering a code must agree."""
    for code, text in labels.items():
        if not is_code(code):
            raise ValueError(f"audit code {code!r} is not of the form app.aggregate.event")
        if code in _LABELS and _LABELS[code] != text:
            raise ValueError(f"audit code {code!r} registered twice with different labels")
        _LABELS[code] = text


def label(code: str) -> str:
    return _LABELS.get(code, code)


def codes() -> dict[str, str]:
    return dict(_LABELS)
