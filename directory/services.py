"""Writes to the directory: applications, profiles, places of work, approvals and
verified techniques."""

import io
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps

from core import images
from users.models import User

from . import documents as document_files
from . import emails
from .models import (
    PROFILE_FIELDS,
    ApplicationDocument,
    Location,
    Practitioner,
    Qualification,
    Technique,
)

PROFILE_SCALAR_FIELDS = [
    name
    for name in PROFILE_FIELDS
    if not Practitioner._meta.get_field(name).many_to_many
]


class DirectoryError(Exception):
    """A change the directory refuses, with a message for the person."""


def unique_practitioner_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "practitioner"
    slug, n = base, 1
    taken = Practitioner.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def grant_verified_technique(
    *,
    practitioner: Practitioner,
    technique: Technique,
    source: str = Qualification.Source.STAFF,
    reference: str = "",
    certificate_number: str = "",
    verification_url: str = "",
) -> Qualification:
    """Mark a technique verified on a profile (idempotent); it is also offered.

    A course qualification may name the certificate behind it, so that revoking
    the certificate withdraws it (`withdraw_certificate_techniques`), and the
    public page that verifies it, which the profile then links to.
    """
    qualification, created = Qualification.objects.get_or_create(
        practitioner=practitioner,
        technique=technique,
        defaults={
            "source": source,
            "reference": reference,
            "certificate_number": certificate_number,
            "verification_url": verification_url,
        },
    )
    if not created and source == Qualification.Source.COURSE:
        # A completed course is the stronger evidence: record it.
        qualification.source = source
        qualification.reference = reference or qualification.reference
        if certificate_number:
            qualification.certificate_number = certificate_number
            qualification.verification_url = verification_url
        qualification.save(
            update_fields=[
                "source",
                "reference",
                "certificate_number",
                "verification_url",
            ]
        )
    practitioner.techniques.add(technique)
    return qualification


def withdraw_certificate_techniques(*, certificate_number: str) -> list[Qualification]:
    """A certificate was revoked: the verified techniques it gave go with it.

    The techniques stay offered on the profile, without the verified mark: the
    practitioner may still practise them, but we no longer vouch for it. Returns
    the qualifications withdrawn.
    """
    if not certificate_number:
        return []
    withdrawn = list(
        Qualification.objects.filter(
            certificate_number=certificate_number
        ).select_related("technique", "practitioner")
    )
    Qualification.objects.filter(pk__in=[q.pk for q in withdrawn]).delete()
    return withdrawn


def set_certificate_link(*, certificate_number: str, verification_url: str) -> int:
    """Link the verified techniques a certificate gave to its public verification
    page (or, with an empty url, stop linking them). Returns the rows changed."""
    if not certificate_number:
        return 0
    return Qualification.objects.filter(certificate_number=certificate_number).update(
        verification_url=verification_url
    )


@transaction.atomic
def set_status(
    *, practitioner: Practitioner, status: str, reason: str = "", by: User | None = None
) -> Practitioner:
    if status not in Practitioner.Status.values:
        raise DirectoryError(f"Unknown status “{status}”.")
    locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if status == Practitioner.Status.SUSPENDED and not reason.strip():
        raise DirectoryError("Give a reason when suspending a practitioner.")
    if status == Practitioner.Status.REFUSED and not reason.strip():
        raise DirectoryError("Give a reason when refusing an application.")
    if locked.status == status:
        return locked
    locked.status = status
    locked.status_reason = reason.strip()
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    practitioner.status = locked.status
    practitioner.status_reason = locked.status_reason
    practitioner.status_changed_at = locked.status_changed_at
    # Same transaction as the change: the email exists exactly when it happened.
    if status == Practitioner.Status.APPROVED:
        emails.practitioner_approved(locked)
    elif status == Practitioner.Status.SUSPENDED:
        emails.practitioner_suspended(locked)
    elif status == Practitioner.Status.REFUSED:
        emails.application_refused(locked)
    return locked


PHOTO_MAX_PIXELS = 800


def resized_photo(upload) -> ContentFile:
    """The uploaded image as a JPEG no larger than 800×800, metadata dropped (a
    course tutor's photo; a practitioner's goes through store_photo)."""
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_MAX_PIXELS, PHOTO_MAX_PIXELS))
            if image.mode != "RGB":
                image = image.convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85, optimize=True)
    except (OSError, Image.DecompressionBombError) as error:
        raise DirectoryError("That file is not a photo we can read.") from error
    return ContentFile(buffer.getvalue())


# Profile fields that need more than copying: the photo is stored with its
# renditions and its old files deleted, the techniques are set once the profile
# exists.
_NOT_COPIED = {"photo", "techniques"}


def store_photo(practitioner: Practitioner, upload) -> None:
    """The uploaded photo, upright and without its metadata, with its renditions
    (core/images.py), named after the profile."""
    try:
        stored = images.store_image(
            upload, name=f"practitioners/{practitioner.slug}.jpg"
        )
    except images.ImageRejected as error:
        raise DirectoryError("That file is not a photo we can read.") from error
    # A name, not the upload: the field must not save the file a second time.
    practitioner.photo = stored.name
    practitioner.photo_width = stored.width
    practitioner.photo_height = stored.height


