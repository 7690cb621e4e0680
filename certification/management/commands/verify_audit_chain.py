"""manage.py verify_audit_chain [--seal]: check the audit log's hash chain; exit 1 at the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from certification.audit_chain import seal, verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一处断链（退出码 1）。"

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="先封存已稳定的新记录，再校验。")

    def handle(self, *args, seal_first=False, **options):
        if options["seal"]:
            self.stdout.write(f"封存 {seal()} 条新记录。")
        checked, broken = verify()
        if broken:
            raise CommandError(f"审计日志第 {broken.entry_id} 号记录断链：{broken.problem}（已检查 {checked} 条）。")
        self.stdout.write(self.style.SUCCESS(f"审计日志哈希链完整：已检查 {checked} 条。"))
