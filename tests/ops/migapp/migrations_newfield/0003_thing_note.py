from django.db import migrations, models


class Migration(migrations.Migration):
    """One new field: what `make bench-load` times across 200 cluster schemas."""

    dependencies = [("opsmig", "0002_gadget")]

    operations = [
        migrations.AddField(
            model_name="thing", name="note", field=models.CharField(default="", max_length=100)
        ),
    ]
