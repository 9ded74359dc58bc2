from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "gazette.comments"
    label = "comments"
    verbose_name = "Discussion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers that refresh every process's rules when they change.
        from . import rules  # noqa: F401
