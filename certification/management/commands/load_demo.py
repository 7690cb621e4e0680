from django.core.management.base import BaseCommand

from certification.demo import load_demo_accounts
from certification.seed import load_demo_campaigns, load_seed_campaigns


class Command(BaseCommand):
    help = "载入种子认证活动、当前开放报名的演示活动和每个角色一个演示账号（可重复执行）。"

    def handle(self, *args, **options):
        load_seed_campaigns()
        for campaign in load_demo_campaigns():
            self.stdout.write(f"  演示活动 {campaign.slug}: {campaign.application_start} – {campaign.application_end}")
        self.stdout.write(self.style.SUCCESS("演示账号（仅供本机体验）："))
        for role, email, password in load_demo_accounts():
            self.stdout.write(f"  {role:<8} {email:<28} 密码 {password}")
