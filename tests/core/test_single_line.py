"""Single-line fields (names, phones, subjects, titles, reasons shown in one line)
refuse line breaks and control characters everywhere: in every form of the site,
the admin (through the models) and the emails built from them."""

import inspect
from importlib import import_module

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.validators import validate_single_line
from tests.bookings.factories import bookable_service
from tests.clock import future_day, london_at

pytestmark = pytest.mark.django_db

PLANTED = "Robin\nView your booking: https://evil.example/"


@pytest.mark.parametrize(
    "text",
    [
        "Robin\nFake line",
        "Robin\r\nFake",
        "Robin\rFake",
        "Tab\there",
        "Bell\x07",
        "Word\x0bbreak",
        "NUL\x00",
        "Next line\x85",
        "Line\u2028separator",
        "Paragraph\u2029separator",
        "Right-to-left \u202eoverride",
        "Isolate \u2066x\u2069",
        "DEL\x7f",
    ],
)
def test_line_breaks_and_control_characters_are_refused(text):
    with pytest.raises(ValidationError):
        validate_single_line(text)


@pytest.mark.parametrize(
    "text",
    ["Siân O’Neill-Smith", "José María", "李小龍", "محمد\u200cرضا", "07700 900123", ""],
)
def test_ordinary_names_in_any_script_are_accepted(text):
    validate_single_line(text)


def test_the_message_says_what_to_do():
    with pytest.raises(ValidationError, match="one line"):
        validate_single_line("Robin\nFake")
    with pytest.raises(
        ValidationError, match=r"invisible control character \(U\+000B\)"
    ):
        validate_single_line("Hot stones\x0bin winter")


# --- every form of the site --------------------------------------------------------

MULTI_LINE_WIDGETS = (forms.Textarea, forms.PasswordInput, forms.HiddenInput)
FORM_MODULES = [
    *(f"{label}.forms" for label in settings.PROJECT_APPS),
    "users.allauth_forms",
]


def _project_forms():
    found = {}
    for name in FORM_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                found[f"{name}.{cls.__name__}"] = cls
    return found


def _single_line_fields():
    params = []
    for form_name, form_class in _project_forms().items():
        # A model form's own model fields are checked with the models below:
        # Django runs the model's validators when it validates the form.
        meta = getattr(form_class, "_meta", None)
        from_model = (
            {field.name for field in meta.model._meta.get_fields()}
            if getattr(meta, "model", None)
            else set()
        )
        for field_name, field in form_class.base_fields.items():
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field.widget, MULTI_LINE_WIDGETS)
                and field_name not in from_model
            ):
                params.append(pytest.param(field, id=f"{form_name}.{field_name}"))
    return params


SINGLE_LINE_FIELDS = _single_line_fields()


def test_the_walk_finds_the_forms_people_fill_in():
    names = {param.id for param in SINGLE_LINE_FIELDS}
    assert {
        "bookings.forms.DetailsForm.name",
        "bookings.forms.DetailsForm.phone",
        "users.forms.SignupForm.full_name",
        "users.forms.ProfileForm.full_name",
        "directory.forms.SearchForm.q",
    } <= names


@pytest.mark.parametrize("field", SINGLE_LINE_FIELDS)
def test_every_single_line_form_field_refuses_a_line_break(field):
    for value in (PLANTED, "Robin\x0bSmith", "Robin\u2028Smith"):
        with pytest.raises(ValidationError):
            field.clean(value)


# --- every model field, so the admin refuses them too ------------------------------

