from django.apps import AppConfig


class ApplicantsConfig(AppConfig):
    verbose_name = "申请与申报书"
    default_auto_field = "django.db.models.BigAutoField"
    name = "applicants"

    def ready(self):
        from certification import logdisplay

        from . import logcodes

        logdisplay.register(logcodes.LABELS)
