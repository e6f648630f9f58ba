from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import ngettext

from core.admin_actions import confirm_action
from directory.models import Practitioner
from payments.admin import ReadOnlyAdmin, ledger_html, refund_action

from . import billing, next_free, services, waitlist
from .models import (
    Booking,
    BookingPolicy,
    CalendarFeed,
    DateOverride,
    ExternalCalendar,
    Service,
    TimeOff,
    WaitlistRequest,
    WeeklyHours,
)

# HealthIntake is deliberately not registered: only the client and the booked
# practitioner may see health answers.


class ChangesAvailability(admin.ModelAdmin):
    """Staff edits of what the slot engine reads keep the practitioner's next
    free time (and whether they book online) correct, and tell waiting clients of
    the times they open, as the services do: the practitioners' rows are locked
    first, the slots people wait for noted, then the row is changed. What one
    request noted is kept on the request (one ModelAdmin serves every request)."""

    def _watch(self, request, practitioner_ids) -> None:
        locked = (
            Practitioner.objects.select_for_update()
            .filter(pk__in=set(practitioner_ids))
            .order_by("pk")
        )
        request.availability_watches = [waitlist.Watch(p) for p in locked]

    def _refresh(self, request, practitioner_ids) -> None:
        occasion = f"staff:{self.opts.model_name}:{timezone.now():%Y%m%dT%H%M%S%f}"
        for watch in getattr(request, "availability_watches", []):
            watch.notify(occasion=occasion)
        request.availability_watches = []
        for pk in sorted(set(practitioner_ids)):
            services.refresh_online_booking(
                practitioner=Practitioner.objects.get(pk=pk)
            )
            next_free.refresh(pk)

    def save_model(self, request, obj, form, change) -> None:
        previous = (
            type(obj)
            .objects.filter(pk=obj.pk)
            .values_list("practitioner_id", flat=True)
        )
        before = list(previous) if change else []
        pending = [obj.practitioner_id, *before]
        self._watch(request, pending)
        super().save_model(request, obj, form, change)
        request.availability_pending = pending

    def save_related(self, request, form, formsets, change) -> None:
        # After the many-to-many rows (a service's places) are saved too.
        super().save_related(request, form, formsets, change)
        pending = getattr(
            request, "availability_pending", [form.instance.practitioner_id]
        )
        self._refresh(request, pending)

    def delete_model(self, request, obj) -> None:
        self._watch(request, [obj.practitioner_id])
        super().delete_model(request, obj)
        self._refresh(request, [obj.practitioner_id])

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        # The delete action runs outside the admin's own transaction.
        ids = list(queryset.values_list("practitioner_id", flat=True))
        self._watch(request, ids)
        super().delete_queryset(request, queryset)
        self._refresh(request, ids)


@admin.register(Service)
class ServiceAdmin(ChangesAvailability):
    list_display = [
        "name",
        "practitioner",
        "duration_minutes",
        "price",
        "payment_mode",
        "deposit",
        "is_active",
    ]
    list_filter = ["is_active", "payment_mode", "technique"]
    search_fields = ["name", "practitioner__display_name"]
    list_select_related = ["practitioner"]
    raw_id_fields = ["practitioner"]


class StaffCancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Sent to the client and the practitioner.",
    )


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "practitioner", "service", "client_name", "status"]
    list_filter = ["status"]
    search_fields = ["client_name", "client_email", "practitioner__display_name"]
    list_select_related = ["practitioner", "service"]
    raw_id_fields = ["client"]
    date_hierarchy = "starts_at"
    exclude = ["manage_token", "manage_token_issued_at", "practitioner_note"]
    # Time, place and status change only through the services, which check the
    # rules, email both sides and cancel or replace the reminders. Staff cancel
    # with the action below; only the client's contact details are edited here.
    readonly_fields = [
        "practitioner",
        "service",
        "location",
        "starts_at",
        "ends_at",
        "blocked_starts_at",
        "blocked_ends_at",
        "status",
        "status_reason",
        "cancelled_by",
        "status_changed_at",
        "online_amount_pence",
        "deposit_pence",
        "hold_expires_at",
        "needs_review",
        "created_at",
        "updated_at",
        "ledger",
    ]
    actions = ["cancel_selected", "refund"]

    @admin.display(description="ledger")
    def ledger(self, booking: Booking) -> str:
        return ledger_html(billing.reference(booking))

    refund = refund_action(billing.reference, description="Refund…")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Bookings are made through the site, which checks the rules.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Bookings are history: cancel them instead. Erasing a client's data goes
        # through users.privacy, which anonymises their bookings.
        return False

    @admin.action(description="Cancel selected bookings", permissions=["change"])
    def cancel_selected(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> TemplateResponse | None:
        form = StaffCancelForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return confirm_action(
                self,
                request,
                queryset.select_related("practitioner", "service"),
                title="Cancel bookings",
                question="Cancel these bookings? The client and the practitioner are "
                "emailed, with your reason, and the reminders are cancelled. A "
                "booking already cancelled, declined or completed is left as it is.",
                button="Cancel these bookings",
                form=form,
            )
        reason = form.cleaned_data["reason"]
        cancelled = 0
        for booking in queryset:
            try:
                services.cancel_booking(
                    booking=booking,
                    cancelled_by=Booking.CancelledBy.STAFF,
                    reason=reason,
                )
            except services.BookingError as error:
                self.message_user(request, f"{booking}: {error}", messages.WARNING)
            else:
                cancelled += 1
                self.log_change(request, booking, f"Cancelled by staff: {reason}")
        self.message_user(
            request,
            ngettext("%d booking cancelled.", "%d bookings cancelled.", cancelled)
            % cancelled,
            messages.SUCCESS,
        )
        return None


@admin.register(BookingPolicy)
class BookingPolicyAdmin(ChangesAvailability):
    list_display = [
        "practitioner",
        "slot_interval_minutes",
        "min_notice_hours",
        "max_advance_days",
    ]
    raw_id_fields = ["practitioner"]


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(ChangesAvailability):
    list_display = ["practitioner", "weekday", "start_time", "end_time", "location"]
    raw_id_fields = ["practitioner", "location"]


@admin.register(DateOverride)
class DateOverrideAdmin(ChangesAvailability):
    list_display = ["practitioner", "date", "start_time", "end_time"]
    raw_id_fields = ["practitioner", "location"]


@admin.register(TimeOff)
class TimeOffAdmin(ChangesAvailability):
    list_display = ["practitioner", "starts_at", "ends_at"]
    raw_id_fields = ["practitioner"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "created_at"]
    exclude = ["token"]
    raw_id_fields = ["practitioner"]


# --- other calendars and the waiting list: read only -------------------------------
# Both change only through the services (reading a calendar, joining or stopping a
# request), which keep busy times, the next free time and the emails in step.


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(ReadOnlyAdmin):
    """Which practitioners' calendars are read, and which fail. The address is a
    secret: only its host is shown."""

    list_display = [
        "name",
        "practitioner",
        "host",
        "state",
        "busy_count",
        "failures",
        "last_success_at",
        "next_check_at",
    ]
    list_filter = [
        "state",
        ("failing_since", admin.EmptyFieldListFilter),
        "last_success_at",
        "created_at",
    ]
    search_fields = ["name", "practitioner__display_name", "practitioner__slug"]
    list_select_related = ["practitioner"]
    ordering = ["-failures", "practitioner__display_name", "name"]
    fields = [
        "practitioner",
        "name",
        "host",
        "state",
        "busy_count",
        "covered_until",
        "last_checked_at",
        "last_success_at",
        "next_check_at",
        "failures",
        "failing_since",
        "failure_emailed_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="host")
    def host(self, calendar: ExternalCalendar) -> str:
        return calendar.host


class WaitlistStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "Waiting"),
            ("stopped", "Stopped by the client or by booking"),
            ("over", "Last day passed"),
        ]

    def queryset(self, request, queryset):
        # A day's margin, as the nightly clean-up: each practitioner's own date.
        today = timezone.localdate()
        if self.value() == "waiting":
            return queryset.active(today)
        if self.value() == "stopped":
            return queryset.filter(ended_at__isnull=False)
        if self.value() == "over":
            return queryset.filter(ended_at__isnull=True, last_day__lt=today)
        return queryset


@admin.register(WaitlistRequest)
class WaitlistRequestAdmin(ReadOnlyAdmin):
    """Who waits for an earlier time with whom, and how often they were told. The
    stop link's token is never shown."""

    list_display = [
        "created_at",
        "practitioner",
        "service",
        "name",
        "email",
        "first_day",
        "last_day",
        "notified_count",
        "last_notified_at",
        "ended_at",
    ]
    list_filter = [
        WaitlistStateFilter,
        ("last_notified_at", admin.EmptyFieldListFilter),
        ("client", admin.EmptyFieldListFilter),
        "first_day",
        "created_at",
    ]
    search_fields = [
        "email",
        "name",
        "practitioner__display_name",
        "practitioner__slug",
        "service__name",
    ]
    list_select_related = ["practitioner", "service"]
    date_hierarchy = "first_day"
    fields = [
        "practitioner",
        "service",
        "client",
        "name",
        "email",
        "first_day",
        "last_day",
        "created_at",
        "notified_count",
        "last_notified_at",
        "ended_at",
    ]
    readonly_fields = fields
