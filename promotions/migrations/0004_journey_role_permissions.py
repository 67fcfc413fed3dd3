from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Enrolments, messages, vouchers issued, clicks and attributions are written by the journeys'
# runner and tracking only: staff read them.
READ = [
    "promotions.view_journey",
    "promotions.view_journeystep",
    "promotions.view_enrolment",
    "promotions.view_message",
    "promotions.view_voucherissue",
    "promotions.view_messageclick",
    "promotions.view_attribution",
    "promotions.view_journeysettings",
]
EDIT = [
    "promotions.add_journey",
    "promotions.change_journey",
    "promotions.add_journeystep",
    "promotions.change_journeystep",
    "promotions.delete_journeystep",
    "promotions.change_journeysettings",
]
GRANTS = {"owner": READ + EDIT, "marketing": READ + EDIT, "accountant": ["promotions.view_attribution"]}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("promotions", "0003_journeys_messages_attribution")]

    operations = [migrations.RunPython(forwards, backwards)]
