from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Money in and out: checkouts, the ledger, webhooks, refunds and receipts.

    It imports no domain app. Bookings and courses hand it a charge with a
    reference (`booking:42`, `enrolment:7`) and register a handler for their
    prefix (payments.registry); payments calls it when money moves.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
