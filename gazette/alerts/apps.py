from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "gazette.alerts"
    label = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (page_published: the auto alert, WebSub pings)
