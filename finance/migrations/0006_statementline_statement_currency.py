from django.db import migrations, models


class Migration(migrations.Migration):
    """An index telling at once whether a statement's lines are all in one currency."""

    dependencies = [
        ("finance", "0005_channel_fee_lines"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="statementline",
            index=models.Index(fields=["statement", "currency"], name="statementline_statement_cur"),
        ),
    ]
