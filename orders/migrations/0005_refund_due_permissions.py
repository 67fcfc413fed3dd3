from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Refunds due are opened by the services; staff who run the pipeline record the refunds they send,
# the accountant sees what is owed.
GRANTS = {
    "owner": ["orders.view_refunddue", "orders.change_refunddue"],
    "operations": ["orders.view_refunddue", "orders.change_refunddue"],
    "accountant": ["orders.view_refunddue"],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_order_number_counter_refunds_due")]

    operations = [migrations.RunPython(forwards, backwards)]
