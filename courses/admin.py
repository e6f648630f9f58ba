from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import ngettext

from core import images
from core.admin_actions import confirm_action
from core.formatting import format_money
from directory import geo
from directory.services import DirectoryError, resized_photo
from payments.admin import ledger_html, refund_action

from . import billing, certificates, exports, services
from .forms import PaymentByHandForm, RevokeForm
from .models import (
    Certificate,
    Course,
    CourseDate,
    CourseQuestion,
    Enrolment,
    TeachingDay,
    Tutor,
    WaitingListEntry,
)
from .pdf import certificate_pdf


def _run_each(modeladmin, request, queryset, service, done: tuple[str, str]) -> None:
    """Call `service` for each object; report what worked and each refusal.
    `done`: the singular and plural report, with `{n}` for the number."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except services.EnrolmentError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        report = ngettext(*done, succeeded).format(n=succeeded)
        modeladmin.message_user(request, report, messages.SUCCESS)


@admin.register(Tutor)
class TutorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "position"]
    list_editable = ["position"]
    search_fields = ["name", "role"]
    fields = ["name", "role", "bio", "photo", "position"]

    def save_model(self, request, obj: Tutor, form, change: bool) -> None:
        previous = (
            Tutor.objects.filter(pk=obj.pk).values_list("photo", flat=True).first()
        )
        # Like practitioners' photos: at most 800 pixels, metadata dropped; named
        # after its content, so a new photo gets a new URL (core/images.py).
        if "photo" in form.changed_data and obj.photo:
            try:
                photo = resized_photo(obj.photo)
                name = images.content_name(
                    f"tutor-{slugify(obj.name)}.jpg", photo.read()
                )
                obj.photo.save(name, photo, False)
            except DirectoryError as error:
                self.message_user(request, str(error), messages.ERROR)
                obj.photo = ""
        super().save_model(request, obj, form, change)
        if previous and previous != obj.photo.name:
            images.discard(previous, None, storage=obj.photo.storage)

    def delete_model(self, request, obj: Tutor) -> None:
        name, storage = obj.photo.name, obj.photo.storage
        super().delete_model(request, obj)
        images.discard(name, None, storage=storage)

    def delete_queryset(self, request, queryset) -> None:
        photos = list(queryset.exclude(photo="").values_list("photo", flat=True))
        super().delete_queryset(request, queryset)
        for name in photos:
            images.discard(name, None)


class CourseQuestionInline(admin.StackedInline):
    model = CourseQuestion
    extra = 0
    fields = ["question", "answer", "position"]


class CourseAdminForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose

    def clean_image(self):
        return images.clean_upload(self.cleaned_data.get("image"))


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseAdminForm
    list_display = ["title", "level", "total_hours", "price_display", "is_published"]
    list_filter = ["is_published", "level", "techniques"]
    list_editable = ["is_published"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["techniques", "tutors"]
    inlines = [CourseQuestionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description", "is_published"]}),
        ("What it teaches", {"fields": ["techniques", "level", "total_hours"]}),
        (
            "For people deciding",
            {
                "fields": [
                    "syllabus",
                    "entry_requirements",
                    "included",
                    "assessment",
                    "tutors",
                ]
            },
        ),
        (
            "Price and refunds",
            {
                "fields": [
                    "price",
                    "deposit",
                    "refund_days_before",
                    "deposit_refundable",
                ]
            },
        ),
        ("Picture", {"fields": ["image", "image_alt"]}),
    ]

    def save_model(self, request, obj: Course, form, change: bool) -> None:
        previous = (
            Course.objects.filter(pk=obj.pk).values_list("image", "image_width").first()
        )
        upload = form.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            # Stripped of its metadata and stored with its renditions, once.
            stored = images.store_image(upload, name=f"courses/{obj.slug}.jpg")
            obj.image = stored.name
            obj.image_width, obj.image_height = stored.width, stored.height
        elif not obj.image:
            obj.image_width = obj.image_height = None
        super().save_model(request, obj, form, change)
        if previous and previous[0] != obj.image.name:
            # A replaced or removed image goes, with its renditions.
            images.discard(*previous, storage=obj.image.storage)

    def delete_model(self, request, obj: Course) -> None:
        name, width, storage = obj.image.name, obj.image_width, obj.image.storage
        super().delete_model(request, obj)
        images.discard(name, width, storage=storage)

    def delete_queryset(self, request, queryset) -> None:
        pictures = list(queryset.exclude(image="").values_list("image", "image_width"))
        super().delete_queryset(request, queryset)
        for name, width in pictures:
            images.discard(name, width)

    @admin.display(description="price", ordering="price")
    def price_display(self, course: Course) -> str:
        return f"{format_money(course.price)} (deposit {format_money(course.deposit)})"


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    fields = ["reference_link", "full_name", "status", "deposit_paid_at", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["status", "full_name"]
    verbose_name_plural = "class list"
    # An enrolment's page on the site is the student's own (404 for anyone else).
    view_on_site = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="reference")
    def reference_link(self, enrolment: Enrolment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:courses_enrolment_change", args=[enrolment.pk]),
            enrolment.reference,
        )


class WaitingListInline(admin.TabularInline):
    model = WaitingListEntry
    fields = ["position", "student", "status", "offer_expires_at", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "waiting list (reorder it in Waiting-list entries)"

    def get_queryset(self, request):
        return super().get_queryset(request).active().select_related("student")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TeachingDayInline(admin.TabularInline):
    model = TeachingDay
    extra = 0
    fields = ["day", "starts_at", "ends_at", "note"]
    verbose_name_plural = "timetable (each teaching day, UK time)"


@admin.register(CourseDate)
class CourseDateAdmin(admin.ModelAdmin):
    list_display = [
        "course",
        "venue_town",
        "starts_on",
        "ends_on",
        "status",
        "places",
        "places_taken",
        "places_left_display",
        "waiting",
    ]
    list_filter = ["status", "venue_town", "course", "starts_on"]
    list_select_related = ["course"]
    date_hierarchy = "starts_on"
    search_fields = [
        "course__title",
        "venue_name",
        "venue_town",
        "venue_postcode",
    ]
    autocomplete_fields = ["course"]
    readonly_fields = ["places_taken"]
    fieldsets = [
        (None, {"fields": ["course", "status"]}),
        (
            "Venue",
            {
                "fields": [
                    "venue_name",
                    "venue_address",
                    "venue_town",
                    "venue_postcode",
                    ("venue_latitude", "venue_longitude"),
                    "venue_directions",
                ]
            },
        ),
        (
            "When",
            {"fields": ["starts_on", "ends_on", "schedule", "enrolment_deadline"]},
        ),
        ("Places and price", {"fields": ["places", "places_taken", "price_override"]}),
        ("For enrolled students", {"fields": ["joining_instructions"]}),
    ]
    inlines = [TeachingDayInline, EnrolmentInline, WaitingListInline]
    actions = ["download_class_list", "cancel_dates", "complete_dates"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                waiting_count=Count(
                    "waiting_list",
                    filter=Q(waiting_list__status__in=WaitingListEntry.ACTIVE),
                )
            )
        )

    @admin.display(description="left")
    def places_left_display(self, course_date: CourseDate) -> int:
        return course_date.places_left

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, course_date: CourseDate) -> int:
        return course_date.waiting_count

    def save_model(self, request, obj: CourseDate, form, change: bool) -> None:
        located = self._locate_venue(obj)
        if not change:
            obj.save()
            return
        changed = [*form.changed_data, *located]
        saved = services.save_course_date(course_date=obj, changed=changed)
        if saved.enrolments_cancelled is not None:
            self.message_user(
                request,
                ngettext(
                    "The date is cancelled; %d enrolment was cancelled and the "
                    "student told.",
                    "The date is cancelled; %d enrolments were cancelled and the "
                    "students told.",
                    saved.enrolments_cancelled,
                )
                % saved.enrolments_cancelled,
                messages.WARNING,
            )
        if saved.places_offered:
            self.message_user(
                request,
                ngettext(
                    "%d place offered to the waiting list.",
                    "%d places offered to the waiting list.",
                    saved.places_offered,
                )
                % saved.places_offered,
                messages.INFO,
            )
        if saved.offers_left_open:
            self.message_user(
                request,
                ngettext(
                    "%d waiting-list offer made before closing stays open until it "
                    "expires; no new offers are made.",
                    "%d waiting-list offers made before closing stay open until they "
                    "expire; no new offers are made.",
                    saved.offers_left_open,
                )
                % saved.offers_left_open,
                messages.INFO,
            )

    @staticmethod
    def _locate_venue(course_date: CourseDate) -> list[str]:
        """Coordinates for the map link from the gazetteer, when staff left them
        empty and the postcode is one we know. Returns the fields it set."""
        if course_date.venue_latitude is not None:
            return []
        found = geo.resolve(course_date.venue_postcode)
        if found is None:
            return []
        course_date.venue_latitude = found.latitude
        course_date.venue_longitude = found.longitude
        return ["venue_latitude", "venue_longitude"]

    @admin.action(description="Complete the selected dates (issue certificates)")
    def complete_dates(self, request, queryset):
        if not request.POST.get("apply"):
            return confirm_action(
                self,
                request,
                queryset,
                title="Complete course dates",
                question="Complete these dates? Every confirmed student whose "
                "register shows them at every teaching day is completed and "
                "emailed their certificate; the others are listed for you to "
                "decide one by one (on the date's register page).",
                button="Complete and issue certificates",
            )
        for course_date in queryset:
            try:
                done = services.complete_course_date(course_date=course_date)
            except services.EnrolmentError as error:
                self.message_user(request, f"{course_date}: {error}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{course_date}: {len(done.completed)} completed, certificates issued.",
                messages.SUCCESS,
            )
            for enrolment, reason in done.skipped:
                self.message_user(
                    request,
                    f"{enrolment.reference} {enrolment.full_name} not completed: "
                    f"{reason}.",
                    messages.WARNING,
                )
        return None

    @admin.action(description="Download the class list (CSV)")
    def download_class_list(self, request, queryset) -> HttpResponse:
        stamp = timezone.localdate().isoformat()
        return exports.class_list_response(
            Enrolment.objects.holding_place().filter(course_date__in=queryset),
            f"class-list-{stamp}.csv",
        )

    @admin.action(description="Cancel the selected dates (and their enrolments)")
    def cancel_dates(self, request, queryset):
        if request.POST.get("apply"):
            total = sum(
                services.cancel_course_date(course_date=course_date)
                for course_date in queryset
            )
            self.message_user(
                request,
                ngettext("%d date cancelled", "%d dates cancelled", queryset.count())
                % queryset.count()
                + "; "
                + ngettext(
                    "%d enrolment cancelled and the student told.",
                    "%d enrolments cancelled and the students told.",
                    total,
                )
                % total,
                messages.SUCCESS,
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title="Cancel course dates",
            question="Cancel these dates? Every reserved and confirmed enrolment on "
            "them is cancelled and the students are emailed; the waiting list closes.",
            button="Yes, cancel the dates",
        )


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "full_name",
        "course_date",
        "status",
        "deposit_paid_at",
        "reserved_until",
        "created_at",
    ]
    list_filter = [
        "status",
        "cancel_reason",
        ("deposit_paid_at", admin.EmptyFieldListFilter),
        "course_date__course",
        "course_date__venue_town",
        "course_date__starts_on",
    ]
    list_select_related = ["course_date__course", "student"]
    search_fields = [
        "full_name",
        "student__email",
        "phone",
        "course_date__course__title",
        "course_date__venue_town",
    ]
    date_hierarchy = "created_at"
    view_on_site = False
    actions = [
        "record_payments",
        "refund",
        "mark_completed",
        "cancel_enrolments",
        "export_csv",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "course_date", "student", "status"]}),
        (
            "Student's answers",
            {
                "fields": [
                    "full_name",
                    "phone",
                    "experience",
                    "motivation",
                    "heard_about",
                    "access_needs",
                ]
            },
        ),
        (
            "Payment",
            {
                "fields": [
                    "price",
                    "deposit",
                    "reserved_until",
                    "deposit_paid_at",
                    "payment_reference",
                    "ledger",
                ]
            },
        ),
        (
            "History",
            {
                "fields": [
                    "created_at",
                    "confirmed_at",
                    "completed_at",
                    "certificate_link",
                    "cancelled_at",
                    "cancel_reason",
                ]
            },
        ),
        ("Staff", {"fields": ["staff_notes"]}),
    ]

    @admin.display(description="certificate")
    def certificate_link(self, enrolment: Enrolment) -> str:
        certificate = Certificate.objects.filter(enrolment=enrolment).first()
        if certificate is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>{}',
            reverse("admin:courses_certificate_change", args=[certificate.pk]),
            certificate.number,
            "" if certificate.is_valid else " (revoked)",
        )

    def get_readonly_fields(self, request, obj=None):
        # Status and payments change only through the actions (and their services).
        return [
            field
            for fieldset in self.fieldsets
            for field in fieldset[1]["fields"]
            if field != "staff_notes"
        ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.save(update_fields=["staff_notes", "updated_at"])

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # "ENR-00042" or "42". isdigit() alone also accepts "²", which int() refuses.
        reference = search_term.strip().upper().removeprefix("ENR-")
        if reference.isascii() and reference.isdigit():
            # `queryset` is what the sidebar filters left: a reference must not
            # bring back a row they removed.
            found |= queryset.filter(pk=int(reference))
        return found, may_have_duplicates

    @admin.display(description="ledger")
    def ledger(self, enrolment: Enrolment) -> str:
        return ledger_html(billing.reference(enrolment))

    refund = refund_action(billing.reference, description="Refund…")

    @admin.action(description="Record a payment (bank transfer, cash)…")
    def record_payments(self, request, queryset):
        form = PaymentByHandForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data

            def record(enrolment: Enrolment) -> None:
                amount = data["amount"]
                if amount is None and enrolment.status == Enrolment.Status.RESERVED:
                    services.record_deposit(
                        enrolment=enrolment,
                        reference=data["payment_reference"],
                        recorded_by=request.user,
                        method=data["method"],
                    )
                    return
                if amount is None:
                    amount = billing.account(enrolment).balance_left
                if amount == 0:
                    raise services.EnrolmentError(
                        f"{enrolment.reference} is paid in full."
                    )
                services.record_payment_by_hand(
                    enrolment=enrolment,
                    amount_pence=amount,
                    method=data["method"],
                    bank_reference=data["payment_reference"],
                    recorded_by=request.user,
                )

            _run_each(
                self,
                request,
                queryset,
                record,
                (
                    "{n} payment recorded in your name; a paid deposit confirms "
                    "the place and the student is emailed.",
                    "{n} payments recorded in your name; paid deposits confirm "
                    "their places and the students are emailed.",
                ),
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title="Record payments",
            question="Record a payment received for these enrolments? It goes on "
            "the ledger in your name; a deposit confirms the place and the student "
            "is emailed a receipt.",
            button="Record the payment",
            form=form,
        )

    @admin.action(
        description="Mark completed (issues certificates, adds verified techniques)"
    )
    def mark_completed(self, request, queryset):
        if request.POST.get("apply"):
            _run_each(
                self,
                request,
                queryset,
                lambda e: services.complete_enrolment(enrolment=e),
                (
                    "{n} enrolment completed and its certificate emailed; a "
                    "graduate with a practitioner profile now shows the course's "
                    "techniques as verified.",
                    "{n} enrolments completed and their certificates emailed; "
                    "graduates with a practitioner profile now show the course's "
                    "techniques as verified.",
                ),
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title="Mark enrolments completed",
            question="Mark these enrolments completed? Each graduate is emailed a "
            "certificate, and the course's techniques become verified techniques "
            "on their practitioner profile. Attendance is not checked here: the "
            "date's register shows it.",
            button="Mark completed",
        )

    @admin.action(description="Cancel the selected enrolments")
    def cancel_enrolments(self, request, queryset):
        if request.POST.get("apply"):
            _run_each(
                self,
                request,
                queryset,
                lambda e: services.cancel_enrolment(enrolment=e, by=request.user),
                (
                    "{n} enrolment cancelled; its place went to the waiting list "
                    "or back on sale.",
                    "{n} enrolments cancelled; their places went to the waiting "
                    "list or back on sale.",
                ),
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title="Cancel enrolments",
            question="Cancel these enrolments? The students are emailed and their "
            "places go to the waiting list or back on sale.",
            button="Yes, cancel them",
        )

    @admin.action(description="Download the selected as a class list (CSV)")
    def export_csv(self, request, queryset) -> HttpResponse:
        stamp = timezone.localdate().isoformat()
        return exports.class_list_response(queryset, f"enrolments-{stamp}.csv")


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(admin.ModelAdmin):
    list_display = [
        "course_date",
        "student",
        "position",
        "status",
        "offer_expires_at",
        "created_at",
    ]
    list_editable = ["position"]
    list_filter = ["status", "course_date__course", "course_date__venue_town"]
    list_select_related = ["course_date__course", "student"]
    search_fields = [
        "student__email",
        "student__full_name",
        "course_date__course__title",
    ]
    ordering = ["course_date__starts_on", "course_date", "position", "pk"]
    fields = [
        "course_date",
        "student",
        "position",
        "status",
        "offered_at",
        "offer_expires_at",
        "closed_at",
        "created_at",
        "staff_notes",
    ]
    readonly_fields = [
        "course_date",
        "student",
        "status",
        "offered_at",
        "offer_expires_at",
        "closed_at",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Only the line order and notes: the status belongs to the services, which
        # may have changed it since this page was loaded.
        obj.save(update_fields=["position", "staff_notes"])


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "full_name", "course_title", "ends_on", "issued_at",
                    "status"]  # fmt: skip
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "course_title",
                   "issued_at"]  # fmt: skip
    search_fields = ["number", "full_name", "enrolment__student__email"]
    date_hierarchy = "issued_at"
    actions = ["revoke"]
    fields = ["number", "full_name", "course_title", "venue_town", "starts_on",
              "ends_on", "hours", "technique_list", "issued_at", "enrolment_link",
              "linked_from_profile", "revoked_at", "revoked_reason", "revoked_by",
              "pdf_link"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # completing an enrolment issues them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a number once given stays answerable: revoke instead

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        try:  # a number typed as on paper: lower case, spaces, O for 0
            number = certificates.normalise(search_term)
        except certificates.NumberProblem:
            return found, duplicates
        return found | queryset.filter(number=number), duplicates

    @admin.display(description="status", boolean=False)
    def status(self, certificate: Certificate) -> str:
        return "Valid" if certificate.is_valid else "Revoked"

    @admin.display(description="techniques")
    def technique_list(self, certificate: Certificate) -> str:
        return ", ".join(t.name for t in certificate.techniques.all()) or "—"

    @admin.display(description="enrolment")
    def enrolment_link(self, certificate: Certificate) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:courses_enrolment_change", args=[certificate.enrolment_id]),
            certificate.enrolment.reference,
        )

    @admin.display(description="PDF")
    def pdf_link(self, certificate: Certificate) -> str:
        return format_html(
            '<a href="{}">Download the PDF</a> · <a href="{}">Its public page</a>',
            reverse("admin:courses_certificate_pdf", args=[certificate.pk]),
            certificate.get_absolute_url(),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="courses_certificate_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = get_object_or_404(Certificate, pk=pk)
        response = HttpResponse(certificate_pdf(certificate), "application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-{certificate.number}.pdf"'
        )
        return response

    @admin.action(description="Revoke the selected certificates")
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _run_each(
                self,
                request,
                queryset,
                lambda c: services.revoke_certificate(
                    certificate=c, reason=reason, by=request.user
                ),
                (
                    "{n} certificate revoked; the graduate is emailed and the "
                    "techniques it verified are withdrawn.",
                    "{n} certificates revoked; the graduates are emailed and the "
                    "techniques they verified are withdrawn.",
                ),
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title="Revoke certificates",
            question="Revoke these certificates? Anyone checking their numbers will "
            "see they are no longer valid, the verified techniques they gave are "
            "withdrawn from the graduates' profiles, and each graduate is emailed "
            "the reason.",
            button="Revoke",
            form=form,
        )
