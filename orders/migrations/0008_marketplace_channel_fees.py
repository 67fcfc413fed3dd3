import django.db.models.deletion
from django.db import migrations, models

import sellercenter.money
from sellercenter.roles import grant_role_permissions, revoke_role_permissions

# Who reads the orders reads what their marketplace kept of them; only the import writes these rows.
GRANTS = {role: ["orders.view_orderchannelfee"] for role in ("owner", "operations", "accountant")}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_channels_marketplaces_cash"),
        ("sellercenter", "0007_outbox_owner_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderChannelFee",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("commission", "Commission"),
                            ("fixed_fee", "Fixed fee"),
                            ("service_fee", "Service fee"),
                            ("payment_fee", "Payment fee"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("amount", sellercenter.money.MoneyField(decimal_places=2, max_digits=18, verbose_name="amount")),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="channel_fees",
                        to="orders.order",
                        verbose_name="order",
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sellercenter.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
            options={
                "verbose_name": "channel fee",
                "verbose_name_plural": "channel fees",
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("order", "kind"), name="orderchannelfee_unique_kind"),
                    models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)), name="orderchannelfee_amount_not_negative"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["commission", "fixed_fee", "service_fee", "payment_fee"])),
                        name="orderchannelfee_kind_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
