from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

GRANTS = {
    "owner": [
        "sellercenter.view_shop",
        "sellercenter.change_shop",
        "sellercenter.view_membership",
        "sellercenter.add_membership",
        "sellercenter.change_membership",
        "sellercenter.delete_membership",
        "sellercenter.view_apikey",
        "sellercenter.add_apikey",
        "sellercenter.change_apikey",
    ],
    "operations": ["sellercenter.view_shop"],
    "marketing": ["sellercenter.view_shop"],
    "accountant": ["sellercenter.view_shop"],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("sellercenter", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
