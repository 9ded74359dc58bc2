"""The "Comment moderators" group: into the Wagtail admin, and the comment queues; nothing else.

Not Wagtail's own "Moderators" group: that one reviews and publishes stories (the "Moderators
approval" workflow, images, documents); the people who tend the discussion need none of it.

Permissions are normally created after every migration has run (post_migrate), so on a new
database they do not exist yet here: they are created first for the two apps concerned.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Comment moderators"
PERMISSIONS = (
    ("wagtailadmin", "admin", "access_admin"),
    ("comments", "comment", "moderate_comment"),
)


def create_moderators(apps, schema_editor):
    for label in ("wagtailadmin", "comments"):
        app_config = apps.get_app_config(label)
        # create_permissions skips an app whose models module is unset, as it is in the
        # migration state's apps.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set([
        Permission.objects.get(content_type__app_label=app_label, content_type__model=model,
                               codename=codename)
        for app_label, model, codename in PERMISSIONS
    ])


def remove_moderators(apps, schema_editor):
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
