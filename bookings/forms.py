from datetime import UTC, date, datetime, time, timedelta

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone

from core.forms import SiteForm, SiteModelForm
from core.validators import one_line, validate_single_line
from directory.models import Practitioner, Technique

from .models import BookingPolicy, HealthIntake, Service, Weekday

MAX_API_DAYS = 62

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Dates outside these years are nobody's appointment, and near datetime's limits
# adding a day would overflow: refuse them like any other malformed input.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


def _sane(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def validate_sane_date(value: date) -> None:
    if not _sane(value):
        raise forms.ValidationError(f"Enter a date between {EARLIEST} and {LATEST}.")


class DayField(forms.DateField):
    """A date picker field that refuses dates nobody books."""

    default_validators = [validate_sane_date]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DATE_INPUT)
        super().__init__(**kwargs)


def parse_start(value: str | None) -> datetime | None:
    """An aware datetime from an ISO 8601 query value, or None if it is not one."""
    if not value or len(value) > 40:
        return None
    try:
        # A '+' in a query string arrives as a space.
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        return None
    if parsed.tzinfo is None or not _sane(parsed.date()):
        return None
    return parsed


def format_start(moment: datetime) -> str:
    """The value `parse_start` reads back: UTC, no '+' to escape in a URL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_date(value: str | None) -> date | None:
    if not value or len(value) > 10:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if _sane(parsed) else None


# --- the booking flow -----------------------------------------------------------


class DetailsForm(SiteForm):
    name = forms.CharField(
        label="Your name", max_length=150, validators=[validate_single_line]
    )
    # Django's form default (320) is longer than the column (254).
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We send your confirmation and a link to manage it.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        validators=[validate_single_line],
        help_text="In case your practitioner needs to reach you on the day.",
        error_messages={"required": "Enter your phone number."},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Please tell us your name.")
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if len(digits) < 7 or any(c not in "0123456789 +()-." for c in phone):
            raise forms.ValidationError("Please enter a phone number we can call.")
        return phone


YES_NO = [("yes", "Yes"), ("no", "No")]


class HealthForm(SiteForm):
    """The health questions a massage therapist asks before a first treatment."""

    details = forms.CharField(
        label="Anything else your practitioner should know?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Medication, conditions, areas to avoid. Only your practitioner "
        "sees this.",
    )
    consent = forms.BooleanField(
        label="My answers are true to the best of my knowledge, and I consent to "
        "my practitioner seeing them to treat me safely.",
        error_messages={"required": "Please give your consent to book."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {}
        for field, question in HealthIntake.QUESTIONS:
            questions[field] = forms.ChoiceField(
                label=question,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )
        # Questions first, then the free text and the consent.
        self.fields = {**questions, **self.fields}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(InlineRadios(field) for field in questions), "details", "consent"
        )

    def answers(self) -> dict:
        data = {
            field: self.cleaned_data[field] == "yes"
            for field, _ in HealthIntake.QUESTIONS
        }
        data["details"] = self.cleaned_data["details"]
        return data


class _ReasonForm(SiteForm):
    """A reason the other party reads in one line of a page and an email: line
    breaks become spaces, other control characters are refused."""

    def clean_reason(self) -> str:
        reason = one_line(self.cleaned_data["reason"])
        validate_single_line(reason)
        return reason


class CancelForm(_ReasonForm):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PractitionerCancelForm(_ReasonForm):
    reason = forms.CharField(
        label="Reason, for the client",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(_ReasonForm):
    reason = forms.CharField(
        label="Reason, for the client (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(SiteForm):
    note = forms.CharField(
        label="Private note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only you see this note.",
    )


class AttendanceForm(SiteForm):
    status = forms.ChoiceField(
        choices=[("completed", "Completed"), ("no_show", "No-show")]
    )


class StartForm(SiteForm):
    """A chosen start time, as the slot picker sends it."""

    start = forms.CharField(max_length=40, validators=[validate_single_line])

    def clean_start(self) -> datetime:
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError("Please choose one of the times shown.")
        return start


# --- the JSON API -----------------------------------------------------------------


class SlotsQueryForm(SiteForm):
    """The query of the slots API. Without "from", the view calls `day_range` with
    today in the practitioner's zone, once it knows the practitioner."""

    service = forms.IntegerField(min_value=1, max_value=2**62)
    from_ = DayField(required=False, input_formats=["%Y-%m-%d"])
    to = DayField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        if "from" in data:
            data["from_"] = data.pop("from")[-1]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and cleaned.get("from_"):
            cleaned["from_"], cleaned["to"] = self.day_range(cleaned["from_"])
        return cleaned

    def day_range(self, first: date) -> tuple[date, date]:
        """`first` to "to" (default two weeks on), or a ValidationError."""
        last = self.cleaned_data.get("to") or first + timedelta(days=13)
        if last < first:
            raise forms.ValidationError('"to" must not be before "from".')
        if (last - first).days + 1 > MAX_API_DAYS:
            raise forms.ValidationError(
                f"Ask for at most {MAX_API_DAYS} days at a time."
            )
        return first, last

    def error_message(self) -> str:
        messages = []
        for field, errors in self.errors.items():
            name = {"from_": "from", "__all__": ""}.get(field, field)
            for error in errors:
                messages.append(f"{name}: {error}" if name else error)
        return " ".join(messages)


