from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Reviews come from customers through the storefront API; staff read them and reply (a change of the
# reply only), and no role may delete one. Push subscriptions and delivered lines are the
# storefront's and orders' to write.
GRANTS = {
    "owner": ["customers.view_review", "customers.change_review", "customers.view_pushsubscription"],
    "marketing": ["customers.view_review", "customers.change_review", "customers.view_pushsubscription"],
    "operations": ["customers.view_review", "customers.change_review"],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_push_subscriptions_delivered_lines_reviews")]

    operations = [migrations.RunPython(forwards, backwards)]
