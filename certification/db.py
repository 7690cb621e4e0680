"""Row locks: the one order they are taken in, and retrying a transaction PostgreSQL chose as a deadlock victim.

LOCK ORDER (every path that locks more than one of these rows takes them top-down, never bottom-up):

    1. campaign            (numbering at submission)
    2. application         (`applicants`: every application transition)
    3. order               (`payments`: settlement, refunds, payment notifications)
    4. payment / refund    (`payments`: ledger rows of that order)
    5. notification        (`certification`: the outbox row being sent)

A withdrawal locks the application (its transition) and then the order (settling the fee); a payment
notification looks the order up *without* a lock, locks its application, then the order, then confirms. Two
paths that take the same rows in the same order wait for each other instead of deadlocking.

Deadlocks can still come from rows outside this table (or from a future path that forgets it), and PostgreSQL
aborts one of the transactions as the victim (`40P01`), as it does under SERIALIZABLE with `40001`.
`run_atomic_with_retry` runs such a unit of work again, a bounded number of times, from the start.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

# SQLSTATEs of "your transaction lost a race; run it again": deadlock_detected, serialization_failure.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 5


def is_retryable(exc: BaseException) -> bool:
    """Whether `exc` (a Django OperationalError) is PostgreSQL aborting us as a deadlock or serialization victim."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def run_atomic_with_retry(work: Callable[[], T], *, attempts: int = ATTEMPTS, label: str = "") -> T:
    """Run `work()` in its own transaction; if PostgreSQL aborts it as a deadlock/serialization victim, run it again.

    Inside an enclosing transaction nothing can be retried (the outer transaction is aborted as a whole), so
    `work()` then just runs in a savepoint and the error propagates to whoever owns the outer transaction.
    `work` must be safe to run again from the start: everything it wrote was rolled back, and the `on_commit`
    callbacks it registered were discarded with it.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if not is_retryable(exc) or attempt == attempts:
                raise
            logger.warning("%s: transaction aborted by the database (%s), retry %d of %d", label or work, exc,
                           attempt, attempts - 1)
            time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 — jitter, not a secret
    raise AssertionError("unreachable")
