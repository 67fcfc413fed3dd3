from django.db import migrations

from sellercenter.roles import grant_role_permissions, revoke_role_permissions

GRANTS = {
    "owner": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
        "customers.merge_customer",
        "customers.export_customer",
        "customers.erase_customer",
        "customers.view_address",
        "customers.add_address",
        "customers.change_address",
        "customers.delete_address",
        "customers.view_customertag",
        "customers.add_customertag",
        "customers.change_customertag",
        "customers.delete_customertag",
        "customers.view_consentrecord",
        "customers.add_consentrecord",
        "customers.view_customerevent",
        "customers.view_customerpurchase",
        "customers.view_anonymousidentity",
        "customers.view_customermerge",
        "customers.view_personaldatarequest",
        "customers.view_segment",
        "customers.add_segment",
        "customers.change_segment",
        "customers.delete_segment",
    ],
    "marketing": [
        "customers.view_customer",
        "customers.change_customer",
        "customers.merge_customer",
        "customers.view_address",
        "customers.view_customertag",
        "customers.add_customertag",
        "customers.change_customertag",
        "customers.delete_customertag",
        "customers.view_consentrecord",
        "customers.add_consentrecord",
        "customers.view_customerevent",
        "customers.view_customerpurchase",
        "customers.view_customermerge",
        "customers.view_segment",
        "customers.add_segment",
        "customers.change_segment",
        "customers.delete_segment",
    ],
    "operations": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_address",
        "customers.add_address",
        "customers.change_address",
        "customers.delete_address",
        "customers.view_customertag",
        "customers.add_customertag",
        "customers.change_customertag",
        "customers.delete_customertag",
        "customers.view_consentrecord",
        "customers.add_consentrecord",
        "customers.view_customerevent",
        "customers.view_customerpurchase",
    ],
    "accountant": ["customers.view_customer", "customers.view_customerpurchase"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


def create_builtin_segments(apps, schema_editor):
    """Shops created before this migration get the built-in segments new shops get at creation."""
    from customers.services.segments import BUILTIN_RULES, builtin_segment_rows

    Shop = apps.get_model("sellercenter", "Shop")
    Segment = apps.get_model("customers", "Segment")
    for shop in Shop.objects.all():
        existing = set(Segment.objects.filter(shop=shop).exclude(builtin="").values_list("builtin", flat=True))
        missing = [key for key in BUILTIN_RULES if key not in existing]
        Segment.objects.bulk_create(
            [Segment(shop=shop, **fields) for fields in builtin_segment_rows(missing)], ignore_conflicts=True
        )


def delete_builtin_segments(apps, schema_editor):
    apps.get_model("customers", "Segment").objects.exclude(builtin="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_profiles_consent_events_purchases"),
        ("sellercenter", "0002_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(create_builtin_segments, delete_builtin_segments),
    ]
