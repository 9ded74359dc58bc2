from django.apps import AppConfig


class AntispamConfig(AppConfig):
    name = "gazette.antispam"
    label = "antispam"
    verbose_name = "Spam defence"
    default_auto_field = "django.db.models.BigAutoField"
