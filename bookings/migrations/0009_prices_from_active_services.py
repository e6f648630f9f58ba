"""The directory's price range of every practitioner with active services, derived
from those services once (from now on bookings.services.refresh_prices keeps it)."""

from django.db import migrations
from django.db.models import Max, Min


def derive_prices(apps, schema_editor):
    Service = apps.get_model("bookings", "Service")
    Practitioner = apps.get_model("directory", "Practitioner")
    rows = (
        Service.objects.filter(is_active=True)
        .values("practitioner_id")
        .annotate(low=Min("price"), high=Max("price"))
    )
    for row in rows.iterator():
        Practitioner.objects.filter(pk=row["practitioner_id"]).update(
            price_from=row["low"],
            price_to=row["high"] if row["high"] > row["low"] else None,
            prices_from_services=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_calendars_and_waitlist"),
        ("directory", "0012_practitioner_prices_from_services"),
    ]

    operations = [migrations.RunPython(derive_prices, migrations.RunPython.noop)]
