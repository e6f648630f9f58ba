from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from . import services
from .models import Location, Place, Practitioner, Qualification, Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0
    autocomplete_fields = ["technique"]


class StatusActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        label="Reason",
        help_text="Required to suspend; sent to the practitioner.",
    )


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "status", "insurance_expires_on",
                    "offers_online_booking", "created_at"]  # fmt: skip
    list_filter = ["status", "home_visits", "offers_online_booking", "techniques"]
    search_fields = ["display_name", "user__email", "slug", "locations__town"]
    readonly_fields = ["status", "status_reason", "status_changed_at", "created_at",
                       "updated_at", "offers_online_booking"]  # fmt: skip
    autocomplete_fields = ["user"]
    filter_horizontal = ["techniques"]
    inlines = [LocationInline, QualificationInline]
    action_form = StatusActionForm
    actions = ["approve", "suspend"]
    exclude = ["verified_techniques"]

    @admin.action(description="Approve selected practitioners")
    def approve(self, request, queryset):
        for practitioner in queryset:
            services.set_status(
                practitioner=practitioner,
                status=Practitioner.Status.APPROVED,
                reason=request.POST.get("reason", ""),
                by=request.user,
            )
        self.message_user(request, f"Approved {queryset.count()} practitioner(s).")

    @admin.action(description="Suspend selected practitioners (give a reason)")
    def suspend(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request,
                "Type a reason in the Reason box before suspending.",
                messages.ERROR,
            )
            return
        for practitioner in queryset:
            services.set_status(
                practitioner=practitioner,
                status=Practitioner.Status.SUSPENDED,
                reason=reason,
                by=request.user,
            )
        self.message_user(request, f"Suspended {queryset.count()} practitioner(s).")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "county", "latitude", "longitude"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
