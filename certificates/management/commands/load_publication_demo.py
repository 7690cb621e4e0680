from django.core.management.base import BaseCommand

from certificates.demo import load_publication_demo


class Command(BaseCommand):
    help = "为演示活动载入一份公示中的名单和两张可查验的证书（可重复执行；需先运行 load_demo）。"

    def handle(self, *args, **options):
        out = load_publication_demo()
        if "notice" in out:
            self.stdout.write(f"  公示：/notices/{out['notice'].campaign.slug}/")
        for app in out.get("certificates", []):
            cert = getattr(app, "certificate", None)
            if cert:
                self.stdout.write(f"  证书 {cert.number}（{cert.holder_name}）：/verify/c/{cert.verify_token}/")
        self.stdout.write(self.style.SUCCESS("公示与证书演示数据已就绪。"))
