from django.apps import AppConfig


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = "认证活动"

    def ready(self):
        from . import logcodes, logdisplay

        logdisplay.register(logcodes.LABELS)

        from django.conf import settings

        from .export_formats import CSV, XLSX

        # django-import-export reads this on every admin export/import: formula cells neutralised (issue 9.7).
        settings.IMPORT_EXPORT_FORMATS = [CSV, XLSX]