# Written by the code, never typed by a person.
MACHINE_WRITTEN = {
    "users.User.password",
    # A session's key is Django's random token (the sessions' model is the site's).
    "users.Session.session_key",
    "directory.Place.name",
    "directory.Place.key",
    "directory.Place.county",
    "directory.Place.label",
    "directory.Place.ref",
    "bookings.Booking.manage_token",
    "bookings.CalendarFeed.token",
    "notifications.OutboundEmail.subject",
    "notifications.OutboundEmail.attachment_filename",
    "notifications.OutboundEmail.attachment_content_type",
    "notifications.OutboundEmail.dedup_key",
    "notifications.OutboundEmail.kind",
    "notifications.OutboundEmail.related_key",
    "notifications.OutboundEmail.message_id",
    # The payments app writes these from the domain's own (validated) fields, the
    # provider's ids and its own tokens; its admin is read only.
    "payments.Checkout.reference",
    "payments.Checkout.purpose",
    "payments.Checkout.description",
    "payments.Checkout.session_id",
    "payments.Checkout.url",
    "payments.Checkout.success_url",
    "payments.Checkout.cancel_url",
    "payments.Checkout.last_failure",
    "payments.LedgerEntry.reference",
    "payments.LedgerEntry.purpose",
    "payments.LedgerEntry.description",
    "payments.LedgerEntry.currency",
    "payments.LedgerEntry.receipt_token",
    "payments.WebhookEvent.event_id",
    "payments.WebhookEvent.type",
    "payments.WebhookEvent.waits_for",
    "payments.WebhookEvent.note",
    # A refund's reason, typed by staff in a text area: it may take several lines.
    "payments.LedgerEntry.note",
    # A certificate is copied at issue from the enrolment's and the course's own
    # (validated) fields; its admin is read only. The qualifications it grants carry
    # its number and its public page's address.
    "courses.Certificate.number",
    "courses.Certificate.full_name",
    "courses.Certificate.course_title",
    "courses.Certificate.venue_town",
    "directory.Qualification.certificate_number",
    "directory.Qualification.verification_url",
    # A connected calendar's HTTP validators come from its server's headers, and
    # its last error is the fetcher's own sentence; a waiting-list request's stop
    # link is our token.
    "bookings.ExternalCalendar.etag",
    "bookings.ExternalCalendar.last_modified",
    "bookings.ExternalCalendar.last_error",
    "bookings.WaitlistRequest.token",
    # Why the automatic checks held a review is the checks' own words; an
    # invitation's key is our token.
    "reviews.Review.held_because",
    "reviews.Invitation.token",
    # The version of the Markdown renderer that made a stored rendering.
    "blog.Post.body_html_version",
    "blog.Disclaimer.body_html_version",
}


def _model_fields():
    params = []
    for label in settings.PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                name = f"{label}.{model.__name__}.{field.name}"
                if (
                    isinstance(field, models.CharField)
                    and not isinstance(field, models.EmailField | models.SlugField)
                    and not field.choices
                    and name not in MACHINE_WRITTEN
                ):
                    params.append(pytest.param(field, id=name))
    return params


@pytest.mark.parametrize("field", _model_fields())
def test_every_typed_single_line_model_field_refuses_a_line_break(field):
    assert validate_single_line in field.validators


# --- the email a planted name would have written ------------------------------------


def test_a_name_with_a_planted_line_books_nothing_and_emails_nobody(client):
    from bookings.forms import format_start
    from notifications.models import OutboundEmail

    service = bookable_service()
    start = london_at(future_day(3), 10)
    url = f"/book/{service.practitioner.slug}/{service.pk}/details/"
    response = client.post(
        url,
        {
            "start": format_start(start),
            "name": PLANTED,
            "email": "robin@example.com",
            "phone": "07700 900123",
        },
    )
    assert response.status_code == 200
    assert "one line" in response.content.decode()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("phone", ["07700\n900123", "07700 \n900123", "07700\r900123"])
def test_a_course_enrolment_refuses_line_breaks_in_name_and_phone(phone):
    from courses.forms import EnrolmentForm

    form = EnrolmentForm(
        {
            "full_name": "Robin Student",
            "phone": phone,
            "experience": "none",
            "motivation": "To learn",
        }
    )
    assert not form.is_valid()
    assert "phone" in form.errors
    named = EnrolmentForm(
        {
            "full_name": PLANTED,
            "phone": "07700 900123",
            "experience": "none",
            "motivation": "To learn",
        }
    )
    assert not named.is_valid()
    assert "one line" in str(named.errors["full_name"])


@pytest.mark.parametrize(
    "form_path", ["bookings.forms.CancelForm", "bookings.forms.DeclineForm"]
)
def test_a_reason_shown_in_one_line_keeps_one_line(form_path):
    module, name = form_path.rsplit(".", 1)
    form = getattr(import_module(module), name)(
        {"reason": "Feeling unwell\n\nhttps://evil.example/\tnow"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reason"] == "Feeling unwell https://evil.example/ now"
    refused = getattr(import_module(module), name)({"reason": "Unwell\x07"})
    assert not refused.is_valid()
