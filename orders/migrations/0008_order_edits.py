"""Order edits before shipping: an `edited` event on the timeline, and a refund due for a paid order
edited to a lower total."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_channels_marketplaces_cash"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="refunddue",
            name="refunddue_source_valid",
        ),
        migrations.AlterField(
            model_name="orderevent",
            name="type",
            field=models.CharField(
                choices=[
                    ("placed", "Placed"),
                    ("status_changed", "Status changed"),
                    ("payment_received", "Payment received"),
                    ("qc_failed", "Quality check failed"),
                    ("email_sent", "E-mail sent"),
                    ("return_updated", "Return updated"),
                    ("edited", "Edited"),
                    ("note", "Note"),
                ],
                max_length=20,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="refunddue",
            name="source",
            field=models.CharField(
                choices=[
                    ("cancelled", "Paid order cancelled"),
                    ("return", "Return approved"),
                    ("late_payment", "Paid after cancellation"),
                    ("edited", "Paid order edited to a lower total"),
                ],
                max_length=20,
                verbose_name="because",
            ),
        ),
        migrations.AddConstraint(
            model_name="refunddue",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["cancelled", "return", "late_payment", "edited"])),
                name="refunddue_source_valid",
            ),
        ),
    ]
