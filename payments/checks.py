"""System checks: say plainly when the site takes no real money."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def payment_keys(app_configs, **kwargs):
    problems = []
    if not settings.STRIPE_SECRET_KEY:
        problems.append(
            Warning(
                "No STRIPE_SECRET_KEY: payments use the built-in test provider and "
                "no money moves.",
                hint="Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET "
                "(docs/payments.md).",
                id="payments.W001",
            )
        )
    elif not settings.STRIPE_WEBHOOK_SECRET:
        problems.append(
            Warning(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: no "
                "payment will ever be recorded.",
                hint="Add a webhook endpoint in Stripe's dashboard and copy its "
                "signing secret (docs/payments.md).",
                id="payments.W002",
            )
        )
    return problems