def _apply_profile(practitioner: Practitioner, profile: dict) -> None:
    for name in PROFILE_FIELDS:
        if name in profile and name not in _NOT_COPIED:
            setattr(practitioner, name, profile[name])
    if not practitioner.home_visits:
        practitioner.home_visit_miles = None
    photo = profile.get("photo")
    if photo is False:  # "clear" ticked
        practitioner.photo = ""
        practitioner.photo_width = practitioner.photo_height = None
    elif isinstance(photo, UploadedFile):
        store_photo(practitioner, photo)


# What an application sends: (kind, upload) pairs, already checked by the form
# (documents.check_document) and checked again here.
Documents = list[tuple[str, UploadedFile]]


def _check_documents(documents: Documents) -> list[tuple[str, UploadedFile, object]]:
    kinds = {kind for kind, _ in documents}
    if ApplicationDocument.Kind.INSURANCE not in kinds:
        raise DirectoryError("Upload your insurance certificate.")
    if ApplicationDocument.Kind.QUALIFICATION not in kinds:
        raise DirectoryError("Upload evidence of your qualifications.")
    checked = []
    for kind, upload in documents:
        if kind not in ApplicationDocument.Kind.values:
            raise DirectoryError(f"Unknown kind of document “{kind}”.")
        try:
            checked.append((kind, upload, document_files.check_document(upload)))
        except document_files.DocumentRejected as error:
            raise DirectoryError(str(error)) from error
    return checked


def _save_documents(
    practitioner: Practitioner, checked: list, saved: list[str]
) -> None:
    """Store each file and its row; `saved` collects the stored names so that the
    caller can delete them if the transaction fails."""
    for kind, upload, info in checked:
        name = document_files.store(upload, info)
        saved.append(name)
        ApplicationDocument.objects.create(
            practitioner=practitioner,
            kind=kind,
            stored_name=name,
            original_name=_file_label(upload.name),
            content_type=info.content_type,
            size=upload.size,
        )


def _file_label(name: str | None) -> str:
    """The applicant's file name as one short line (it is shown to staff and
    sent back as the download's name)."""
    label = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    label = label.replace("/", "_").replace("\\", "_").replace('"', "'")
    return label[-200:] or "document"


def _with_files_undone_on_failure(write, *args, **kwargs):
    """Run `write` in a transaction; if it fails, delete the files it stored, so
    that a refused or failed application leaves nothing behind."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            return write(*args, saved=saved, **kwargs)
    except BaseException:
        document_files.delete(saved)
        raise


def apply_as_practitioner(
    *,
    user: User,
    profile: dict,
    location: dict,
    coordinates: tuple[float, float],
    documents: Documents,
) -> Practitioner:
    """A new profile, awaiting staff approval, with its first place of work and
    the documents staff check (an insurance certificate and qualification
    evidence, kept privately)."""
    checked = _check_documents(documents)
    return _with_files_undone_on_failure(
        _apply, user=user, profile=profile, location=location,
        coordinates=coordinates, checked=checked,
    )  # fmt: skip


def _apply(*, user, profile, location, coordinates, checked, saved) -> Practitioner:
    if Practitioner.objects.filter(user=user).exists():
        raise DirectoryError("You already have a practitioner profile.")
    practitioner = Practitioner(
        user=user,
        slug=unique_practitioner_slug(profile["display_name"]),
        status=Practitioner.Status.APPLIED,
    )
    _apply_profile(practitioner, profile)
    practitioner.full_clean(exclude=["photo", "techniques"])
    practitioner.save()
    practitioner.techniques.set(profile.get("techniques") or [])
    Location.objects.create(
        practitioner=practitioner,
        latitude=coordinates[0],
        longitude=coordinates[1],
        **{k: location[k] for k in ("name", "address", "town", "postcode")},
    )
    _save_documents(practitioner, checked, saved)
    return practitioner


def apply_again(
    *, practitioner: Practitioner, profile: dict, documents: Documents
) -> Practitioner:
    """A refused applicant sends their application again: the profile as they
    changed it and new documents, which replace the old ones (deleted)."""
    checked = _check_documents(documents)
    return _with_files_undone_on_failure(
        _apply_again, practitioner=practitioner, profile=profile, checked=checked
    )


def _apply_again(*, practitioner, profile, checked, saved) -> Practitioner:
    locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if locked.status != Practitioner.Status.REFUSED:
        raise DirectoryError("Your application is not refused: there is nothing to "
                             "send again.")  # fmt: skip
    update_profile(practitioner=practitioner, profile=profile)
    # The old files go once this commits (ApplicationDocument's post_delete).
    practitioner.documents.all().delete()
    _save_documents(practitioner, checked, saved)
    now = timezone.now()
    Practitioner.objects.filter(pk=practitioner.pk).update(
        status=Practitioner.Status.APPLIED,
        status_reason="",
        status_changed_at=now,
        updated_at=now,
    )
    practitioner.status = Practitioner.Status.APPLIED
    practitioner.status_reason = ""
    practitioner.status_changed_at = now
    return practitioner


def delete_refused_application_documents(*, now=None) -> int:
    """Retention: the documents of applications refused more than
    APPLICATION_DOCUMENTS_REFUSED_DAYS ago, and not sent again, are deleted (their
    files once the deletion commits). Returns how many; a second run finds none."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.APPLICATION_DOCUMENTS_REFUSED_DAYS)
    refused_long_ago = Q(
        practitioner__status=Practitioner.Status.REFUSED,
        practitioner__status_changed_at__lt=cutoff,
    )
    with transaction.atomic():
        # A bounded batch, so that deleting the files after commit fits well in
        # the task's time limit; the next day's run takes the rest.
        batch = list(
            ApplicationDocument.objects.filter(refused_long_ago)
            .order_by("pk")
            .values_list("pk", flat=True)[:REFUSED_DOCUMENTS_BATCH]
        )
        # Re-checked in the deleting statement: a refusal that became a new
        # application meanwhile keeps its documents.
        deleted, _ = ApplicationDocument.objects.filter(
            refused_long_ago, pk__in=batch
        ).delete()
    return deleted


