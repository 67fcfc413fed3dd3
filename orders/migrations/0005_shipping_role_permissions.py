from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Shipments, tracking events and remittance lines come from carriers and the services: read-only for
# everyone. Carrier credentials stay with the owner; the accountant imports COD statements.
READ_SHIPPING = [
    "orders.view_shipment",
    "orders.view_trackingevent",
    "orders.view_province",
    "orders.view_ward",
]
REMITTANCES = ["orders.view_codremittance", "orders.view_codremittanceline", "orders.change_codremittance"]
GRANTS = {
    "owner": [
        *READ_SHIPPING,
        *REMITTANCES,
        "orders.view_carrieraccount",
        "orders.add_carrieraccount",
        "orders.change_carrieraccount",
    ],
    "operations": [*READ_SHIPPING, "orders.view_carrieraccount"],
    "accountant": [*READ_SHIPPING, *REMITTANCES],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_shipping_carriers_and_parcels")]

    operations = [migrations.RunPython(forwards, backwards)]
