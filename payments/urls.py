from django.urls import path

import core.converters  # noqa: F401  (the <token:...> converter)

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    # The session id and the receipt token are the secrets of these two pages.
    path(
        "payments/test-checkout/<token:session_id>/",
        views.test_checkout,
        name="test-checkout",
    ),
    path("payments/receipts/<token:token>/", views.receipt, name="receipt"),
]