# --- the practitioner's dashboard ---------------------------------------------


class ServiceForm(SiteModelForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "technique",
            "duration_minutes",
            "price",
            "payment_mode",
            "deposit",
            "description",
            "locations",
            "is_active",
        ]
        widgets = {
            "payment_mode": forms.RadioSelect,
            "locations": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.practitioner = practitioner
        self.fields["technique"].queryset = Technique.objects.order_by("name")
        self.fields["locations"].queryset = practitioner.locations.all()
        if not practitioner.locations.exists():
            del self.fields["locations"]
        # Not sent (an older form): paid at the appointment, no deposit.
        self.fields["payment_mode"].required = False
        self.fields["deposit"].required = False

    def clean_payment_mode(self) -> str:
        return self.cleaned_data["payment_mode"] or Service.PaymentMode.AT_APPOINTMENT

    def clean_deposit(self):
        return self.cleaned_data["deposit"] or 0

    def clean(self):
        cleaned = super().clean()
        mode, deposit = cleaned.get("payment_mode"), cleaned.get("deposit")
        if mode == Service.PaymentMode.DEPOSIT and not deposit:
            self.add_error(
                "deposit",
                "Enter the deposit clients pay online, or choose another way to pay.",
            )
        return cleaned


class _RangeForm(SiteForm):
    start_time = forms.TimeField(
        label="From",
        widget=TIME_INPUT,
        error_messages={"required": "Enter the time you start, for example 09:00."},
    )
    end_time = forms.TimeField(
        label="Until",
        widget=TIME_INPUT,
        error_messages={"required": "Enter the time you finish, for example 17:00."},
    )
    location = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any of my locations"
    )

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.practitioner = practitioner
        self.fields["location"].queryset = practitioner.locations.all()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and start >= end:
            self.add_error("end_time", "The end time must be after the start time.")
        return cleaned


class WeeklyHoursForm(_RangeForm):
    prefix = "hours"
    weekday = forms.TypedChoiceField(label="Day", choices=Weekday.choices, coerce=int)
    field_order = ["weekday", "start_time", "end_time", "location"]


class HoursEditForm(_RangeForm):
    """One range changed in place on the hours page: each row's form has the
    range's own prefix, so every field id on the page is unique."""

    field_order = ["start_time", "end_time", "location"]

    def __init__(self, *args, hours, **kwargs):
        kwargs.setdefault("prefix", f"edit-{hours.pk}")
        kwargs.setdefault(
            "initial",
            {
                "start_time": hours.start_time,
                "end_time": hours.end_time,
                "location": hours.location_id,
            },
        )
        super().__init__(*args, practitioner=hours.practitioner, **kwargs)
        self.hours = hours


