from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

from . import services
from .models import Location, Place, Practitioner, Qualification, Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    fields = ["name", "slug", "description", "body"]


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


class QualificationInline(admin.TabularInline):
    """Verified techniques. Saving goes through the service (see save_formset), so a
    verified technique is offered too."""

    model = Qualification
    extra = 0
    autocomplete_fields = ["technique"]
    readonly_fields = ["granted_at", "certificate_number"]


class PractitionerAdminForm(forms.ModelForm):
    """Staff may remove a photo (say, an unsuitable one) but not upload one: uploads
    go through the profile form, which checks, resizes and tidies up the files."""

    class Meta:
        model = Practitioner
        fields = ["photo"]  # the admin adds the others

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            raise forms.ValidationError(
                "Practitioners upload their own photo from their profile page. "
                "Here you can only remove one."
            )
        return photo


class StatusActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        label="Reason",
        help_text="Required to suspend; sent to the practitioner.",
    )


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "status", "insurance_expires_on",
                    "offers_online_booking", "created_at", "application"]  # fmt: skip
    list_filter = ["status", "home_visits", "offers_online_booking", "techniques"]
    search_fields = ["display_name", "user__email", "slug", "locations__town"]
    readonly_fields = ["application", "status", "status_reason", "status_changed_at",
                       "created_at", "updated_at", "offers_online_booking"]  # fmt: skip
    autocomplete_fields = ["user"]
    filter_horizontal = ["techniques"]
    inlines = [LocationInline, QualificationInline]
    form = PractitionerAdminForm
    action_form = StatusActionForm
    actions = ["approve", "suspend"]
    exclude = ["verified_techniques"]

    @admin.display(description="Application")
    def application(self, obj):
        """The one-screen review: details, documents, approve or refuse."""
        if obj.pk is None:
            return "-"
        label = "Review" if obj.status == Practitioner.Status.APPLIED else "View"
        url = reverse("directory:application-review", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{} application</a>', url, label)

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("photo")
        previous_width = (
            Practitioner.objects.filter(pk=obj.pk)
            .values_list("photo_width", flat=True)
            .first()
        )
        if not obj.photo:  # staff removed it (they never upload one)
            obj.photo_width = obj.photo_height = None
        if change:
            # Only the fields on the form: the ones the bookings app keeps may
            # have changed since the page was loaded.
            concrete = {f.name for f in obj._meta.concrete_fields}
            fields = [n for n in form.fields if n in concrete]
            fields += ["photo_width", "photo_height", "updated_at"]
            if "time_zone" in form.changed_data:
                obj.next_free_stale_at = timezone.now()
                fields.append("next_free_stale_at")
            obj.save(update_fields=fields)
        else:
            super().save_model(request, obj, form, change)
        services.discard_replaced_photo(
            practitioner=obj,
            previous=getattr(previous, "name", previous or ""),
            previous_width=previous_width,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Qualification:
            return super().save_formset(request, form, formset, change)
        qualifications = formset.save(commit=False)
        for qualification in formset.deleted_objects:
            qualification.delete()
        for qualification in qualifications:
            if qualification.pk is not None:  # an edit: the technique may change
                qualification.save()
            services.grant_verified_technique(
                practitioner=formset.instance,
                technique=qualification.technique,
                source=qualification.source,
                reference=qualification.reference,
            )

    @admin.action(description="Approve selected practitioners")
    def approve(self, request, queryset):
        for practitioner in queryset:
            services.set_status(
                practitioner=practitioner,
                status=Practitioner.Status.APPROVED,
                reason=request.POST.get("reason", ""),
                by=request.user,
            )
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Approved %d practitioner.", "Approved %d practitioners.", count)
            % count,
        )

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
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Suspended %d practitioner.", "Suspended %d practitioners.", count)
            % count,
        )


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "county", "latitude", "longitude"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
