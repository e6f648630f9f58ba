from django.apps import AppConfig


class BookingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from core import panels
        from payments import registry

        from .billing import PREFIX, BookingPayments
        from .panels import booking_panel

        # Payments tells bookings when money for a booking moves.
        registry.register(PREFIX, BookingPayments())

        # The profile page offers the practitioner's services to book.
        panels.register(
            "practitioner_profile",
            "bookings/_profile_panel.html",
            context=booking_panel,
        )
