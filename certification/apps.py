from django.apps import AppConfig


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = "认证活动"

    def ready(self):
        from . import logcodes, logdisplay

        logdisplay.register(logcodes.LABELS)
