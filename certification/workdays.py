"""Mainland China working days from the holiday table (weekends, public holidays, 调休 working days).

The table is loaded from the `chinesecalendar` library (`manage.py load_holidays`, also run by a data
migration) and administrators edit it in the admin, so next year's schedule can be entered the day the
State Council publishes it. A date in a year the table does not cover is refused, never guessed.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError

# The longest stretch we ever count: a notice of at most 60 working days fits easily.
MAX_SCAN_DAYS = 400


class CalendarMissing(ValidationError):
    def __init__(self, years: Iterable[int]):
        years = sorted(set(years))
        text = "、".join(f"{y}年" for y in years)
        super().__init__(
            f"节假日安排表尚未录入{text}的放假与调休安排，无法计算工作日。"
            f"请管理员在后台“节假日与调休”中录入{text}的安排（并在“节假日安排年度”中登记该年度）后再试。",
            code="calendar_missing",
        )
        self.years = years


def _library_chinese_name(english: str) -> str:
    from chinese_calendar.constants import Holiday

    for h in Holiday:
        if h.value == english:
            return h.chinese
    return english


def library_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def load_library_years(*, calendar_year_model, holiday_day_model, years: Iterable[int] | None = None,
                       refresh: bool = False) -> list[int]:
    """Copy the library's schedule into the table. Takes the model classes so a data migration can use it.

    A year already in the table is left alone (an administrator may have corrected it) unless `refresh`.
    Returns the years loaded.
    """
    from chinese_calendar import constants

    wanted = set(years) if years is not None else set(library_years())
    existing = set(calendar_year_model.objects.filter(year__in=wanted).values_list("year", flat=True))
    todo = sorted(wanted if refresh else wanted - existing)
    if not todo:
        return []
    holiday_day_model.objects.filter(date__year__in=todo).delete()
    rows = [holiday_day_model(date=d, kind="holiday", name=_library_chinese_name(n))
            for d, n in constants.holidays.items() if d.year in todo]
    rows += [holiday_day_model(date=d, kind="workday", name=f"{_library_chinese_name(n)}调休")
             for d, n in constants.workdays.items() if d.year in todo]
    holiday_day_model.objects.bulk_create(rows)
    for y in todo:
        calendar_year_model.objects.update_or_create(year=y, defaults={"source": "library",
                                                                       "note": "chinesecalendar 数据"})
    return todo


class WorkdayCalendar:
    """Answers working-day questions from the table; loads each year once per instance."""

    def __init__(self):
        self._years: dict[int, dict[dt.date, bool]] = {}

    def _year(self, year: int) -> dict[dt.date, bool]:
        if year not in self._years:
            from .models import CalendarYear, HolidayDay

            if not CalendarYear.objects.filter(year=year).exists():
                raise CalendarMissing([year])
            self._years[year] = {d: k == HolidayDay.Kind.WORKDAY for d, k in
                                 HolidayDay.objects.filter(date__year=year).values_list("date", "kind")}
        return self._years[year]

    def is_workday(self, day: dt.date) -> bool:
        special = self._year(day.year).get(day)
        if special is not None:
            return special
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int, *, first_day_counts: bool) -> dt.date:
        """The date of the `count`-th working day of a period that begins on `start`.

        With `first_day_counts`, `start` itself is day one when it is a working day; otherwise counting
        begins the next day (as 《民法典》第二百零一条 counts periods: 开始的当日不计入).
        """
        if count < 1:
            raise ValidationError("公示期至少为1个工作日。", code="bad_count")
        day = start if first_day_counts else start + dt.timedelta(days=1)
        seen = 0
        for _ in range(MAX_SCAN_DAYS):
            if self.is_workday(day):
                seen += 1
                if seen == count:
                    return day
            day += dt.timedelta(days=1)
        raise ValidationError("公示期过长，无法计算结束日期。", code="too_long")


def is_workday(day: dt.date) -> bool:
    return WorkdayCalendar().is_workday(day)


def add_working_days(start: dt.date, count: int, *, first_day_counts: bool) -> dt.date:
    return WorkdayCalendar().add_working_days(start, count, first_day_counts=first_day_counts)
