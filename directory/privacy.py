"""The practitioner profile in a person's data download, and its removal.

See `users.privacy` for how these are called.
"""

from django.db import transaction
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.utils import timezone

from core import images
from users.models import User
from users.privacy import isoformat

from .models import ApplicationDocument, Location, Practitioner, Qualification

FORMER_NAME = "Former practitioner"


def export(user: User) -> dict:
    practitioner = (
        Practitioner.objects.filter(user=user)
        .prefetch_related(
            "techniques",
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.select_related("technique"),
            ),
            "locations",
            "documents",
        )
        .first()
    )
    if practitioner is None:
        return {"practitioner_profile": None}
    return {
        "practitioner_profile": {
            "name": practitioner.display_name,
            "profile_page": practitioner.get_absolute_url(),
            "status": practitioner.get_status_display(),
            "headline": practitioner.headline,
            "about_you": practitioner.bio,
            "photo": practitioner.photo.url if practitioner.photo else None,
            "techniques": [t.name for t in practitioner.techniques.all()],
            "verified_techniques": [
                {
                    "technique": q.technique.name,
                    "how": q.get_source_display(),
                    "reference": q.reference,
                    "granted": isoformat(q.granted_at),
                }
                for q in practitioner.qualifications.all()
            ],
            "qualifications": practitioner.qualifications_text,
            "insurance_expires_on": (
                practitioner.insurance_expires_on.isoformat()
                if practitioner.insurance_expires_on
                else None
            ),
            "languages": practitioner.languages,
            "gender": practitioner.get_gender_display(),
            "price_from": _money(practitioner.price_from),
            "price_to": _money(practitioner.price_to),
            "time_zone": practitioner.time_zone,
            "home_visits": practitioner.home_visits,
            "home_visit_miles": practitioner.home_visit_miles,
            "places_of_work": [
                {
                    "name": location.name,
                    "address": location.address,
                    "town": location.town,
                    "postcode": location.postcode,
                }
                for location in practitioner.locations.all()
            ],
            "application_documents": [
                {
                    "kind": document.get_kind_display(),
                    "file_name": document.original_name,
                    "size_bytes": document.size,
                    "sent": isoformat(document.uploaded_at),
                }
                for document in practitioner.documents.all()
            ],
            "created": isoformat(practitioner.created_at),
        }
    }


def _money(value) -> str | None:
    return None if value is None else str(value)


def erase(user: User) -> None:
    """Delete the profile; if past appointments still point at it, take it down.

    A taken-down profile is suspended (so never listed or bookable) and keeps no
    name, photo, text, techniques or places of work: its clients' appointment
    history then reads "Former practitioner".
    """
    practitioner = Practitioner.objects.select_for_update().filter(user=user).first()
    if practitioner is None:
        return
    photo = practitioner.photo
    if photo:
        # With its renditions, once the deletion is committed.
        images.discard(photo.name, practitioner.photo_width, storage=photo.storage)
    try:
        with transaction.atomic():
            practitioner.delete()
    except (ProtectedError, RestrictedError):
        _take_down(practitioner)


def _take_down(practitioner: Practitioner) -> None:
    Qualification.objects.filter(practitioner=practitioner).delete()
    # Their files go once this commits (ApplicationDocument's post_delete).
    ApplicationDocument.objects.filter(practitioner=practitioner).delete()
    # Their clients' past bookings keep the appointment but lose the address.
    Location.objects.filter(practitioner=practitioner).delete()
    practitioner.techniques.clear()
    Practitioner.objects.filter(pk=practitioner.pk).update(
        display_name=FORMER_NAME,
        slug=f"former-practitioner-{practitioner.pk}",
        headline=FORMER_NAME,
        bio="",
        photo="",
        qualifications_text="",
        insurance_expires_on=None,
        languages=[],
        gender="",
        price_from=None,
        price_to=None,
        home_visits=False,
        home_visit_miles=None,
        offers_online_booking=False,
        status=Practitioner.Status.SUSPENDED,
        status_reason="The practitioner deleted their account.",
        status_changed_at=timezone.now(),
        updated_at=timezone.now(),
    )
