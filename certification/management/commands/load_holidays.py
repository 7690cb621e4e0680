from django.core.management.base import BaseCommand
from django.db import transaction

from certification.models import CalendarYear, HolidayDay
from certification.workdays import library_years, load_library_years


class Command(BaseCommand):
    help = ("把 chinesecalendar 提供的各年度放假与调休安排载入节假日表（已有年度默认不覆盖，"
            "以免冲掉管理员的修改；--refresh 强制覆盖）。")

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="只载入这些年度（默认：库中所有年度）")
        parser.add_argument("--refresh", action="store_true", help="覆盖已有年度")

    def handle(self, *args, years, refresh, **options):
        available = library_years()
        missing = [y for y in years if y not in available]
        if missing:
            self.stderr.write(f"chinesecalendar 没有这些年度的数据：{missing}；请在后台人工录入。")
        with transaction.atomic():
            loaded = load_library_years(calendar_year_model=CalendarYear, holiday_day_model=HolidayDay,
                                        years=[y for y in years if y in available] or None, refresh=refresh)
        self.stdout.write(f"已载入年度：{loaded or '无（均已存在）'}；库覆盖 {available[0]}–{available[-1]} 年。")
