from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "gazette.trust"
    label = "trust"
    verbose_name = "Trust pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the footer's links follow the pages)
