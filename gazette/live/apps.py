from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "gazette.live"
    label = "live"
    verbose_name = "Live coverage"
    default_auto_field = "django.db.models.BigAutoField"
