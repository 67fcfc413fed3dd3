from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Reviews come from customers through the storefront API; staff read them and reply (a change of the
# reply only), and no role may add or delete one. Delivered lines are written by orders only.
PUSH = ["customers.view_pushsubscription", "customers.add_pushsubscription", "customers.delete_pushsubscription"]
GRANTS = {
    "owner": ["customers.view_review", "customers.change_review", *PUSH],
    "marketing": ["customers.view_review", "customers.change_review", *PUSH],
    "operations": ["customers.view_review", "customers.change_review"],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_push_subscriptions_delivered_lines_reviews")]

    operations = [migrations.RunPython(forwards, backwards)]
