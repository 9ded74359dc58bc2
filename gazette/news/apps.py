from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "gazette.news"
    label = "news"
    verbose_name = "News"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import newsroom_admin, routing, signals  # noqa: F401  (connect hooks, signals)
