"""The legacy import is set-based: a chunk costs the same few queries whatever its size, rows of one chunk see
each other, and audit rows are written in bulk, one per created or changed application."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applicants import services
from applicants.models import ApplicantProfile, Application
from certification.models import AuditEntry, User

from .conftest import valid_id
from .test_legacy_import import _csv

pytestmark = pytest.mark.django_db


def _rows(n, *, start=1, campaign="jiangsu-junior-2024"):
    return [[f"bulk{i}@example.cn", f"申请人{i}", valid_id(f"32010219800101{i:03d}"), "13912345678", "某中学",
             "320000", campaign, f"20241320{i:05d}", "资格审查中", "2025-02-01 10:30"] for i in range(start, start + n)]


def _queries(data):
    with CaptureQueriesContext(connection) as ctx:
        outcome, errors = services.legacy_import(data=data, file_name="bulk.csv")
    assert errors == []
    # Bulk INSERTs split into batches by the database's parameter limit (SQLite: 999); every other query is
    # counted as is.
    sqls = [q["sql"] for q in ctx.captured_queries]
    inserts = [q for q in sqls if q.startswith("INSERT")]
    assert len(inserts) <= 12, inserts
    return len(sqls) - len(inserts), outcome


def test_a_chunk_costs_the_same_queries_whatever_its_size(seeded, settings):
    settings.LEGACY_IMPORT_CHUNK_ROWS = 1000
    few, outcome = _queries(_csv(_rows(5)))
    assert outcome.totals["new"] == 5
    many, outcome = _queries(_csv(_rows(80, start=100)))
    assert outcome.totals["new"] == 80
    assert many <= few, f"{few} queries for 5 rows, {many} for 80"
    # The re-run reads the same sets and writes nothing.
    again, outcome = _queries(_csv(_rows(80, start=100)))
    assert outcome.totals == {"new": 0, "update": 0, "skip": 80, "invalid": 0} and again <= many
    assert AuditEntry.objects.filter(action="applicants.application.imported").count() == 85


def test_rows_of_one_chunk_see_each_other(seeded):
    wang = ["wang@example.cn", "王芳", valid_id("32010219850203102"), "", "南京一中", "320000"]
    rows = [
        [*wang, "jiangsu-junior-2024", "2024132000101", "资格审查中", ""],
        # Same person, same year, another level: refused (one level per year), nothing written for it.
        [*wang, "jiangsu-intermediate-2024", "2024232000102", "资格审查中", ""],
        # Same person (matched by ID number under a new address), another year: imported on the same account.
        ["wang.new@example.cn", *wang[1:], "national-senior-2023", "2023300000103", "已提交，待缴费", ""],
        # Someone new.
        ["li@example.cn", "李强", valid_id("32010219790304201"), "", "", "", "jilin-junior-2024", "", "草稿", ""],
        # That new account (created two rows ago, same chunk) giving Wang's ID number.
        ["li@example.cn", "李强", wang[2], "", "", "", "jilin-junior-2024", "", "草稿", ""],
        # Someone else claiming an application number used at the top.
        ["zhao@example.cn", "赵敏", "", "", "", "", "jilin-junior-2024", "2024132000101", "草稿", ""],
    ]
    outcome, errors = services.legacy_import(data=_csv(rows), file_name="mixed.csv")
    assert outcome.totals == {"new": 3, "update": 0, "skip": 0, "invalid": 3}
    by_row = {n: (col, " ".join(m)) for n, col, m in errors}
    assert "一个级别" in by_row[2][1], errors
    assert by_row[5][0] == "身份证号码" and "另一位申请人" in by_row[5][1]
    assert by_row[6][0] == "申报编号" and "2024132000101" in by_row[6][1]
    assert User.objects.filter(role="applicant").count() == 2 and ApplicantProfile.objects.count() == 2
    assert sorted(Application.objects.values_list("applicant__email", "campaign__slug")) == [
        ("li@example.cn", "jilin-junior-2024"), ("wang@example.cn", "jiangsu-junior-2024"),
        ("wang@example.cn", "national-senior-2023")]


def test_a_changed_row_updates_its_application_and_is_audited(seeded):
    row = _rows(1)[0]
    services.legacy_import(data=_csv([row]), file_name="a.csv")
    changed = [*row[:8], "资格审查通过", row[9]]
    outcome, errors = services.legacy_import(data=_csv([changed]), file_name="b.csv")
    assert errors == [] and outcome.totals["update"] == 1
    app = Application.objects.get()
    assert app.status == "eligible"
    last = AuditEntry.objects.for_object(app).order_by("pk").last()
    assert (last.from_state, last.to_state, last.reason) == ("under_review", "eligible", "导入文件：b.csv")


def test_each_distinct_value_is_checked_once_per_chunk(seeded, monkeypatch):
    """Forty rows sharing a mobile number check it against the numbering plan once, not forty times (the check
    parses with phonenumbers, the costliest per-row work of the import)."""
    import phonenumbers

    calls = []
    real_parse = phonenumbers.parse

    def counting_parse(number, *args, **kwargs):
        calls.append(number)
        return real_parse(number, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    rows = _rows(40)
    rows[-1][3] = "13812340000"
    outcome, errors = services.legacy_import(data=_csv(rows), file_name="shared.csv")
    assert errors == [] and outcome.totals["new"] == 40
    assert sorted(calls) == ["13812340000", "13912345678"]


def test_field_validators_give_the_models_own_messages(seeded):
    """Values checked once per chunk still get, row by row, exactly the messages clean_fields() gives."""
    long_name, long_employer, long_number = "王" * 51, "某" * 101, "N" * 33
    rows = _rows(4)
    rows[0][1] = long_name
    rows[1][4] = rows[2][4] = long_employer  # the same bad value on two rows: both reported
    rows[3][7] = long_number
    outcome, errors = services.legacy_import(data=_csv(rows), file_name="long.csv")
    assert outcome.totals == {"new": 0, "update": 0, "skip": 0, "invalid": 4}

    def expected(model, **values):
        with pytest.raises(ValidationError) as exc:
            model(**values).clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in values])
        return next(iter(exc.value.message_dict.values()))

    assert errors == [
        (1, "姓名", expected(ApplicantProfile, full_name=long_name)),
        (2, "工作单位", expected(ApplicantProfile, employer=long_employer)),
        (3, "工作单位", expected(ApplicantProfile, employer=long_employer)),
        (4, "申报编号", expected(Application, number=long_number)),
    ]
    assert "50" in errors[0][2][0]
