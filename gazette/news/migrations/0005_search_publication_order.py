"""Search's index in publication order, on SQLite with FTS5 (gazette.news.search_order)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _tables(apps: Apps) -> tuple[str, str]:
    entry_table = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    return entry_table, apps.get_model("wagtailcore", "Page")._meta.db_table


def _has_wagtails_fts(schema_editor: BaseDatabaseSchemaEditor, entry_table: str) -> bool:
    if schema_editor.connection.vendor != "sqlite":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"{entry_table}_fts"])
        return cursor.fetchone() is not None


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from gazette.news.search_order import schema_create

    entry_table, page_table = _tables(apps)
    if _has_wagtails_fts(schema_editor, entry_table):
        for statement in schema_create(entry_table, page_table):
            schema_editor.execute(statement, None)


def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from gazette.news.search_order import schema_drop

    if schema_editor.connection.vendor == "sqlite":
        for statement in schema_drop():
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):

    dependencies = [
        ("news", "0004_front_page_zones"),
        ("wagtailsearch", "0010_add_text_fields"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
