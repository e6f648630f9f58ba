import re

from django import forms

from core.forms import SiteForm, SiteModelForm
from core.validators import validate_single_line
from payments.admin import AmountField
from payments.models import LedgerEntry

from . import certificates
from .models import Course, Enrolment


class CourseDateFilterForm(SiteForm):
    """The filters above the list of course dates (GET; every field optional)."""

    technique = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "Choose a technique from the list."},
    )
    town = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "Choose a town from the list."},
    )
    level = forms.ChoiceField(
        choices=[("", "Any level"), *Course.Level.choices],
        required=False,
        error_messages={"invalid_choice": "Choose a level from the list."},
    )

    def __init__(
        self, *args, techniques: list[tuple[str, str]], towns: list[str], **kwargs
    ):
        # Choices come in as lists, so validating and rendering query nothing more.
        super().__init__(*args, **kwargs)
        self.fields["technique"].choices = [("", "Any technique"), *techniques]
        self.fields["town"].choices = [("", "Any town")] + [(t, t) for t in towns]

    def filter(self, dates):
        """Apply the valid filters; an invalid one is reported and ignored."""
        if not self.is_bound:
            return dates
        self.is_valid()  # a field that fails is left out of cleaned_data
        data = self.cleaned_data
        if technique := data.get("technique"):
            dates = dates.filter(
                course__in=Course.objects.filter(techniques__slug=technique).values(
                    "pk"
                )
            )
        if town := data.get("town"):
            dates = dates.filter(venue_town=town)
        if level := data.get("level"):
            dates = dates.filter(course__level=level)
        return dates


# Spaces only: `\s` would let a line break into the class list and emails.
PHONE_RE = re.compile(r"^\+?[\d ()-]{7,25}$")


class EnrolmentForm(SiteModelForm):
    class Meta:
        model = Enrolment
        fields = [
            "full_name",
            "phone",
            "experience",
            "motivation",
            "heard_about",
            "access_needs",
        ]
        labels = {
            "full_name": "Full name",
            "phone": "Phone number",
            "experience": "What massage experience do you have?",
            "motivation": "Why do you want to take this course?",
            "heard_about": "How did you hear about us?",
            "access_needs": "Any access or learning needs we should plan for?",
        }
        help_texts = {
            "full_name": "As it should appear on your certificate.",
            "phone": "We call if anything changes at short notice.",
            "motivation": "A few sentences are plenty (up to 1,000 characters).",
            "access_needs": "Optional. Only the course tutors see this.",
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "experience": forms.RadioSelect,
            "motivation": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
            "access_needs": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experience"].choices = Enrolment.Experience.choices
        self.fields["heard_about"].choices = [
            ("", "Prefer not to say"),
            *Enrolment.HeardAbout.choices,
        ]

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < 7:
            raise forms.ValidationError(
                "Enter a phone number we can call, e.g. 07700 900123."
            )
        return phone

    def clean_motivation(self) -> str:
        text = self.cleaned_data["motivation"].strip()
        if not text:
            raise forms.ValidationError("Tell us briefly why you want to take it.")
        return text


class PaymentByHandForm(SiteForm):
    """Staff record a payment received outside the site (admin action)."""

    amount = AmountField(
        required=False,
        max_length=20,
        help_text="In pounds, e.g. 300. Leave empty for what is due now: the deposit "
        "of a reservation, else the rest of the fee.",
    )
    method = forms.ChoiceField(
        choices=[
            (LedgerEntry.Method.BANK_TRANSFER, "Bank transfer"),
            (LedgerEntry.Method.CASH, "Cash"),
            (LedgerEntry.Method.OTHER, "Other"),
        ]
    )
    payment_reference = forms.CharField(
        max_length=100,
        required=False,
        validators=[validate_single_line],
        help_text="e.g. the bank transfer reference.",
    )


class RevokeForm(SiteForm):
    """Staff revoke a certificate (admin action)."""

    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Emailed to the graduate. The public verification page says "
        "only that the certificate was revoked, and when.",
    )


class VerifyForm(SiteForm):
    """The number someone types at /verify/."""

    number = forms.CharField(
        label="Certificate number",
        max_length=40,
        validators=[validate_single_line],
        help_text="Printed at the bottom left of the certificate, e.g. "
        "HT-2026-7KQ2-M9X4.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )

    def clean_number(self) -> str:
        try:
            return certificates.normalise(self.cleaned_data["number"])
        except certificates.NumberProblem as problem:
            raise forms.ValidationError(str(problem)) from problem
