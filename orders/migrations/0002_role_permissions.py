from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Orders come from the checkout, payments from gateways and deliveries, returns from customers,
# stock movements from the stock services: nobody adds or deletes those rows by hand.
READ_ORDERS = [
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_orderevent",
    "orders.view_payment",
    "orders.view_returnrequest",
    "orders.view_returnline",
]
RUN_PIPELINE = [
    "orders.view_product",
    "orders.add_product",
    "orders.change_product",
    "orders.view_stockmovement",
    *READ_ORDERS,
    "orders.change_order",
    "orders.change_returnrequest",
]
GRANTS = {
    # Payment gateway secrets stay with the owner.
    "owner": [
        *RUN_PIPELINE,
        "orders.view_paymentgateway",
        "orders.add_paymentgateway",
        "orders.change_paymentgateway",
        "orders.delete_paymentgateway",
    ],
    "operations": RUN_PIPELINE,
    "marketing": ["orders.view_product", "orders.view_order", "orders.view_orderline"],
    "accountant": ["orders.view_product", *READ_ORDERS],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_products_orders_returns"),
        ("sellercenter", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
