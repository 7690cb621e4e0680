"""certification.compiled: a queryset compiled once, run with new ids, rows as its values_list gives them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.compiled import CompiledQuery
from certification.models import AuditEntry, Campaign, User


def _campaigns(authority_id):
    return Campaign.objects.filter(authority_id=authority_id).order_by("slug").values_list(
        "slug", "application_start", "has_exam", "weight_exam")


def test_rows_equal_the_querysets_for_every_slot_value(seeded):
    query = CompiledQuery(_campaigns, "authority_id")
    authority_ids = sorted({c.authority_id for c in seeded.values()})
    assert len(authority_ids) > 1
    for authority_id in authority_ids:
        expected = list(_campaigns(authority_id))
        assert expected and query.rows(authority_id=authority_id) == expected
    # Converted as the ORM does, on SQLite too (dates come back as text there).
    slug, start, has_exam, weight = query.rows(authority_id=authority_ids[0])[0]
    assert isinstance(start, dt.date) and isinstance(has_exam, bool)
    assert query.rows(authority_id=10**9) == []


def test_compiles_once_then_runs_one_statement(seeded):
    built = []

    def build(authority_id):
        built.append(authority_id)
        return _campaigns(authority_id)

    query = CompiledQuery(build, "authority_id")
    authority_id = next(iter(seeded.values())).authority_id
    query.rows(authority_id=authority_id)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            query.rows(authority_id=authority_id)
    assert len(built) == 1
    assert len(captured) == 3


def test_text_slots_and_several_values_in_one_statement(db, make_user):
    user = make_user()
    other = make_user()
    ct = ContentType.objects.get_for_model(User)
    for who in (user, other):
        AuditEntry.objects.create(content_type=ct, object_id=str(who.pk), action="test.audited")

    def build(content_type, first, second):
        return (AuditEntry.objects.filter(content_type_id=content_type, object_id__in=[str(first), str(second)])
                .order_by("pk").values_list("object_id", flat=True))

    query = CompiledQuery(build, "content_type", "first", "second")
    assert query.rows(content_type=ct.pk, first=user.pk, second=other.pk) == [(str(user.pk),), (str(other.pk),)]
    assert query.rows(content_type=ct.pk, first=other.pk, second=10**9) == [(str(other.pk),)]


def test_values_must_be_ids(seeded):
    query = CompiledQuery(_campaigns, "authority_id")
    with pytest.raises(ValueError):
        query.rows(authority_id="1 OR 1=1")


def test_a_slot_the_query_does_not_use_is_refused(db):
    query = CompiledQuery(lambda authority_id: Campaign.objects.values_list("slug"), "authority_id")
    with pytest.raises(ValueError, match="authority_id"):
        query.rows(authority_id=1)


def test_a_slices_offset_is_a_slot(seeded):
    def build(offset):
        return Campaign.objects.order_by("slug").values_list("slug", flat=True)[offset:offset + 2]

    query = CompiledQuery(build, "offset")
    slugs = list(Campaign.objects.order_by("slug").values_list("slug", flat=True))
    assert len(slugs) >= 4
    for offset in range(len(slugs) + 1):
        assert [row[0] for row in query.rows(offset=offset)] == slugs[offset:offset + 2]
