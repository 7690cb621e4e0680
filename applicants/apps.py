from django.apps import AppConfig


class ApplicantsConfig(AppConfig):
    verbose_name = "申请与申报书"
    default_auto_field = "django.db.models.BigAutoField"
    name = "applicants"

    def ready(self):
        from PIL import Image

        from certification import logdisplay

        from . import logcodes
        from .files import SCAN_MAX_PIXELS

        logdisplay.register(logcodes.LABELS)
        # Pillow's own guard for every decode in the process (uploads, the form PDF): it warns above this and
        # raises DecompressionBombError at twice it, so nothing larger than our largest cap is ever decoded.
        Image.MAX_IMAGE_PIXELS = SCAN_MAX_PIXELS
