"""Shops created before the loyalty app get what new shops get from the shop_created receiver."""

from django.db import migrations

from loyalty.defaults import DEFAULT_TIERS


def forwards(apps, schema_editor):
    Shop = apps.get_model("sellercenter", "Shop")
    Tier = apps.get_model("loyalty", "Tier")
    ProgrammeSettings = apps.get_model("loyalty", "ProgrammeSettings")
    for shop in Shop.objects.order_by("pk"):
        ProgrammeSettings.objects.get_or_create(shop=shop)
        existing = set(Tier.objects.filter(shop=shop).values_list("rank", flat=True))
        Tier.objects.bulk_create([Tier(shop=shop, **spec) for spec in DEFAULT_TIERS if spec["rank"] not in existing])


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_accounts_ledger_and_programme")]

    # Backwards keeps the rows: tiers may already be in use by then, and 0002's reverse drops the table.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
