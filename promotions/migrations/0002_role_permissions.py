from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Redemptions are written only by orders through promotions.services, and voucher codes only by
# generating a batch: no role adds or edits them by hand.
GRANTS = {
    "owner": [
        "promotions.view_campaign",
        "promotions.add_campaign",
        "promotions.change_campaign",
        "promotions.delete_campaign",
        "promotions.view_voucher",
        "promotions.view_redemption",
    ],
    "marketing": [
        "promotions.view_campaign",
        "promotions.add_campaign",
        "promotions.change_campaign",
        "promotions.view_voucher",
        "promotions.view_redemption",
    ],
    "operations": ["promotions.view_campaign"],
    "accountant": ["promotions.view_campaign", "promotions.view_redemption"],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("promotions", "0001_campaigns_vouchers_redemptions")]

    operations = [migrations.RunPython(forwards, backwards)]
