from django.core.management.base import BaseCommand

from certificates.demo import load_publication_demo


class Command(BaseCommand):
    help = "为演示活动载入一份公示中的名单和两张可查验的证书（可重复执行；需先运行 load_demo）。"

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default="", help="证书二维码指向的站点地址（默认取 SITE_URL 设置）")

    def handle(self, *args, site_url="", **options):
        from django.conf import settings

        if site_url:
            # The QR codes and credentials point at the address `make run` serves.
            settings.SITE_URL = site_url.rstrip("/")
        out = load_publication_demo()
        if "notice" in out:
            self.stdout.write(f"  公示：/notices/{out['notice'].campaign.slug}/")
        for app in out.get("certificates", []):
            cert = getattr(app, "certificate", None)
            if cert:
                self.stdout.write(f"  证书 {cert.number}（{cert.holder_name}）：/verify/c/{cert.verify_token}/")
        self.stdout.write(self.style.SUCCESS("公示与证书演示数据已就绪。"))
