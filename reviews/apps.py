from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    verbose_name = "评审"
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"

    def ready(self):
        from certification import logdisplay

        from . import logcodes

        logdisplay.register(logcodes.LABELS)
        # Other review modules register their own tables here, one line each (exam_logcodes, ranking_logcodes).
        from . import exam_logcodes

        exam_logcodes.ready()
        from . import ranking_logcodes, ranking_receivers, ranking_rules, ranking_tasks  # noqa: E402,F401,I001
        logdisplay.register(ranking_logcodes.LABELS)
        # The workbench keeps its list totals in the cache; a saved or deleted application drops them.
        from django.db.models.signals import post_delete, post_save

        from applicants.models import Application
        from certification.models import Campaign

        from .selectors import authority_campaigns_forget, eligibility_counts_forget

        post_save.connect(eligibility_counts_forget, sender=Application, dispatch_uid="reviews.eligibility_counts")
        post_delete.connect(eligibility_counts_forget, sender=Application, dispatch_uid="reviews.eligibility_counts")
        # And its campaign list per authority; a saved or deleted campaign drops it.
        post_save.connect(authority_campaigns_forget, sender=Campaign, dispatch_uid="reviews.authority_campaigns")
        post_delete.connect(authority_campaigns_forget, sender=Campaign, dispatch_uid="reviews.authority_campaigns")
