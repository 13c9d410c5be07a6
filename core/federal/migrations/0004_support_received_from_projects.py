"""«Support received» of the seeded forms comes from the support applications' tranches
(tenants.projects), with a typed override and its reason for the transition year."""

from django.db import migrations


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Indicator = apps.get_model("federal", "Indicator")
    Indicator.objects.filter(code="support_received", method="entered").update(
        method="computed", source="support_received",
        hint="Сумма траншей по заявкам на господдержку за год; при необходимости — значение вручную с причиной.")


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Indicator = apps.get_model("federal", "Indicator")
    Indicator.objects.filter(code="support_received", method="computed", source="support_received").update(
        method="entered", source="", hint="")


class Migration(migrations.Migration):
    dependencies = [("federal", "0003_seed_forms")]
    operations = [migrations.RunPython(forward, backward)]
