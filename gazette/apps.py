"""The project itself as an app: it makes the data folders when Django starts.

Importing settings creates nothing (a tool that only reads them leaves no ``var/`` behind); the
folders are made here instead, before the first database connection and before WhiteNoise
looks for STATIC_ROOT. diskcache makes its own folder, and file storage makes MEDIA_ROOT's
subfolders as it saves.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def data_folders() -> list[Path]:
    """The folders a process needs before it starts: the data folder, the SQLite database's
    folder and STATIC_ROOT."""
    folders = [Path(settings.DATA_DIR), Path(settings.STATIC_ROOT)]
    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
            folders.append(Path(database["NAME"]).parent)
    return folders


class GazetteConfig(AppConfig):
    name = "gazette"
    label = "gazette"
    verbose_name = "Gazette"

    def ready(self) -> None:
        for folder in data_folders():
            folder.mkdir(parents=True, exist_ok=True)
