"""Joins the catalogue, order edits, staff orders and marketplace fees, written side by side."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_catalogue"),
        ("orders", "0008_marketplace_channel_fees"),
        ("orders", "0008_order_edits"),
        ("orders", "0008_staff_order_role_permissions"),
    ]

    operations = []
