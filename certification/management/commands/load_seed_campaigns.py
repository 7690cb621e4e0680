from django.core.management.base import BaseCommand

from certification.seed import load_seed_campaigns


class Command(BaseCommand):
    help = "载入省份、认证机构和通知中的种子认证活动（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true",
                            help="用种子数据覆盖已有的种子活动（保留其状态）；默认只创建缺少的活动。")

    def handle(self, *args, **options):
        for campaign in load_seed_campaigns(refresh=options["refresh"]):
            self.stdout.write(f"  {campaign.slug}: {campaign.title}")
        self.stdout.write(self.style.SUCCESS("种子认证活动已载入。"))
