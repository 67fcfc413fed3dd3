"""The ledger and the tier history record who made a change the kernel's way (`ActorRecord`): the
kind, and the staff member or the API key behind it.

The staff member was `actor` (`actor_id`); it is renamed `user`, so every row keeps it. Existing rows
get a kind from it: a staff member when one is set (a manual adjustment or tier floor), otherwise a
system job (orders' points, expiry, tier reviews, enrolments), which is what they were recorded as.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ACTOR_KINDS = [
    ("staff", "Shop staff"),
    ("customer", "Customer"),
    ("carrier", "Carrier"),
    ("gateway", "Payment gateway"),
    ("system", "System"),
]
RECORDS = ("pointsentry", "tierchange")


def kinds_from_users(apps, schema_editor):
    for name in RECORDS:
        apps.get_model("loyalty", name).objects.filter(user__isnull=False).update(actor_kind="staff")


def _actor_operations(model_name: str) -> list:
    return [
        migrations.RenameField(model_name=model_name, old_name="actor", new_name="user"),
        migrations.AlterField(
            model_name=model_name,
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="staff member",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="api_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sellercenter.apikey",
                verbose_name="API key",
            ),
        ),
        # Every existing row starts as a system job; kinds_from_users then marks the staff ones.
        migrations.AddField(
            model_name=model_name,
            name="actor_kind",
            field=models.CharField(choices=ACTOR_KINDS, default="system", max_length=10, verbose_name="by"),
            preserve_default=False,
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0004_role_permissions"),
        ("sellercenter", "0003_audit_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *_actor_operations("pointsentry"),
        *_actor_operations("tierchange"),
        migrations.RunPython(kinds_from_users, migrations.RunPython.noop, elidable=True),
    ]
