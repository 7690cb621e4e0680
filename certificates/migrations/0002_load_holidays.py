"""Load the years chinesecalendar covers into the holiday table, so working days count from the start."""

from django.db import migrations


def load(apps, schema_editor):
    from certification.workdays import load_library_years

    load_library_years(calendar_year_model=apps.get_model("certificates", "CalendarYear"),
                       holiday_day_model=apps.get_model("certificates", "HolidayDay"))


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_holiday_calendar")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
