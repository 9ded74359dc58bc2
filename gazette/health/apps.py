from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "gazette.health"
    label = "health"
    verbose_name = "Health checks"
