"""What bookings shows on other apps' pages (core.panels), and on its own."""

from directory.models import Practitioner

from .models import Service


def booking_panel(practitioner: Practitioner) -> dict:
    """The practitioner's bookable services with a Book button each (one query)."""
    offered = []
    if practitioner.offers_online_booking:
        offered = list(
            Service.objects.filter(practitioner=practitioner, is_active=True).order_by(
                "name", "duration_minutes"
            )
        )
    return {"practitioner": practitioner, "services": offered}
