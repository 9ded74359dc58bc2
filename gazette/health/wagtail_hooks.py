"""The dashboard warns editors when background tasks wait: a hung worker is seen, not discovered
by an alert that never went out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from wagtail import hooks
from wagtail.admin.ui.components import Component

from . import selectors


class TaskAgePanel(Component):
    name = "gazette_task_age"
    template_name = "health/admin/task_age_panel.html"
    order = 50  # above Wagtail's own panels (100 and up): it asks for action

    def __init__(self, age: float) -> None:
        self.age = age

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"age": round(self.age), "limit": settings.GAZETTE_TASK_AGE_WARNING_SECONDS}


@hooks.register("construct_homepage_panels")
def add_task_age_panel(request: Any, panels: list[Any]) -> None:
    age = selectors.oldest_ready_task_age()
    if age is not None and age > settings.GAZETTE_TASK_AGE_WARNING_SECONDS:
        panels.append(TaskAgePanel(age))
