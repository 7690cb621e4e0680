from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from reviews.demo import EXPERT_PASSWORD, load_review_demo


class Command(BaseCommand):
    help = "载入评审演示数据：全国协会演示专家库与若干待资格审查的高级演示申请（可重复执行）。"

    def handle(self, *args, **options):
        # The demo applicants' status mails would flood the console: keep them in memory (the outbox has them).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            out = load_review_demo()
        self.stdout.write(self.style.SUCCESS(
            "评审演示：全国秘书处账号在“资格审查”中审查申请、发布决定，在“业绩评审”中运行自动分配；专家账号在“评审任务”中评分。"))
        for email in out["experts"]:
            self.stdout.write(f"  评审专家 {email:<28} 密码 {EXPERT_PASSWORD}")
        self.stdout.write(f"  新增待审查的演示申请 {out['applications']} 份")
