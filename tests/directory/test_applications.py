"""Practitioner applications: documents kept privately, staff review, refusal."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from directory import documents as document_files
from directory import services
from directory.models import ApplicationDocument, Practitioner
from directory.storage import PrivateFileSystemStorage
from notifications.models import OutboundEmail
from tests.directory import documents
from tests.directory.factories import (
    PlaceFactory,
    PractitionerFactory,
    TechniqueFactory,
)
from tests.directory.test_profiles import application
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

RANDOM_NAME = re.compile(r"^applications/[A-Za-z0-9_-]{32}\.(pdf|jpg|png|webp)$")


def private_names() -> list[str]:
    storage = storages["private"]
    if not storage.exists("applications"):
        return []
    return sorted(f"applications/{n}" for n in storage.listdir("applications")[1])


@pytest.fixture
def lewes():
    """The place the application's postcode (BN7 2AA) resolves to."""
    return PlaceFactory(kind="outward", name="BN7", key="BN7", latitude=50.874,
                        longitude=0.009)  # fmt: skip


@pytest.fixture(autouse=True)
def empty_private_storage():
    for name in private_names():
        storages["private"].delete(name)


def applied(**kwargs) -> Practitioner:
    """An application as sent through the service, with its two documents."""
    practitioner_user = kwargs.pop("user", None) or UserFactory()
    technique = TechniqueFactory()
    return services.apply_as_practitioner(
        user=practitioner_user,
        profile={
            "display_name": "Ana Applicant",
            "headline": "Hot stones in Bath",
            "techniques": [technique],
            "time_zone": "Europe/London",
            "qualifications_text": "ITEC diploma",
        },  # fmt: skip
        location={
            "name": "Studio",
            "address": "1 Street",
            "town": "Bath",
            "postcode": "BA1 1AA",
        },  # fmt: skip
        coordinates=(51.38, -2.36),
        documents=[
            (ApplicationDocument.Kind.INSURANCE, documents.pdf()),
            (ApplicationDocument.Kind.QUALIFICATION, documents.photo()),
        ],
        **kwargs,
    )


# --- uploading -------------------------------------------------------------------


def test_an_application_keeps_its_documents_privately_under_random_names(
    client,
    lewes,
):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("directory:apply"),
        application(
            **{
                "documents-qualifications": [
                    documents.photo("a.jpg"),
                    documents.pdf("b.pdf", "Diploma"),
                ]
            }
        ),  # fmt: skip
    )
    assert response.status_code == 302
    practitioner = Practitioner.objects.get(user=user)
    stored = list(practitioner.documents.order_by("kind", "original_name"))
    assert [(d.kind, d.original_name, d.content_type) for d in stored] == [
        ("insurance", "insurance.pdf", "application/pdf"),
        ("qualification", "a.jpg", "image/jpeg"),
        ("qualification", "b.pdf", "application/pdf"),
    ]
    for document in stored:
        assert RANDOM_NAME.match(document.stored_name)
        assert not storages["default"].exists(document.stored_name)
    assert private_names() == sorted(d.stored_name for d in stored)
    with storages["private"].open(stored[0].stored_name) as handle:
        assert handle.read() == documents.pdf_bytes()


