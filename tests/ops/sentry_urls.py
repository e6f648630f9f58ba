"""A page that fails with personal data all over it, for the Sentry test."""

import logging

from django.urls import path

from config import urls as site_urls

logger = logging.getLogger("bookings.views")


def failing_booking(request, token):
    email = "chris.client@example.com"
    phone = "07700 900123"
    answers = request.POST.dict()  # noqa: F841 - a local holding health answers
    logger.warning("Booking for %s (%s) is about to fail", email, phone)
    raise ValueError(f"Could not book for {email}, phone {phone}, manage {token}")


handler500 = "config.views.server_error"
urlpatterns = [
    path("appointments/manage/<str:token>/", failing_booking),
    *site_urls.urlpatterns,
]
