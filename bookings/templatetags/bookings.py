from django import template

from directory.models import Practitioner

from ..panels import booking_panel

register = template.Library()


@register.inclusion_tag("bookings/_booking_panel.html", name="booking_panel")
def booking_panel_tag(practitioner: Practitioner) -> dict:
    """The services to book: the booking flow's first step. The profile page shows
    the same panel through core.panels."""
    return booking_panel(practitioner)
