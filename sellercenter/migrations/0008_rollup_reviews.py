from django.db import migrations, models


class Migration(migrations.Migration):
    """The daily rollups count the reviews posted each day (for the home's satisfaction figures).
    Days rolled up before this read zero until `manage.py rollups_rebuild` recomputes them."""

    dependencies = [("sellercenter", "0007_outbox_owner_permissions")]

    operations = [
        migrations.AddField(model_name="shopdayrollup", name="reviews", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(
            model_name="shopdayrollup", name="rating_total", field=models.PositiveIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="shopdayrollup", name="low_reviews", field=models.PositiveIntegerField(default=0)
        ),
    ]
