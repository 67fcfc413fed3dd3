from django.db import migrations, models
from django.db.models import F

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# The owner, who carries out exports and erasures, records the requests that come in.
GRANTS = {"owner": ["customers.add_personaldatarequest"]}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


def complete_earlier(apps, schema_editor):
    """Every request recorded so far was carried out when it was recorded."""
    requests = apps.get_model("customers", "PersonalDataRequest").objects
    requests.filter(completed_at__isnull=True).update(completed_at=F("created_at"))


class Migration(migrations.Migration):
    """Personal-data requests can be open (received, not yet carried out) and completed."""

    dependencies = [("customers", "0007_channels_marketplaces_cash")]

    operations = [
        migrations.AddField(
            model_name="personaldatarequest",
            name="completed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="carried out at"),
        ),
        migrations.AddIndex(
            model_name="personaldatarequest",
            index=models.Index(
                condition=models.Q(completed_at__isnull=True), fields=["shop"], name="personaldatarequest_open"
            ),
        ),
        migrations.RunPython(complete_earlier, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
