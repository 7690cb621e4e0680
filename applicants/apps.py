from django.apps import AppConfig


class ApplicantsConfig(AppConfig):
    verbose_name = "申请与申报书"
    default_auto_field = "django.db.models.BigAutoField"
    name = "applicants"

    def ready(self):
        from django.db.models.signals import post_save
        from PIL import Image

        from certification import logdisplay
        from certification.models import Campaign

        from . import logcodes, selectors
        from .files import SCAN_MAX_PIXELS

        logdisplay.register(logcodes.LABELS)
        # Pillow's own guard for every decode in the process (uploads, the form PDF): it warns above this and
        # raises DecompressionBombError at twice it, so nothing larger than our largest cap is ever decoded.
        Image.MAX_IMAGE_PIXELS = SCAN_MAX_PIXELS
        # 我的认证 keeps the open campaigns in the cache; a saved campaign drops them (selectors.open_campaigns).
        post_save.connect(selectors.open_campaigns_forget, sender=Campaign,
                          dispatch_uid="applicants.open_campaigns_forget")