def _one_line(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize(
    "upload, message",
    [
        (documents.forged("cover.pdf", b"PK\x03\x04word-document" * 10,
                          "application/pdf"),
         "is not a PDF or an image we can read"),
        (documents.forged("page.pdf", b"<html><script>alert(1)</script></html>",
                          "application/pdf"),
         "is not a PDF or an image we can read"),
        (documents.forged("cut.pdf", documents.pdf_bytes()[:200], "application/pdf"),
         "is not a complete PDF"),
        (documents.forged("half.jpg", documents.photo().read()[:300], "image/jpeg"),
         "is not a PDF or an image we can read"),
        (documents.forged("empty.pdf", b"", "application/pdf"),
         "submitted file is empty"),
    ],
    ids=["word-renamed", "html-renamed", "truncated-pdf", "damaged-photo", "empty"],
)  # fmt: skip
def test_a_forged_or_damaged_file_is_refused_and_nothing_is_saved(
    client,
    lewes,
    upload,
    message,
):
    client.force_login(UserFactory())
    response = client.post(
        reverse("directory:apply"), application(**{"documents-insurance": upload})
    )
    assert response.status_code == 200
    assert message in _one_line(response.content.decode())
    assert not Practitioner.objects.exists()
    assert not ApplicationDocument.objects.exists()
    assert private_names() == []


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(
    client,
    lewes,
    monkeypatch,
):
    monkeypatch.setattr(document_files, "MAX_BYTES", 1024 * 1024)
    big = documents.forged(
        "scan.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10) + b"\n%%EOF\n",
        "application/pdf",
    )  # fmt: skip
    client.force_login(UserFactory())
    response = client.post(
        reverse("directory:apply"), application(**{"documents-qualifications": [big]})
    )
    page = _one_line(response.content.decode())
    assert "“scan.pdf” is 1.0 MB. Choose a file smaller than 1 MB" in page
    assert not Practitioner.objects.exists()
    assert private_names() == []


@pytest.mark.parametrize(
    "missing, message",
    [
        ("documents-insurance", "Choose a file for your insurance certificate."),
        ("documents-qualifications",
         "Choose a file for the evidence of your qualifications."),
    ],
)  # fmt: skip
def test_a_missing_document_is_asked_for(client, lewes, missing, message):
    client.force_login(UserFactory())
    data = application()
    del data[missing]
    response = client.post(reverse("directory:apply"), data)
    assert message in response.content.decode()
    assert not Practitioner.objects.exists()
    assert private_names() == []


def test_more_than_five_qualification_files_are_refused(client, lewes):
    client.force_login(UserFactory())
    files = [documents.photo(f"{n}.jpg") for n in range(6)]
    response = client.post(
        reverse("directory:apply"), application(**{"documents-qualifications": files})
    )
    assert "Choose at most 5 files here" in response.content.decode()
    assert not Practitioner.objects.exists()
    assert private_names() == []


def test_the_service_refuses_an_application_without_insurance():
    with pytest.raises(services.DirectoryError, match="insurance certificate"):
        services.apply_as_practitioner(
            user=UserFactory(), profile={}, location={}, coordinates=(0, 0),
            documents=[(ApplicationDocument.Kind.QUALIFICATION, documents.pdf())],
        )  # fmt: skip
    assert not Practitioner.objects.exists()
    assert private_names() == []


def test_files_stored_before_a_failure_are_deleted(monkeypatch):
    calls = []
    original = ApplicationDocument.objects.create

    def fail_on_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(**kwargs)

    monkeypatch.setattr(ApplicationDocument.objects, "create", fail_on_second)
    with pytest.raises(RuntimeError):
        applied()
    assert not Practitioner.objects.exists()
    assert private_names() == []


# --- private storage ---------------------------------------------------------------


def test_private_files_live_outside_media_root_and_have_no_url(
    settings,
    tmp_path,
    client,
    lewes,
):
    from config.settings import base

    assert not base.PRIVATE_MEDIA_ROOT.is_relative_to(base.MEDIA_ROOT)
    assert base.STORAGES["private"]["BACKEND"].endswith("PrivateFileSystemStorage")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "directory.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.SERVE_MEDIA = True
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("directory:apply"), application())
    document = ApplicationDocument.objects.get(kind="insurance")
    assert (tmp_path / "private" / document.stored_name).read_bytes() == (
        documents.pdf_bytes()
    )
    assert not (tmp_path / "media").exists()
    with pytest.raises(NotImplementedError):
        PrivateFileSystemStorage(location=tmp_path).url(document.stored_name)
    # Not under /media/ either, even where Django serves media.
    assert client.get(f"/media/{document.stored_name}").status_code == 404


# --- reading the documents -----------------------------------------------------------


