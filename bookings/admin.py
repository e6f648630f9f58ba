from django.contrib import admin

from .models import (
    Booking,
    BookingPolicy,
    CalendarFeed,
    DateOverride,
    Service,
    TimeOff,
    WeeklyHours,
)

# HealthIntake is deliberately not registered: only the client and the booked
# practitioner may see health answers.


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "practitioner", "duration_minutes", "price", "is_active"]
    list_filter = ["is_active", "technique"]
    search_fields = ["name", "practitioner__display_name"]
    list_select_related = ["practitioner"]
    raw_id_fields = ["practitioner"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "practitioner", "service", "client_name", "status"]
    list_filter = ["status"]
    search_fields = ["client_name", "client_email", "practitioner__display_name"]
    list_select_related = ["practitioner", "service"]
    raw_id_fields = ["practitioner", "service", "client", "location"]
    date_hierarchy = "starts_at"
    exclude = ["manage_token", "practitioner_note"]

    def has_add_permission(self, request) -> bool:
        # Bookings are made through the site, which checks the rules.
        return False


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "practitioner",
        "slot_interval_minutes",
        "min_notice_hours",
        "max_advance_days",
    ]
    raw_id_fields = ["practitioner"]


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "weekday", "start_time", "end_time", "location"]
    raw_id_fields = ["practitioner", "location"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "date", "start_time", "end_time"]
    raw_id_fields = ["practitioner", "location"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "starts_at", "ends_at"]
    raw_id_fields = ["practitioner"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "created_at"]
    exclude = ["token"]
    raw_id_fields = ["practitioner"]
