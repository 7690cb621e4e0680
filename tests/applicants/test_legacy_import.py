"""Legacy import: idempotent re-import, bad rows reported by row and column while good rows import."""

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applicants import services
from applicants.models import ApplicantProfile, Application
from applicants.resources import ApplicationExportResource
from certification.models import AuditEntry, User

from .conftest import valid_id

pytestmark = pytest.mark.django_db
HEADERS = ["电子邮箱", "姓名", "身份证号码", "手机号码", "工作单位", "所在省份代码", "认证活动代码", "申报编号", "状态",
           "提交时间"]


def _csv(rows) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADERS) + "\n")
    for r in rows:
        out.write(",".join(r) + "\n")
    return out.getvalue().encode("utf-8-sig")


GOOD = [
    ["Wang@Example.cn", "王芳", valid_id("32010219850203102"), "13912345678", "南京市第一中学", "320000",
     "jiangsu-junior-2024", "2024132000101", "资格审查中", "2025-02-01 10:30"],
    ["li@example.cn", "李强", valid_id("32010219790304201"), "13812340000", "苏州中学", "320000",
     "jiangsu-intermediate-2024", "2024232000102", "submitted", "2025-02-02 09:00"],
]
BAD_ID = valid_id("32010219900101301")[:-1] + ("1" if valid_id("32010219900101301")[-1] != "1" else "2")
BAD = [
    ["zhao@example.cn", "赵敏", BAD_ID, "13700000000", "无锡一中", "320000", "jiangsu-junior-2024", "", "草稿", ""],
    ["qian@example.cn", "钱多", valid_id("32010219910101401"), "13700000001", "常州一中", "320000", "no-such-campaign",
     "", "草稿", ""],
    ["sun@example.cn", "孙一", valid_id("32010219920101501"), "13700000002", "扬州一中", "320000",
     "jiangsu-junior-2024", "", "飞走了", ""],
]


def test_reimport_creates_no_duplicates(seeded):
    data = _csv(GOOD)
    result, errors = services.legacy_import(data=data, file_name="legacy.csv")
    assert errors == [] and result.totals["new"] == 2
    assert Application.objects.count() == 2 and User.objects.filter(role="applicant").count() == 2
    wang = Application.objects.get(number="2024132000101")
    assert wang.applicant.email == "wang@example.cn" and wang.status == "under_review"
    assert wang.applicant.applicant_profile.birth_date.isoformat() == "1985-02-03"
    result, errors = services.legacy_import(data=data, file_name="legacy.csv")
    assert errors == [] and result.totals["new"] == 0 and result.totals["skip"] == 2
    assert Application.objects.count() == 2 and User.objects.count() == 2
    assert ApplicantProfile.objects.count() == 2
    assert AuditEntry.objects.filter(action="applicants.application.imported").count() == 2


def test_match_by_id_number_when_email_changed(seeded):
    services.legacy_import(data=_csv(GOOD[:1]), file_name="a.csv")
    moved = [["new-wang@example.cn", *GOOD[0][1:]]]
    result, errors = services.legacy_import(data=_csv(moved), file_name="b.csv")
    assert errors == [] and Application.objects.count() == 1 and User.objects.count() == 1


def test_bad_rows_reported_by_row_and_column_good_rows_import(seeded):
    result, errors = services.legacy_import(data=_csv([BAD[0], GOOD[0], BAD[1], BAD[2], GOOD[1]]),
                                            file_name="mixed.csv")
    assert Application.objects.count() == 2
    assert not User.objects.filter(email__in=["zhao@example.cn", "qian@example.cn", "sun@example.cn"]).exists()
    by_row = {(n, col): msgs for n, col, msgs in errors}
    assert "校验位" in by_row[(1, "身份证号码")][0]
    assert "no-such-campaign" in by_row[(3, "认证活动代码")][0]
    assert "飞走了" in by_row[(4, "状态")][0]


def test_one_level_per_year_reported_as_row_error(seeded):
    clash = [GOOD[0], [*GOOD[0][:6], "jiangsu-intermediate-2024", "2024232000999", "草稿", ""]]
    result, errors = services.legacy_import(data=_csv(clash), file_name="clash.csv")
    assert Application.objects.count() == 1
    assert errors and errors[0][0] == 2 and "一个级别" in " ".join(errors[0][2])


def test_xlsx_import(seeded):
    ds = tablib.Dataset(headers=HEADERS)
    for r in GOOD:
        ds.append(r)
    result, errors = services.legacy_import(data=ds.export("xlsx"), file_name="legacy.xlsx")
    assert errors == [] and Application.objects.count() == 2


def test_admin_legacy_import_page_and_masked_export(client, seeded, make_user,
                                                    django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser(email="admin@example.cn", password="Pass-word-2026")
    client.force_login(admin)
    assert client.get(reverse("admin:applicants_application_legacy_import")).status_code == 200
    # The import now runs as a background job (eager in tests) and the admin lands on the job's page.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:applicants_application_legacy_import"),
                               {"import_file": SimpleUploadedFile("legacy.csv", _csv([GOOD[0], BAD[0]]))})
    response = client.get(response["Location"])
    page = response.content.decode()
    assert "新增 1 行" in page and "第2行" in page and "校验位" in page
    exported = ApplicationExportResource().export().csv
    full_id = GOOD[0][2]
    assert full_id not in exported and full_id[:4] + "**********" + full_id[-4:] in exported
    assert "旧平台数据导入" in client.get(reverse("admin:applicants_application_changelist")).content.decode()
