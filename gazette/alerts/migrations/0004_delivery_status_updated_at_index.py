"""The report's "time to the last delivery" asks for an alert's latest delivered row: with
updated_at in the (alert, status) index that is one index probe, not a sort of every delivered
row of the alert (a million for a big one). The new index replaces the old one, whose queries
(claiming and retrying one alert's rows in one state) use its first two columns."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0003_moderators_send_alert"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["alert", "status", "updated_at"],
                               name="alerts_delivery_status_at_idx"),
        ),
        migrations.RemoveIndex(
            model_name="delivery",
            name="alerts_delivery_status_idx",
        ),
    ]
