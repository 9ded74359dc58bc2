"""The "Comment moderators" group: into the Wagtail admin, and the comment queues; nothing else.

Not Wagtail's own "Moderators" group: that one reviews and publishes stories (the "Moderators
approval" workflow, images, documents); the people who tend the discussion need none of it.
Permissions are normally created after every migration has run (post_migrate), so on a new
database they may not exist yet here: they are made as that step would make them.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

GROUP = "Comment moderators"
# (app label, model, codename, name)
PERMISSIONS = (
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("comments", "comment", "moderate_comment", "Can moderate comments"),
)


def create_moderators(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = []
    for app_label, model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name})
        permissions.append(permission)
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(permissions)


def remove_moderators(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0002_notification_addresses"),
        ("wagtailadmin", "0006_formstate"),
        # These give every admin group the choose permissions: run them first, or the group
        # would be handed permissions it does not need.
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
