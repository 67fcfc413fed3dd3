from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Statements and lines are written by services only: nobody adds or deletes them in the admin (an
# owner's "add statement line" is an adjustment, "change statement" closes one).
VIEW_ALL = [
    "finance.view_financesettings",
    "finance.view_feerule",
    "finance.view_paymentfeerate",
    "finance.view_statement",
    "finance.view_statementline",
    "finance.view_payout",
    "finance.view_exportjob",
]
# Accountants read and export everything, import the bank's payout file and run export jobs.
ACCOUNTANT = [*VIEW_ALL, "finance.add_payout", "finance.add_exportjob"]
OWNER = [
    *ACCOUNTANT,
    "finance.add_financesettings",
    "finance.change_financesettings",
    "finance.add_feerule",
    "finance.change_feerule",
    "finance.delete_feerule",
    "finance.add_paymentfeerate",
    "finance.change_paymentfeerate",
    "finance.delete_paymentfeerate",
    "finance.change_statement",
    "finance.add_statementline",
]
GRANTS = {"owner": OWNER, "accountant": ACCOUNTANT}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_fees_statements_payouts_exports"),
        ("sellercenter", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