def test_staff_download_a_document_with_safe_headers(client):
    practitioner = applied()
    document = practitioner.documents.get(kind="insurance")
    client.force_login(StaffFactory())
    response = client.get(
        reverse("directory:application-document", args=[practitioner.pk, document.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == documents.pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="insurance.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def _document_answers(client, user, practitioner, document) -> int:
    client.force_login(user)
    url = reverse("directory:application-document", args=[practitioner.pk, document.pk])
    return client.get(url).status_code


def test_nobody_but_staff_can_read_a_document(client):
    practitioner = applied()
    document = practitioner.documents.get(kind="insurance")
    url = reverse("directory:application-document", args=[practitioner.pk, document.pk])
    assert client.get(url).url.startswith("/accounts/login/")
    staff_without_permission = UserFactory(is_staff=True)
    for user in [practitioner.user, UserFactory(), PractitionerFactory().user,
                 staff_without_permission]:  # fmt: skip
        assert _document_answers(client, user, practitioner, document) == 404
    # A document asked for through another application is not found either.
    other = applied()
    assert _document_answers(client, StaffFactory(), other, document) == 404


# --- reviewing ---------------------------------------------------------------------


def test_staff_see_the_whole_application_on_one_screen(
    client, django_assert_max_num_queries
):
    practitioner = applied()
    client.force_login(StaffFactory())
    url = reverse("directory:application-review", args=[practitioner.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    page = response.content.decode()
    assert "Ana Applicant" in page and "Hot stones in Bath" in page
    assert practitioner.user.email in page
    assert "ITEC diploma" in page
    assert practitioner.techniques.get().name in page
    for document in practitioner.documents.all():
        assert (
            reverse(
                "directory:application-document", args=[practitioner.pk, document.pk]
            )
            in page
        )
        assert document.original_name in page
    assert "Approve" in page and "Refuse…" in page
    assert "no-store" in response["Cache-Control"]


def test_the_review_screen_is_a_404_to_anyone_but_staff(client):
    practitioner = applied()
    for name in ["application-review", "application-approve", "application-refuse"]:
        url = reverse(f"directory:{name}", args=[practitioner.pk])
        client.force_login(practitioner.user)
        method = client.get if name == "application-review" else client.post
        assert method(url, {"reason": "x", "confirm": "yes"}).status_code == 404
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPLIED


def test_staff_approve_and_the_applicant_is_emailed(client):
    practitioner = applied(
        # listed as soon as approved: the insurance date is current
    )
    Practitioner.objects.filter(pk=practitioner.pk).update(
        insurance_expires_on=timezone.localdate() + timedelta(days=200)
    )
    client.force_login(StaffFactory())
    response = client.post(
        reverse("directory:application-approve", args=[practitioner.pk]), follow=True
    )
    assert "Ana Applicant is approved" in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPROVED
    email = OutboundEmail.objects.get(kind="practitioner.approved")
    assert email.to == practitioner.user.email


def test_approving_a_decided_application_changes_nothing(client):
    practitioner = applied()
    services.refuse_application(practitioner=practitioner, reason="No insurance.",
                                by=StaffFactory())  # fmt: skip
    client.force_login(StaffFactory())
    response = client.post(
        reverse("directory:application-approve", args=[practitioner.pk]), follow=True
    )
    assert "already decided" in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.REFUSED
    assert not OutboundEmail.objects.filter(kind="practitioner.approved").exists()


def test_refusing_asks_to_confirm_then_emails_the_reason(client):
    practitioner = applied()
    client.force_login(StaffFactory())
    url = reverse("directory:application-refuse", args=[practitioner.pk])
    reason = "The insurance certificate has expired. Send the current one."

    confirm = client.post(url, {"reason": reason})
    assert confirm.status_code == 200
    assert "Refuse Ana Applicant’s application?" in confirm.content.decode()
    assert reason in confirm.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPLIED
    assert not OutboundEmail.objects.exists()

    done = client.post(url, {"reason": reason, "confirm": "yes"}, follow=True)
    assert "application is refused" in done.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.REFUSED
    assert practitioner.status_reason == reason
    email = OutboundEmail.objects.get(kind="practitioner.refused")
    assert email.to == practitioner.user.email
    assert reason in email.text_body
    assert reason in email.html_body
    assert reverse("directory:apply") in email.text_body


@pytest.mark.parametrize("reason", ["", "   "])
def test_refusing_without_a_reason_is_explained_and_changes_nothing(client, reason):
    practitioner = applied()
    client.force_login(StaffFactory())
    response = client.post(
        reverse("directory:application-refuse", args=[practitioner.pk]),
        {"reason": reason, "confirm": "yes"},
    )
    assert response.status_code == 400
    assert "Enter the reason for refusing." in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPLIED
    assert not OutboundEmail.objects.exists()


def test_the_refuse_service_needs_a_reason_and_an_undecided_application():
    practitioner = applied()
    staff = StaffFactory()
    with pytest.raises(services.DirectoryError, match="Give the reason"):
        services.refuse_application(practitioner=practitioner, reason=" ", by=staff)
    services.approve_application(practitioner=practitioner, by=staff)
    with pytest.raises(services.DirectoryError, match="already decided"):
        services.refuse_application(practitioner=practitioner, reason="No", by=staff)
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPROVED
    assert not OutboundEmail.objects.filter(kind="practitioner.refused").exists()


# --- applying again ---------------------------------------------------------


def test_a_refused_applicant_reads_the_reason_and_applies_again(
    client, django_capture_on_commit_callbacks
):
    practitioner = applied()
    old_names = set(practitioner.documents.values_list("stored_name", flat=True))
    services.refuse_application(
        practitioner=practitioner, reason="Your diploma is not legible.",
        by=StaffFactory(),
    )  # fmt: skip
    client.force_login(practitioner.user)
    page = client.get(reverse("directory:apply")).content.decode()
    assert "Our staff could not approve your application" in page
    assert "Your diploma is not legible." in page
    assert "Send my application again" in page

    technique = practitioner.techniques.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:apply"),
            {
                "display_name": "Ana Applicant", "headline": "Hot stones in Bath",
                "techniques": [technique.pk], "time_zone": "Europe/London",
                "languages": ["English"],
                "documents-insurance": documents.pdf("new-insurance.pdf"),
                "documents-qualifications": [documents.pdf("diploma.pdf")],
            },
        )  # fmt: skip
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPLIED
    assert practitioner.status_reason == ""
    names = set(practitioner.documents.values_list("stored_name", flat=True))
    assert set(private_names()) == names
    assert not names & old_names
    assert sorted(practitioner.documents.values_list("original_name", flat=True)) == [
        "diploma.pdf",
        "new-insurance.pdf",
    ]


def test_an_applicant_waiting_for_review_cannot_apply_again(client):
    practitioner = applied()
    client.force_login(practitioner.user)
    assert client.get(reverse("directory:apply")).url == reverse("directory:dashboard")
    with pytest.raises(services.DirectoryError, match="not refused"):
        services.apply_again(
            practitioner=practitioner, profile={},
            documents=[("insurance", documents.pdf()),
                       ("qualification", documents.pdf())],
        )  # fmt: skip
    assert practitioner.documents.count() == 2
    assert len(private_names()) == 2


# --- deletion and privacy ---------------------------------------------------


def test_deleting_an_application_deletes_its_files(django_capture_on_commit_callbacks):
    practitioner = applied()
    assert len(private_names()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        practitioner.delete()
    assert private_names() == []


def test_erasing_the_account_deletes_the_files_and_the_download_lists_them(
    django_capture_on_commit_callbacks,
):
    from directory import privacy

    practitioner = applied()
    exported = privacy.export(practitioner.user)["practitioner_profile"]
    assert {d["file_name"] for d in exported["application_documents"]} == {
        "insurance.pdf",
        "diploma.jpg",
    }
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase(practitioner.user)
    assert not ApplicationDocument.objects.exists()
    assert private_names() == []


def test_documents_of_an_old_refusal_are_deleted_once(
    settings, django_capture_on_commit_callbacks
):
    from directory.tasks import delete_refused_application_documents

    settings.APPLICATION_DOCUMENTS_REFUSED_DAYS = 90
    staff = StaffFactory()
    old, recent, waiting = applied(), applied(), applied()
    for practitioner in (old, recent):
        services.refuse_application(practitioner=practitioner, reason="No.", by=staff)
    Practitioner.objects.filter(pk=old.pk).update(
        status_changed_at=timezone.now() - timedelta(days=91)
    )
    Practitioner.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(days=200)
    )
    kept = set(
        ApplicationDocument.objects.exclude(practitioner=old).values_list(
            "stored_name", flat=True
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_refused_application_documents() == 2
    assert delete_refused_application_documents() == 0  # a second run finds none
    assert not old.documents.exists()
    assert set(private_names()) == kept
    old.refresh_from_db()
    assert old.status == Practitioner.Status.REFUSED
    assert old.status_reason == "No."


def test_the_demo_applicant_has_documents_to_review_once():
    from directory import demo

    practitioner = applied(user=UserFactory(email="applicant@demo.example"))
    practitioner.documents.all().delete()
    demo._demo_documents("applicant@demo.example")
    demo._demo_documents("applicant@demo.example")  # a second run adds none
    assert sorted(practitioner.documents.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/jpeg",
    ]


def test_old_refusals_are_deleted_in_bounded_batches(settings, monkeypatch):
    settings.APPLICATION_DOCUMENTS_REFUSED_DAYS = 90
    monkeypatch.setattr(services, "REFUSED_DOCUMENTS_BATCH", 3)
    staff = StaffFactory()
    for _ in range(2):
        practitioner = applied()
        services.refuse_application(practitioner=practitioner, reason="No.", by=staff)
    Practitioner.objects.update(status_changed_at=timezone.now() - timedelta(days=91))
    assert services.delete_refused_application_documents() == 3
    assert services.delete_refused_application_documents() == 1
    assert services.delete_refused_application_documents() == 0


def test_the_form_says_who_sees_the_documents_and_for_how_long(client, settings):
    settings.APPLICATION_DOCUMENTS_REFUSED_DAYS = 60
    client.force_login(UserFactory())
    page = _one_line(client.get(reverse("directory:apply")).content.decode())
    assert "Only our staff can open these files" in page
    assert "we delete them 60 days later unless you send it again" in page
    assert 'accept="application/pdf,image/jpeg,image/png,image/webp"' in page
    assert "multiple" in page


def test_a_refused_applicant_sees_the_reason_on_the_dashboard_not_an_insurance_warning(
    client,
):
    practitioner = PractitionerFactory(
        status=Practitioner.Status.REFUSED,
        status_reason="The insurance certificate is unreadable.",
    )
    client.force_login(practitioner.user)
    html = client.get(reverse("directory:dashboard")).content.decode()
    assert "Our staff could not approve your application." in html
    assert "The insurance certificate is unreadable." in html
    assert f'href="{reverse("directory:apply")}"' in html
    assert "insurance date has passed" not in html