class CopyHoursForm(SiteForm):
    prefix = "copy"
    from_day = forms.TypedChoiceField(
        label="Copy the hours of", choices=Weekday.choices, coerce=int
    )
    to_days = forms.TypedMultipleChoiceField(
        label="To these days",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their hours are replaced by the copied ones.",
        error_messages={"required": "Choose the days to copy the hours to."},
    )

    def clean(self):
        cleaned = super().clean()
        source, targets = cleaned.get("from_day"), cleaned.get("to_days")
        if source is not None and targets:
            targets = [day for day in targets if day != source]
            if not targets:
                self.add_error(
                    "to_days", "Choose days other than the one you copy from."
                )
            cleaned["to_days"] = targets
        return cleaned


class DateOverrideForm(_RangeForm):
    prefix = "date"
    date = DayField(label="Date")
    field_order = ["date", "start_time", "end_time", "location"]

    def clean_date(self) -> date:
        value = self.cleaned_data["date"]
        today = timezone.now().astimezone(self.practitioner.zone).date()
        if value < today:
            raise forms.ValidationError("Choose today or a later date.")
        return value


class TimeOffForm(SiteForm):
    prefix = "off"
    start_date = DayField(label="From date")
    start_time = forms.TimeField(
        label="From time",
        required=False,
        widget=TIME_INPUT,
        help_text="Empty: from the start of the day.",
    )
    end_date = DayField(label="Until date")
    end_time = forms.TimeField(
        label="Until time",
        required=False,
        widget=TIME_INPUT,
        help_text="Empty: to the end of the day.",
    )
    reason = forms.CharField(
        label="Reason (private)",
        required=False,
        max_length=120,
        validators=[validate_single_line],
        help_text="For example “Holiday” or “Training”.",
    )

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.practitioner = practitioner

    def clean(self):
        cleaned = super().clean()
        start_date, end_date = cleaned.get("start_date"), cleaned.get("end_date")
        if not start_date or not end_date:
            return cleaned
        zone = self.practitioner.zone
        start = datetime.combine(start_date, cleaned.get("start_time") or time.min)
        if cleaned.get("end_time"):
            end = datetime.combine(end_date, cleaned["end_time"])
        else:
            end = datetime.combine(end_date + timedelta(days=1), time.min)
        cleaned["starts_at"] = start.replace(tzinfo=zone)
        cleaned["ends_at"] = end.replace(tzinfo=zone)
        if cleaned["ends_at"] <= cleaned["starts_at"]:
            raise forms.ValidationError("The time off must end after it starts.")
        if cleaned["ends_at"] <= timezone.now():
            raise forms.ValidationError("That time off is already over.")
        return cleaned


class PolicyForm(SiteModelForm):
    prefix = "policy"

    class Meta:
        model = BookingPolicy
        fields = [
            "buffer_before_minutes",
            "buffer_after_minutes",
            "slot_interval_minutes",
            "min_notice_hours",
            "max_advance_days",
            "cancellation_cutoff_hours",
            "new_clients_need_approval",
        ]


# --- other calendars and the waiting list -------------------------------------------


class ExternalCalendarForm(SiteForm):
    prefix = "calendar"
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="For you, e.g. “Clinic diary” or “Gym classes”.",
        validators=[validate_single_line],
    )
    url = forms.CharField(
        label="Secret iCal address",
        max_length=2000,
        validators=[validate_single_line],
        help_text="Starts with https:// or webcal:// and ends, usually, in .ics.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Please give the calendar a name.")
        return name


class WaitlistForm(SiteForm):
    prefix = "wait"
    name = forms.CharField(
        label="Your name", max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="Only for the emails about this request.",
    )
    first_day = DayField(label="From")
    last_day = DayField(label="Until")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Please tell us your name.")
        return name

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day must not be before the first.")
        return cleaned
