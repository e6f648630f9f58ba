from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path(
        "payments/test-checkout/<str:session_id>/",
        views.test_checkout,
        name="test-checkout",
    ),
    path("payments/receipts/<str:token>/", views.receipt, name="receipt"),
]
