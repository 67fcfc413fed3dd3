from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Programme settings and tiers are created with the shop and never deleted, so no role may add or
# delete them; the ledger and tier history are written by services only, so every role just views them.
VIEW_ALL = [
    "loyalty.view_programmesettings",
    "loyalty.view_tier",
    "loyalty.view_loyaltyaccount",
    "loyalty.view_pointsentry",
    "loyalty.view_tierchange",
]
RUN_PROGRAMME = [
    *VIEW_ALL,
    "loyalty.change_programmesettings",
    "loyalty.change_tier",
    "loyalty.add_loyaltyaccount",
    "loyalty.change_loyaltyaccount",
]
GRANTS = {
    "owner": RUN_PROGRAMME,
    "marketing": RUN_PROGRAMME,
    # Operations serve customers at the counter: they look members up and enrol them.
    "operations": [*VIEW_ALL, "loyalty.add_loyaltyaccount"],
    # Unspent points are a liability the accountant reports on.
    "accountant": VIEW_ALL,
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0003_programme_and_tiers_for_existing_shops"),
        ("sellercenter", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
