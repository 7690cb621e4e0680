"""Tamper evidence for the audit log: a hash chain.

Each entry carries `content_hash`, a SHA-256 of what it records, written with the row. The sealer links the
entries in id order: `prev_hash` is the previous entry's `chain_hash`, `chain_hash` = SHA-256(prev_hash +
content_hash). It runs apart from the transactions that write entries (a beat task, and before each check), so
writing an audit entry never waits on a global lock; it seals only entries older than SETTLE, by which time any
transaction that drew a lower id has long committed. On PostgreSQL triggers refuse any change to an entry except
filling the two chain columns once (see migration 0009_audit_chain_and_triggers).

`verify()` recomputes every content hash and every link and reports the first entry that does not match: an
entry edited behind the triggers' back (or with them disabled), removed, or inserted out of order.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry

GENESIS = "0" * 64
SETTLE = dt.timedelta(minutes=2)
BATCH = 2000


def link(prev_hash: str, content_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}{content_hash}".encode()).hexdigest()


def seal(*, now: dt.datetime | None = None, settle: dt.timedelta = SETTLE) -> int:
    """Chain every unsealed entry older than `settle`, in id order. Returns how many were sealed."""
    now = now or timezone.now()
    sealed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one sealer at a time; writers of entries never take it
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('certification.audit_chain'))")
        head = (AuditEntry.objects.exclude(chain_hash="").order_by("-pk").values_list("pk", "chain_hash").first())
        head_pk, prev = head if head else (0, GENESIS)
        pending = list(AuditEntry.objects.filter(pk__gt=head_pk, chain_hash="", at__lt=now - settle)
                       .order_by("pk")[:BATCH])
        for entry in pending:
            chained = link(prev, entry.content_hash)
            AuditEntry.objects.filter(pk=entry.pk, chain_hash="").update(prev_hash=prev, chain_hash=chained)
            prev = chained
            sealed += 1
    return sealed


@dataclass
class Break:
    entry_id: int
    problem: str


def verify() -> tuple[int, Break | None]:
    """(entries checked, the first broken link or None). Unsealed entries after the head are checked for their
    content only; an unsealed entry *below* a sealed one is a break (the chain skipped or lost it)."""
    prev = GENESIS
    checked = 0
    chain_ended = False
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=BATCH):
        checked += 1
        if entry.compute_content_hash() != entry.content_hash:
            return checked, Break(entry.pk, "内容与摘要不符（记录被修改）")
        if not entry.chain_hash:
            chain_ended = True
            continue
        if chain_ended:
            return checked, Break(entry.pk, "链中有未封存的记录（记录被插入或链被截断）")
        if entry.prev_hash != prev:
            return checked, Break(entry.pk, "前一条链摘要不符（前面的记录被删除或替换）")
        if link(prev, entry.content_hash) != entry.chain_hash:
            return checked, Break(entry.pk, "链摘要不符")
        prev = entry.chain_hash
    return checked, None
