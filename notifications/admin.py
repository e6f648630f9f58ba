from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from . import outbox
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "kind", "status", "send_after", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "dedup_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["retry_failed", "cancel_pending"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "to",
                    "subject",
                    "kind",
                    "related_key",
                    "dedup_key",
                    "message_id",
                ]
            },
        ),
        (
            "Delivery",
            {
                "fields": [
                    "status",
                    "send_after",
                    "send_before",
                    "attempts",
                    "last_error",
                    "claimed_at",
                    "sent_at",
                    "created_at",
                ]
            },
        ),
        ("Message", {"fields": ["text_body", "html_body"]}),
        (
            "Attachment",
            {
                "classes": ["collapse"],
                "fields": [
                    "attachment_filename",
                    "attachment_content_type",
                    "attachment_content",
                ],
            },
        ),
    ]
    # The outbox is a record of what was (or will be) sent: nothing is edited by
    # hand; staff only retry or cancel through the actions.
    readonly_fields = [
        field for fieldset in fieldsets for field in fieldset[1]["fields"]
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry selected failed emails", permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        pks = queryset.filter(status=OutboundEmail.Status.FAILED).values_list(
            "pk", flat=True
        )
        retried = sum(outbox.retry(pk=pk) for pk in pks)
        self.message_user(
            request,
            ngettext(
                "%d failed email queued again.",
                "%d failed emails queued again.",
                retried,
            )
            % retried,
            messages.SUCCESS,
        )

    @admin.action(description="Cancel selected pending emails", permissions=["change"])
    def cancel_pending(self, request: HttpRequest, queryset: QuerySet) -> None:
        cancelled = outbox.cancel_pending(pks=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%d pending email cancelled.", "%d pending emails cancelled.", cancelled
            )
            % cancelled,
            messages.SUCCESS,
        )
