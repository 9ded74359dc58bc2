"""Who may send an alert: Wagtail's own "Moderators" group, the people who publish stories.

An alert reaches every subscriber of a topic within seconds and cannot be called back, so it
goes with the right to publish, not with the right to write a draft (Wagtail's "Editors").
Other people get ``alerts.send_alert`` one by one or through a group of the site's own.
Permissions are normally created after every migration has run (post_migrate), so on a new
database this one may not exist yet: it is made as that step would make it. A site that renamed
or deleted the "Moderators" group is left alone.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

GROUP = "Moderators"
CODENAME = "send_alert"


def grant(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="alerts", model="alert")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": "Can send alerts"})
    group.permissions.add(permission)


def revoke(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="alerts", codename=CODENAME))


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0002_send_permission_retry_at"),
        # Wagtail's initial data makes the "Moderators" group.
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
