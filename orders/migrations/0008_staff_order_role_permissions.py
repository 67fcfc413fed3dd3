from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Staff enter orders for chat, phone and counter sales (the order admin's add page); the accountant
# and marketing only read them.
GRANTS = {"owner": ["orders.add_order"], "operations": ["orders.add_order"]}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_channels_marketplaces_cash")]

    operations = [migrations.RunPython(forwards, backwards)]
