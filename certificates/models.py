"""Public notices (公示), complaints (投诉), certificates and the working-day calendar they count with.

Models stay thin: writes go through `certificates.services`, reads through `certificates.selectors`.
"""

from django.db import models


class CalendarYear(models.Model):
    """A year whose official holiday schedule (放假与调休安排) is in `HolidayDay`.

    Only covered years are counted: a date in any other year is refused, never guessed, because a year
    without a row here is indistinguishable from a year without holidays.
    """

    class Source(models.TextChoices):
        LIBRARY = "library", "chinesecalendar 数据"
        MANUAL = "manual", "人工录入"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField("依据（如国务院办公厅通知文号）", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "节假日安排年度"

    def __str__(self):
        return f"{self.year}年"


class HolidayDay(models.Model):
    """One day that differs from the Monday–Friday rule: a public holiday, or a weekend working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日与调休"

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY
