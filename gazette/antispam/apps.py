from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class AntispamConfig(AppConfig):
    name = "gazette.antispam"
    label = "antispam"
    verbose_name = "Spam defence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_engine_options)


def check_engine_options(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """A misspelt engine setting stops the server at start, not the first comment's check."""
    from . import state

    try:
        state.engine_config()
    except (ImproperlyConfigured, TypeError, ValueError) as error:
        return [checks.Error(str(error), id="antispam.E001")]
    return []
