from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    verbose_name = "评审"
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
