"""The working-day calendar moved to the kernel (`certification.workdays`): every app may count working days,
and a lower app may not import `certificates`. The rows (including an administrator's corrections) are copied
into the kernel's tables, then the old tables go."""

from django.db import migrations


def copy_rows(apps, schema_editor):
    old_year, old_day = apps.get_model("certificates", "CalendarYear"), apps.get_model("certificates", "HolidayDay")
    new_year, new_day = apps.get_model("certification", "CalendarYear"), apps.get_model("certification", "HolidayDay")
    new_year.objects.bulk_create(
        [new_year(year=y.year, source=y.source, note=y.note, updated_at=y.updated_at) for y in old_year.objects.all()],
        ignore_conflicts=True)
    new_day.objects.bulk_create(
        [new_day(date=d.date, kind=d.kind, name=d.name) for d in old_day.objects.all()], ignore_conflicts=True)


def copy_back(apps, schema_editor):
    old_year, old_day = apps.get_model("certificates", "CalendarYear"), apps.get_model("certificates", "HolidayDay")
    new_year, new_day = apps.get_model("certification", "CalendarYear"), apps.get_model("certification", "HolidayDay")
    old_year.objects.bulk_create(
        [old_year(year=y.year, source=y.source, note=y.note, updated_at=y.updated_at) for y in new_year.objects.all()])
    old_day.objects.bulk_create([old_day(date=d.date, kind=d.kind, name=d.name) for d in new_day.objects.all()])


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_notices_complaints_certificates"),
        ("certification", "0010_working_day_calendar"),
    ]

    operations = [
        migrations.RunPython(copy_rows, copy_back),
        migrations.DeleteModel(name="CalendarYear"),
        migrations.DeleteModel(name="HolidayDay"),
    ]
