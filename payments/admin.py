"""The ledger, checkouts and webhook events in the admin (read only: money moves
through the services), and the pieces the bookings and courses admins share: a
ledger table for one reference and a "Refund…" action."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core.admin_actions import confirm_action

from . import providers, services
from .models import Checkout, LedgerEntry, WebhookEvent
from .money import format_pence, pence


def ledger_html(reference: str) -> SafeString:
    """The ledger of one booking or enrolment, for a read-only admin field."""
    return render_to_string(
        "payments/admin_ledger.html",
        {"statement": services.statement(reference), "reference": reference},
    )


MAX_POUNDS = 100_000


class AmountField(forms.CharField):
    """Pounds and pence typed by staff ('49.50', '£300'), cleaned to pence."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        text = value.strip().removeprefix("£").replace(",", "")
        try:
            amount = Decimal(text)
            if not amount.is_finite() or not 0 < amount <= MAX_POUNDS:
                raise ValueError(text)
            return pence(amount)
        except (InvalidOperation, ValueError) as error:
            raise forms.ValidationError(
                f"Enter an amount above £0 and up to £{MAX_POUNDS:,}, in pounds and "
                "pence such as 49.50."
            ) from error


class RefundForm(forms.Form):
    amount = AmountField(
        required=False,
        max_length=20,
        help_text="In pounds, e.g. 49.50. Leave empty to refund everything still "
        "held for each selected item.",
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Shown on the refund receipt emailed to the payer.",
    )


QUESTION = (
    "Refund these? Card payments are refunded to the card through the payment "
    "provider; payments recorded by hand are marked as handed back (return the "
    "money yourself). The payer is emailed a refund receipt."
)


def _refund_each(
    modeladmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    left: Callable[[object], int],
    refund: Callable[[object, int, str], object],
):
    """Ask for an amount and a reason, then refund each selected object: `left`
    says what can still be refunded, `refund` does it (through the services)."""
    form = RefundForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return confirm_action(
            modeladmin,
            request,
            queryset,
            title="Refund",
            question=QUESTION,
            button="Refund",
            form=form,
        )
    for obj in queryset:
        amount = form.cleaned_data["amount"] or left(obj)
        if amount == 0:
            modeladmin.message_user(
                request, f"{obj}: nothing left to refund.", messages.WARNING
            )
            continue
        try:
            refund(obj, amount, form.cleaned_data["reason"])
        except (services.PaymentError, providers.ProviderError) as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, f"{obj}: refunded {format_pence(amount)}.", messages.SUCCESS
            )
    return None


def refund_action(
    reference_of: Callable[[object], str], *, description: str = "Refund…"
) -> Callable:
    """An admin action refunding what was paid for the selected bookings or
    enrolments, newest payment first."""

    @admin.action(description=description, permissions=["change"])
    def refund(modeladmin, request: HttpRequest, queryset: QuerySet):
        return _refund_each(
            modeladmin,
            request,
            queryset,
            left=lambda obj: services.refundable_pence(reference_of(obj)),
            refund=lambda obj, amount, reason: services.refund_reference(
                reference=reference_of(obj),
                amount_pence=amount,
                reason=reason,
                recorded_by=request.user,
            ),
        )

    return refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "refund_of"
    fields = [
        "created_at",
        "amount_display",
        "provider_reference",
        "note",
        "recorded_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "refunds of this payment"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="amount")
    def amount_display(self, entry: LedgerEntry) -> str:
        return format_pence(entry.amount_pence)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "reference",
        "amount_display",
        "refunded_display",
        "method",
        "provider",
        "payer_email",
        "disputed_at",
    ]
    list_filter = ["kind", "provider", "method", "purpose", "created_at"]
    search_fields = ["reference", "provider_reference", "payer_email", "payer_name"]
    date_hierarchy = "created_at"
    list_select_related = ["recorded_by"]
    fields = [
        "kind",
        "reference",
        "purpose",
        "description",
        "amount_display",
        "refunded_display",
        "method",
        "provider",
        "provider_reference",
        "checkout",
        "refund_of",
        "payer_name",
        "payer_email",
        "recorded_by",
        "note",
        "disputed_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [RefundInline]
    actions = ["refund_payments"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Read only, but the refund action needs the permission to show.
        return request.user.has_perm("payments.change_ledgerentry")

    @admin.display(description="amount", ordering="amount_pence")
    def amount_display(self, entry: LedgerEntry) -> str:
        return format_pence(entry.amount_pence)

    @admin.display(description="refunded")
    def refunded_display(self, entry: LedgerEntry) -> str:
        return format_pence(entry.refunded_pence) if entry.is_money_in else ""

    @admin.action(description="Refund the selected payments…", permissions=["change"])
    def refund_payments(self, request: HttpRequest, queryset: QuerySet):
        return _refund_each(
            self,
            request,
            queryset.money_in(),
            left=lambda payment: payment.refundable_pence,
            refund=lambda payment, amount, reason: services.refund(
                payment=payment,
                amount_pence=amount,
                reason=reason,
                recorded_by=request.user,
            ),
        )


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "reference",
        "purpose",
        "amount_display",
        "provider",
        "status",
        "expires_at",
        "last_failure",
    ]
    list_filter = ["status", "provider", "purpose"]
    search_fields = ["reference", "session_id", "payer_email"]
    exclude = ["url"]

    @admin.display(description="amount", ordering="amount_pence")
    def amount_display(self, checkout: Checkout) -> str:
        return format_pence(checkout.amount_pence)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "provider", "status", "note", "event_id"]
    list_filter = ["status", "type", "provider"]
    search_fields = ["event_id", "waits_for"]
