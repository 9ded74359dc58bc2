from typing import Any

from django.db import migrations, models


def mark_existing_as_mailed(apps: Any, schema_editor: Any) -> None:
    # Comments held before this migration were mailed one by one already.
    Comment = apps.get_model("comments", "Comment")
    HeldMailMark = apps.get_model("comments", "HeldMailMark")
    last = Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    HeldMailMark.objects.update_or_create(pk=1, defaults={"mailed_up_to": last})


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0004_moderator_emails_help"),
    ]

    operations = [
        migrations.CreateModel(
            name="HeldMailMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("mailed_up_to", models.BigIntegerField(default=0)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(mark_existing_as_mailed, migrations.RunPython.noop),
    ]
