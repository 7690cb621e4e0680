"""Working days from the holiday table: National Day 2024 with its adjusted working weekend days, and a year
the table does not cover."""

import datetime as dt

import pytest
from django.core.management import call_command

from certification.models import CalendarYear, HolidayDay
from certification.workdays import (
    CalendarMissing,
    WorkdayCalendar,
    add_working_days,
    is_workday,
    load_library_years,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_migration_loaded_the_library_years():
    assert CalendarYear.objects.filter(year__in=[2023, 2024, 2025]).count() == 3
    assert HolidayDay.objects.get(date=D(2024, 10, 1)).name == "国庆节"
    assert HolidayDay.objects.get(date=D(2024, 10, 12)).kind == HolidayDay.Kind.WORKDAY


def test_national_day_2024_and_its_adjusted_working_days():
    assert is_workday(D(2024, 9, 27))                     # Friday
    assert is_workday(D(2024, 9, 29))                     # Sunday, worked (调休)
    assert not any(is_workday(D(2024, 10, d)) for d in range(1, 8))
    assert is_workday(D(2024, 10, 12))                    # Saturday, worked (调休)
    assert not is_workday(D(2024, 10, 13))                # an ordinary Sunday


def test_five_working_days_across_national_day():
    # Opened Saturday 28 Sept, first day not counted: 29 Sept (Sun, worked), 30 Sept, then 8, 9, 10 Oct.
    assert add_working_days(D(2024, 9, 28), 5, first_day_counts=False) == D(2024, 10, 10)
    # Opened Sunday 29 Sept (a working day) and counted: 29, 30 Sept, 8, 9, 10 Oct.
    assert add_working_days(D(2024, 9, 29), 5, first_day_counts=True) == D(2024, 10, 10)
    # Not counted: 30 Sept, 8, 9, 10, 11 Oct.
    assert add_working_days(D(2024, 9, 29), 5, first_day_counts=False) == D(2024, 10, 11)
    # Opened 8 Oct and not counted: 9, 10, 11, then Saturday 12 (worked), then Monday 14.
    assert add_working_days(D(2024, 10, 8), 5, first_day_counts=False) == D(2024, 10, 14)
    # A holiday as the opening day never counts, even when the first day would.
    assert add_working_days(D(2024, 10, 1), 1, first_day_counts=True) == D(2024, 10, 8)


def test_an_administrators_correction_is_used():
    HolidayDay.objects.filter(date=D(2024, 10, 12)).delete()  # say the adjusted Saturday was cancelled
    assert not is_workday(D(2024, 10, 12))
    assert add_working_days(D(2024, 10, 8), 5, first_day_counts=False) == D(2024, 10, 15)


def test_a_year_without_a_calendar_is_refused_in_chinese():
    CalendarYear.objects.filter(year=2026).delete()
    with pytest.raises(CalendarMissing) as exc:
        is_workday(D(2026, 3, 2))
    assert "尚未录入2026年的放假与调休安排" in exc.value.messages[0]
    assert "请管理员在后台" in exc.value.messages[0]
    # A period that runs into the missing year is refused too, not silently counted as Monday–Friday.
    with pytest.raises(CalendarMissing):
        add_working_days(D(2025, 12, 29), 5, first_day_counts=False)
    # Beyond the library entirely.
    with pytest.raises(CalendarMissing, match="2099年"):
        WorkdayCalendar().is_workday(D(2099, 1, 5))


def test_command_reloads_a_year_without_touching_other_years():
    CalendarYear.objects.filter(year=2024).delete()
    HolidayDay.objects.filter(date__year=2024).delete()
    HolidayDay.objects.create(date=D(2025, 1, 2), kind=HolidayDay.Kind.HOLIDAY, name="人工修改")
    call_command("load_holidays")
    assert is_workday(D(2024, 10, 12)) and not is_workday(D(2024, 10, 1))
    assert HolidayDay.objects.get(date=D(2025, 1, 2)).name == "人工修改"  # not overwritten without --refresh
    call_command("load_holidays", "2025", "--refresh")
    assert not HolidayDay.objects.filter(date=D(2025, 1, 2)).exists()


@pytest.mark.django_db(transaction=True)
def test_moving_the_calendar_to_the_kernel_keeps_an_administrators_corrections():
    """certificates 0004 copies the rows, corrections included, into the kernel's tables before dropping its own."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("certificates", "0003_notices_complaints_certificates"),
              ("certification", "0009_audit_chain_and_triggers")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old_year, old_day = old.get_model("certificates", "CalendarYear"), old.get_model("certificates", "HolidayDay")
    # The old tables hold what the kernel's held (an earlier test may have emptied it): load 2024 as 0002 did.
    load_library_years(calendar_year_model=old_year, holiday_day_model=old_day, years=[2024])
    old_day.objects.update_or_create(date=D(2024, 10, 12), defaults={"kind": "workday", "name": "人工更正"})
    old_year.objects.create(year=2099, source="manual", note="国办发明电〔2098〕1号")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert HolidayDay.objects.get(date=D(2024, 10, 12)).name == "人工更正"
    assert CalendarYear.objects.get(year=2099).note == "国办发明电〔2098〕1号"
    assert HolidayDay.objects.filter(date__year=2024).count() > 20
