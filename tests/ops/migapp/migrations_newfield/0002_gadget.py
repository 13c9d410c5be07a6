import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opsmig", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("size", models.IntegerField(default=0)),
                ("thing", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="opsmig.thing")),
            ],
        ),
    ]