REFUSED_DOCUMENTS_BATCH = 500


MAX_REFUSAL_REASON = 2000


def application_to_review(practitioner: Practitioner) -> bool:
    """Staff may approve or refuse it: it waits for their decision."""
    return practitioner.status == Practitioner.Status.APPLIED


def _lock_undecided(practitioner: Practitioner) -> None:
    """Lock the practitioner's row (inside the caller's transaction) and refuse
    an application someone else has decided meanwhile."""
    locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if not application_to_review(locked):
        raise DirectoryError(
            f"This application was already decided: the profile is "
            f"{locked.get_status_display().lower()}."
        )


@transaction.atomic
def approve_application(*, practitioner: Practitioner, by: User) -> Practitioner:
    _lock_undecided(practitioner)
    return set_status(
        practitioner=practitioner, status=Practitioner.Status.APPROVED, by=by
    )


@transaction.atomic
def refuse_application(
    *, practitioner: Practitioner, reason: str, by: User
) -> Practitioner:
    """Refuse with a reason, which is emailed; the applicant may apply again."""
    reason = (reason or "").strip()
    if not reason:
        raise DirectoryError("Give the reason for refusing: it is sent to the "
                             "applicant.")  # fmt: skip
    if len(reason) > MAX_REFUSAL_REASON:
        raise DirectoryError(
            f"Keep the reason under {MAX_REFUSAL_REASON:,} characters "
            f"(it has {len(reason):,})."
        )
    _lock_undecided(practitioner)
    return set_status(
        practitioner=practitioner,
        status=Practitioner.Status.REFUSED,
        reason=reason,
        by=by,
    )


def discard_replaced_photo(
    *, practitioner: Practitioner, previous: str, previous_width: int | None = None
) -> None:
    """Delete the photo file the profile pointed to before this change, if it no
    longer does. Only once the change is committed: a rollback must keep the file
    the profile still points to."""
    if previous and previous != practitioner.photo.name:
        images.discard(previous, previous_width, storage=practitioner.photo.storage)


@transaction.atomic
def update_profile(*, practitioner: Practitioner, profile: dict) -> Practitioner:
    # The stored name, not the instance's: a bound form has already put the
    # upload (or nothing) on the instance.
    stored_photo, stored_width = (
        Practitioner.objects.select_for_update()
        .values_list("photo", "photo_width")
        .get(pk=practitioner.pk)
    )
    zone_before = practitioner.time_zone
    _apply_profile(practitioner, profile)
    # Only what the person edits: the fields the bookings app keeps (online
    # booking, the next free time) may have changed since the page was loaded.
    fields = [*PROFILE_SCALAR_FIELDS, "photo_width", "photo_height", "updated_at"]
    if practitioner.time_zone != zone_before:
        # Hours are wall-clock times in the zone: the bookings app works the
        # next free time out again (its beat job, within minutes).
        practitioner.next_free_stale_at = timezone.now()
        fields.append("next_free_stale_at")
    practitioner.save(update_fields=fields)
    discard_replaced_photo(
        practitioner=practitioner, previous=stored_photo, previous_width=stored_width
    )
    techniques = set(profile.get("techniques") or [])
    # Verified techniques stay offered: they were earned, not just claimed.
    techniques |= set(practitioner.verified_techniques.all())
    practitioner.techniques.set(techniques)
    return practitioner


def save_location(*, practitioner: Practitioner, form_instance: Location) -> Location:
    form_instance.practitioner = practitioner
    form_instance.save()
    return form_instance


@transaction.atomic
def delete_location(*, location: Location) -> None:
    practitioner = Practitioner.objects.select_for_update().get(
        pk=location.practitioner_id
    )
    if practitioner.locations.count() <= 1:
        raise DirectoryError(
            "This is your only place of work. Add another before removing it."
        )
    location.delete()
    # Hours and services at that place go with it: the bookings app works the
    # next free time out again (its beat job, within minutes).
    Practitioner.objects.filter(pk=practitioner.pk).update(
        next_free_stale_at=timezone.now()
    )
