from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.verification import verify_file


class Command(BaseCommand):
    help = ("离线核验证书文件（签名的PDF或可验证凭证 .jwt）：检查颁发单位的数字签名和撤销状态。"
            "有效时退出码为0，已撤销为2，无效为1。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="证书PDF或VC-JWT文件路径")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        result = verify_file(path.read_bytes())
        cert = result.certificate
        self.stdout.write(f"结果：{ {'valid': '有效', 'revoked': '已撤销', 'invalid': '无效'}[result.status] }")
        self.stdout.write(result.message)
        if cert:
            self.stdout.write(f"证书编号：{cert.number}\n姓名：{cert.holder_name}\n认证级别：{cert.get_level_display()}\n"
                              f"颁发日期：{cert.issued_on:%Y-%m-%d}\n颁发单位：{cert.issuer_text}")
        if result.status != "valid":
            raise SystemExit(2 if result.status == "revoked" else 1)
