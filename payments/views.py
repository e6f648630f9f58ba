"""The Stripe webhook endpoint, the test provider's payment page and receipts."""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import providers, webhooks
from .emails import receipt_details
from .forms import TestCheckoutForm
from .models import Checkout, LedgerEntry, Provider

logger = logging.getLogger(__name__)

DECLINED = "Your card was declined (a test decline: nothing was charged)."


@csrf_exempt  # Stripe cannot send a CSRF token; the signature proves the sender.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        webhooks.handle_signed(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
            provider=Provider.STRIPE,
        )
    except webhooks.BadWebhook as error:
        logger.warning("payments: webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    """The test provider's stand-in for Stripe's payment page. The session id is
    the secret, as a Stripe Checkout address is."""
    checkout = get_object_or_404(
        Checkout, session_id=session_id, provider=Provider.TEST
    )
    form = TestCheckoutForm(
        initial={"name": checkout.payer.full_name if checkout.payer else ""}
    )
    if request.method == "POST" and checkout.status == Checkout.Status.OPEN:
        form = TestCheckoutForm(request.POST)
        if form.is_valid():
            return _test_checkout_action(
                request, checkout, form.cleaned_data["action"], form.cleaned_data
            )
    return render(
        request,
        "payments/test_checkout.html",
        {"checkout": checkout, "form": form},
    )


def _test_checkout_action(
    request: HttpRequest, checkout: Checkout, action: str, data: dict
) -> HttpResponse:
    if action == "pay":
        providers.deliver(
            providers.session_event(
                "checkout.session.completed",
                checkout,
                payment_intent="pi_" + checkout.session_id.removeprefix("cs_"),
                name=data["name"],
            )
        )
        return redirect(checkout.success_url)
    if action == "decline":
        # The page shows the reason, as Stripe's does (checkout.last_failure).
        providers.deliver(providers.payment_failed_event(checkout, message=DECLINED))
        return redirect(request.path)
    providers.deliver(providers.session_event("checkout.session.expired", checkout))
    messages.info(request, "You left the payment page. Nothing was charged.")
    return redirect(checkout.cancel_url)


@never_cache
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """A printable receipt for one payment, with its refunds. The token in the
    address is the secret: it is emailed to the payer and linked from their pages."""
    payment = get_object_or_404(
        LedgerEntry.objects.money_in().select_related("recorded_by"),
        receipt_token=token,
    )
    refunds = list(payment.refunds.order_by("created_at", "pk"))
    return render(
        request,
        "payments/receipt.html",
        {
            "payment": payment,
            "refunds": refunds,
            "refunded_pence": sum(refund.amount_pence for refund in refunds),
            "details": receipt_details(payment),
        },
    )
