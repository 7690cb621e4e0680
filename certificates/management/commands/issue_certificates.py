from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates import services
from certification.models import Campaign


class Command(BaseCommand):
    help = "为公示已结束的认证活动生成证书（与工作台“生成证书”相同；中断后重新运行只补做未完成的部分）。"

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="认证活动代码（slug）")

    def handle(self, *args, campaign, **options):
        try:
            c = Campaign.objects.get(slug=campaign)
            batch = services.certificate_batch_start(campaign=c, actor=None)
        except Campaign.DoesNotExist:
            raise CommandError(f"没有代码为 {campaign} 的认证活动。") from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        batch.refresh_from_db()
        self.stdout.write(f"证书生成任务 #{batch.pk}：{batch.get_status_display()}，"
                          f"已生成 {batch.done} / {batch.total}")
