from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    verbose_name = "公示与证书"
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"

    def ready(self):
        from certification import logdisplay

        from .logcodes import LABELS

        logdisplay.register(LABELS)
