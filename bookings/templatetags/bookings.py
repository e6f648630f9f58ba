from django import template

from directory.models import Practitioner

from ..panels import booking_panel

register = template.Library()


@register.inclusion_tag("bookings/_booking_panel.html", name="booking_panel")
def booking_panel_tag(practitioner: Practitioner) -> dict:
    """The services to book: the booking flow's first step. The profile page shows
    the same panel through core.panels."""
    return booking_panel(practitioner)


@register.filter
def payment_label(service) -> str:
    """How a service is paid: 'Pay at the appointment', '£20 deposit online' or
    'Paid online when booking'."""
    from payments.money import format_pence

    from ..billing import terms

    money = terms(service)
    if not money.pays_online:
        return "Pay at the appointment"
    if service.payment_mode == service.PaymentMode.DEPOSIT:
        return f"{format_pence(money.online)} deposit online"
    return "Paid online when booking"
