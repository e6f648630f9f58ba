"""Emails about a practitioner's place in the directory, written to the outbox."""

from django.conf import settings
from django.urls import reverse

from core.links import absolute_url
from notifications import outbox

from .models import Practitioner


def practitioner_approved(practitioner: Practitioner) -> None:
    """The application is approved. Listing also needs current insurance
    (Practitioner.is_listed), so without it the email asks for the new date
    instead of promising a listing that is not there."""
    if practitioner.is_listed:
        subject = "Your profile is now listed on Holistic Touch"
        paragraphs = [
            "Good news: our staff have approved your application, and your "
            "profile is now listed in the Holistic Touch directory.",
            "Clients can find you by technique and by town or postcode. Keep "
            "your profile, hours and insurance date up to date from your "
            "practice page.",
        ]
        action = (absolute_url(reverse("directory:dashboard")), "Go to your practice")
    else:
        subject = "Your application is approved: update your insurance to be listed"
        paragraphs = [
            "Good news: our staff have approved your application.",
            "Your profile is not listed in the directory yet, because we have no "
            "current insurance date for you. Please enter the date your "
            "professional insurance runs until on your profile: you are listed "
            "as soon as it shows a date that has not passed.",
        ]
        action = (
            absolute_url(reverse("directory:edit-profile")),
            "Update your insurance date",
        )
    outbox.enqueue(
        to=practitioner.user.email,
        subject=subject,
        template="message",
        context={
            "greeting": f"Dear {practitioner.display_name},",
            "paragraphs": paragraphs,
            "action_url": action[0],
            "action_label": action[1],
        },
        dedup_key=f"practitioner:{practitioner.pk}:approved:"
        f"{practitioner.status_changed_at.isoformat()}",
        kind="practitioner.approved",
        related_key=f"practitioner:{practitioner.pk}",
    )


def practitioner_suspended(practitioner: Practitioner) -> None:
    outbox.enqueue(
        to=practitioner.user.email,
        subject="Your Holistic Touch profile is suspended",
        template="message",
        context={
            "greeting": f"Dear {practitioner.display_name},",
            "paragraphs": [
                "Your profile has been suspended and is hidden from the directory "
                "for now.",
                f"The reason our staff gave: {practitioner.status_reason}",
                f"If you have questions, or once this is resolved, reply to this "
                f"email or write to {settings.CONTACT_EMAIL}.",
            ],
            "action_url": absolute_url(reverse("directory:dashboard")),
            "action_label": "Go to your practice",
        },
        dedup_key=f"practitioner:{practitioner.pk}:suspended:"
        f"{practitioner.status_changed_at.isoformat()}",
        kind="practitioner.suspended",
        related_key=f"practitioner:{practitioner.pk}",
    )


def application_refused(practitioner: Practitioner) -> None:
    """Staff refused the application, with a reason; the applicant may change
    it and send it again."""
    outbox.enqueue(
        to=practitioner.user.email,
        subject="Your application to the Holistic Touch directory",
        template="message",
        context={
            "greeting": f"Dear {practitioner.display_name},",
            "paragraphs": [
                "Thank you for applying to join the Holistic Touch directory. Our "
                "staff have looked at your application and cannot approve it as it "
                "stands.",
                f"The reason they gave: {practitioner.status_reason}",
                "You can change your profile, upload new documents and send your "
                "application again from the link below. If you have questions, "
                f"reply to this email or write to {settings.CONTACT_EMAIL}.",
            ],
            "action_url": absolute_url(reverse("directory:apply")),
            "action_label": "Apply again",
        },
        dedup_key=f"practitioner:{practitioner.pk}:refused:"
        f"{practitioner.status_changed_at.isoformat()}",
        kind="practitioner.refused",
        related_key=f"practitioner:{practitioner.pk}",
    )
