from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# A shop's owner sees the shop's background tasks (e-mails, exports, messages) and sends its dead
# letters again; "change" is only that retry action, the rows themselves are read-only.
GRANTS = {"owner": ["sellercenter.view_outboxmessage", "sellercenter.change_outboxmessage"]}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("sellercenter", "0006_merge_audit_log_and_shop_order_prefix")]

    operations = [migrations.RunPython(forwards, backwards)]
