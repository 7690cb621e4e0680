from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from payments.demo import pay_demo_order
from reviews.demo import EXPERT_PASSWORD, load_exam_demo, load_review_demo


class Command(BaseCommand):
    # Here, in the top layer, because it joins two apps that may not import each other: the review demo's
    # applications are paid through payments (a confirmed bank transfer), so their orders show paid too.
    help = "载入评审演示数据：全国协会演示专家库、若干待资格审查的高级演示申请和一场在线笔试（可重复执行）。"

    def handle(self, *args, **options):
        # The demo applicants' status mails would flood the console: keep them in memory (the outbox has them).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            out = load_review_demo(pay=pay_demo_order)
            exam = load_exam_demo(pay=pay_demo_order)
        self.stdout.write(self.style.SUCCESS(
            "评审演示：全国秘书处账号在“资格审查”中审查申请、发布决定，在“业绩评审”中运行自动分配；专家账号在“评审任务”中评分。"))
        for email in out["experts"]:
            self.stdout.write(f"  评审专家 {email:<28} 密码 {EXPERT_PASSWORD}")
        self.stdout.write(f"  新增待审查的演示申请 {out['applications']} 份（订单已按银行转账确认收款）")
        if exam:
            session = exam["session"]
            self.stdout.write(self.style.SUCCESS(
                f"笔试演示：{session.title}，{timezone.localtime(session.starts_at):%Y-%m-%d} 至 "
                f"{timezone.localtime(session.ends_at):%Y-%m-%d} 可在“考试中心”作答。"))
            self.stdout.write(f"  考生     {exam['candidate']:<28} 密码 {exam['password']}")
