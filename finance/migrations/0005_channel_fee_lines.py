from django.db import migrations, models

KINDS = [
    ("sale", "Sale"),
    ("refund", "Refund"),
    ("adjustment", "Adjustment"),
    ("channel_fee", "Channel fees"),
]


class Migration(migrations.Migration):
    """Statement lines of what a marketplace kept of its orders: one per order, beside its sale line."""

    dependencies = [("finance", "0004_channels_marketplaces_cash")]

    operations = [
        migrations.RemoveConstraint(model_name="statementline", name="statementline_kind_valid"),
        migrations.RemoveConstraint(model_name="statementline", name="statementline_sale_has_order"),
        migrations.AlterField(
            model_name="statementline",
            name="kind",
            field=models.CharField(choices=KINDS, editable=False, max_length=20, verbose_name="type"),
        ),
        migrations.AddConstraint(
            model_name="statementline",
            constraint=models.UniqueConstraint(
                condition=models.Q(kind="channel_fee"),
                fields=("order",),
                name="statementline_one_channel_fee_per_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementline",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=[kind for kind, _label in KINDS]), name="statementline_kind_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="statementline",
            constraint=models.CheckConstraint(
                condition=~models.Q(kind__in=["sale", "channel_fee"]) | models.Q(order__isnull=False),
                name="statementline_sale_has_order",
            ),
        ),
    ]
