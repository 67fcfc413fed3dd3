# The events' shop and customer foreign keys lose their own indexes: an index of the table starts with
# each (event_shop_occurred_at, event_customer_type_at). Only the indexes are dropped: altering the
# fields in the database would drop and re-add the foreign keys, which checks every stored event.
import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "customers_customerevent_customer_id_d00346ad": "customer_id",
    "customers_customerevent_shop_id_8045ab3c": "shop_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_personal_data_requests_open_and_role_permissions"),
        ("sellercenter", "0008_rollup_reviews"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "customers_customerevent" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="customerevent",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="events",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="customerevent",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sellercenter.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
        ),
    ]
