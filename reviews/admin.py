"""Moderation in the admin: staff read held and reported reviews and approve,
hide (with a reason) or remove them. Staff never change a client's words: a
review is read-only here, and every change goes through reviews.services."""

from django import forms
from django.contrib import admin, messages

from core.admin_actions import confirm_action

from . import services
from .models import Invitation, OptOut, Review


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, help_text="Kept with the review, for staff only."
    )


class ReportedFilter(admin.SimpleListFilter):
    title = "reported"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Reported"), ("no", "Not reported")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reported_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(reported_at__isnull=True)
        return queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "practitioner",
        "rating",
        "status",
        "held_because",
        "reported_at",
        "created_at",
    ]
    list_filter = ["status", ReportedFilter, "rating"]
    search_fields = ["practitioner__display_name", "text"]
    list_select_related = ["practitioner"]
    actions = ["approve", "hide", "remove"]
    readonly_fields = [
        field.name for field in Review._meta.fields if field.name != "id"
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # "Remove" keeps the row: the booking stays reviewed.

    def _each(self, request, queryset, act, done: str) -> None:
        count = 0
        for review in queryset:
            try:
                act(review)
            except services.ReviewError as error:
                self.message_user(
                    request, f"Review {review.pk}: {error}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} review(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve (publish) the selected reviews")
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda review: services.approve_review(review=review),
            "published",
        )

    def _with_reason(self, request, queryset, *, verb: str, act, question: str):
        form = ReasonForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda r: act(r, reason),
                f"{verb[:-1]}den" if verb == "hide" else f"{verb}d",
            )
            return None
        return confirm_action(
            self,
            request,
            queryset,
            title=f"{verb.capitalize()} reviews",
            question=question,
            button=f"{verb.capitalize()} them",
            form=form,
        )

    @admin.action(description="Hide the selected reviews (with a reason)…")
    def hide(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            verb="hide",
            act=lambda review, reason: services.hide_review(
                review=review, reason=reason
            ),
            question="Hide these reviews from the site? They can be approved again.",
        )

    @admin.action(description="Remove the selected reviews for good…")
    def remove(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            verb="remove",
            act=lambda review, reason: services.remove_review(
                review=review, reason=reason
            ),
            question="Remove these reviews for good? Their words and replies are "
            "erased; the appointments cannot be reviewed again.",
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["booking", "sent_at"]
    readonly_fields = ["booking", "sent_at"]
    exclude = ["token"]  # a guest's key to write the review

    def has_add_permission(self, request):
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at"]
    search_fields = ["email"]
