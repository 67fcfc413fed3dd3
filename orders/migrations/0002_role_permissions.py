from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

GRANTS = {
    "owner": ["orders.*"],
    # Operations run the warehouse and the pipeline: products, stock, orders, returns; payment
    # gateway secrets stay with the owner.
    "operations": [
        "orders.view_product",
        "orders.add_product",
        "orders.change_product",
        "orders.view_stockmovement",
        "orders.view_order",
        "orders.change_order",
        "orders.view_orderline",
        "orders.view_orderevent",
        "orders.view_payment",
        "orders.view_returnrequest",
        "orders.change_returnrequest",
        "orders.view_returnline",
    ],
    "marketing": ["orders.view_product", "orders.view_order", "orders.view_orderline"],
    "accountant": [
        "orders.view_product",
        "orders.view_order",
        "orders.view_orderline",
        "orders.view_payment",
        "orders.view_returnrequest",
        "orders.view_returnline",
    ],
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
