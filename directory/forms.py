import copy
import functools
import zoneinfo
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language

from core import images
from core.forms import SharedFields, SiteForm, SiteModelForm, apply_specific_messages
from core.validators import validate_single_line

from . import documents, geo
from .models import (
    PROFILE_FIELDS,
    ApplicationDocument,
    Location,
    Practitioner,
    Technique,
)
from .search import Criteria

LANGUAGES = [
    "English",
    "Welsh",
    "British Sign Language",
    "French",
    "German",
    "Spanish",
    "Italian",
    "Portuguese",
    "Polish",
    "Romanian",
    "Arabic",
    "Hindi",
    "Urdu",
    "Punjabi",
    "Bengali",
    "Mandarin",
    "Cantonese",
    "Japanese",
]
RADIUS_CHOICES = [(1, "1 mile"), (3, "3 miles"), (5, "5 miles"), (10, "10 miles"),
                  (25, "25 miles"), (50, "50 miles")]  # fmt: skip
DEFAULT_RADIUS = 10
FREE_SOON_DAYS = 3
MAX_PHOTO_BYTES = 4 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000


class SearchForm(SiteForm):
    where = forms.CharField(
        label="Town or postcode",
        required=False,
        max_length=60,
        validators=[validate_single_line],
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Brighton or BN1", "autocomplete": "postal-code"}
        ),  # fmt: skip
    )
    radius = forms.TypedChoiceField(
        label="Within",
        choices=RADIUS_CHOICES,
        coerce=int,
        required=False,
        empty_value=DEFAULT_RADIUS,
        initial=DEFAULT_RADIUS,
        error_messages={"invalid_choice": "Choose a distance from the list."},
    )
    q = forms.CharField(
        label="Treatment, name or keyword",
        required=False,
        max_length=80,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"placeholder": "e.g. deep tissue"}),
    )
    technique = forms.MultipleChoiceField(
        label="Techniques",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    gender = forms.ChoiceField(
        label="Practitioner's gender",
        required=False,
        choices=[("", "Any")] + list(Practitioner.Gender.choices),
    )
    language = forms.ChoiceField(
        label="Speaks",
        required=False,
        choices=[("", "Any language")] + [(lang, lang) for lang in LANGUAGES],
    )
    home_visits = forms.BooleanField(
        label="Offers home visits",
        required=False,
        help_text="Also lists practitioners farther away whose home visits reach "
        "the place you searched.",
    )
    online = forms.BooleanField(label="Takes bookings online", required=False)
    free_soon = forms.BooleanField(
        label=f"Free in the next {FREE_SOON_DAYS} days",
        required=False,
        help_text=f"Has a time you can book online in the next {FREE_SOON_DAYS} days.",
    )
    # "Show the nearest": results beyond the radius, nearest first.
    nearest = forms.BooleanField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("", "Nearest first, or by name"), ("rating", "Best rated first")],
    )

    def __init__(self, *args, techniques: list[Technique], **kwargs):
        # The fields are made once per technique list (and language) and shared:
        # nothing changes them once made (see core.forms.SharedFields).
        self.base_fields = _search_fields(
            tuple((t.slug, t.name) for t in techniques), get_language() or ""
        )
        super().__init__(*args, **kwargs)
        self.techniques_by_slug = {t.slug: t for t in techniques}
        # What was typed as the place when no place of that name was found.
        self.unknown_place = ""

    def selected_techniques(self) -> list[Technique]:
        slugs = self.cleaned_data.get("technique") or []
        return [self.techniques_by_slug[s] for s in slugs]

    def criteria(self) -> Criteria:
        """The search this form asks for (no form data: every listed practitioner).

        Valid fields filter even when another one is wrong; its error shows
        beside it. A place that cannot be found leaves `where` empty and is kept
        in `unknown_place`.
        """
        if not self.is_bound:
            return Criteria()
        self.is_valid()
        data = self.cleaned_data
        criteria = Criteria(
            radius=data.get("radius") or DEFAULT_RADIUS,
            techniques=self.selected_techniques() if "technique" in data else [],
            text=(data.get("q") or "").strip(),
            gender=data.get("gender") or "",
            language=data.get("language") or "",
            home_visits=bool(data.get("home_visits")),
            online=bool(data.get("online")),
            free_within_days=FREE_SOON_DAYS if data.get("free_soon") else None,
            nearest=bool(data.get("nearest")),
            sort=data.get("sort") or "",
        )
        where = (data.get("where") or "").strip()
        if where:
            criteria.where = geo.resolve(where)
            if criteria.where is None:
                self.unknown_place = where
        return criteria


@functools.lru_cache(maxsize=16)
def _search_fields(choices: tuple[tuple[str, str], ...], language: str) -> SharedFields:
    """SearchForm's fields with these technique choices, made once per process:
    a renamed, added or removed technique is another list, hence other fields.
    The language is part of the key because the messages are worded in it."""
    fields = copy.deepcopy(SearchForm.base_fields)
    fields["technique"].choices = list(choices)
    apply_specific_messages(fields)
    return SharedFields(fields)


class PhotoInput(forms.ClearableFileInput):
    pass


# The regions of the IANA names people live in; the old aliases ("GB",
# "US/Eastern") and the technical ones ("Etc/GMT+5") stay out of the list.
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
HOME_ZONE = "Europe/London"


@cache
def _world_zones() -> tuple[tuple[str, str], ...]:
    return tuple(
        (zone, zone.replace("_", " "))
        for zone in sorted(zoneinfo.available_timezones())
        if zone.split("/", 1)[0] in ZONE_REGIONS and zone != HOME_ZONE
    )


def time_zone_choices(current: str = "") -> list:
    """The select's groups: the UK first, then every other zone by region.

    A zone saved before the list existed stays choosable, so an old profile
    can still be saved unchanged."""
    others = list(_world_zones())
    if current and current != HOME_ZONE and current not in dict(others):
        others.insert(0, (current, current.replace("_", " ")))
    return [
        ("United Kingdom", [(HOME_ZONE, "UK time (Europe/London)")]),
        ("Other time zones", others),
    ]


class PractitionerForm(SiteModelForm):
    """The public profile, as the practitioner edits it."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        initial=HOME_ZONE,
        help_text="Your hours and appointments are in this zone's time.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone we know. Choose "
            "one from the list."
        },
    )

    techniques = forms.ModelMultipleChoiceField(
        queryset=Technique.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        help_text="The techniques you offer. Staff or a completed course verify them.",
    )
    languages = forms.MultipleChoiceField(
        choices=[(lang, lang) for lang in LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["English"],
    )

    class Meta:
        model = Practitioner
        fields = PROFILE_FIELDS
        labels = {
            "display_name": "Name shown on your profile",
            "price_from": "Prices from (£)",
            "price_to": "Prices up to (£)",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8}),
            "qualifications_text": forms.Textarea(attrs={"rows": 4}),
            "insurance_expires_on": forms.DateInput(
                format="%Y-%m-%d", attrs={"type": "date"}
            ),
            "photo": PhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(
            self.instance.time_zone if self.instance.pk else ""
        )
        if self.instance.prices_from_services:
            # The prices follow the services the practitioner offers online.
            del self.fields["price_from"]
            del self.fields["price_to"]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not isinstance(photo, UploadedFile):  # unchanged, cleared or none
            return photo
        try:
            images.check_upload(
                photo,
                max_bytes=MAX_PHOTO_BYTES,
                max_pixels=MAX_PHOTO_PIXELS,
                noun="photo",
            )
        except images.ImageRejected as error:
            raise ValidationError(str(error)) from error
        return photo

    def clean_price_from(self):
        price = self.cleaned_data.get("price_from")
        if price is not None and price < 0:
            raise ValidationError("Prices cannot be negative.")
        return price

    def clean(self):
        data = super().clean()
        low, high = data.get("price_from"), data.get("price_to")
        if low is not None and high is not None and high < low:
            self.add_error("price_to", "The top price must not be below the lowest.")
        if data.get("home_visits") and not data.get("home_visit_miles"):
            self.add_error(
                "home_visit_miles", "Say how many miles you travel for home visits."
            )
        return data


class LocationForm(SiteModelForm):
    """A place of work. Coordinates come from the postcode, via the gazetteer."""

    class Meta:
        model = Location
        fields = ["name", "address", "town", "postcode"]
        widgets = {
            "address": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "town": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def clean_postcode(self):
        postcode = geo.normalise(self.cleaned_data["postcode"])
        match = geo.POSTCODE_RE.match(postcode)
        if not match:
            raise ValidationError("Enter a full UK postcode, such as BN1 1UG.")
        return " ".join(match.groups())

    def clean(self):
        data = super().clean()
        postcode, town = data.get("postcode"), data.get("town")
        if not postcode:
            return data
        found = geo.resolve(postcode) or (geo.resolve(town) if town else None)
        if found is None:
            self.add_error(
                "postcode",
                "We could not place this postcode or town on the map. Check it, or "
                "contact us so we can add your area.",
            )
        else:
            self.instance.latitude = found.latitude
            self.instance.longitude = found.longitude
        return data


DOCUMENT_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from one input; cleans to a list."""

    def __init__(self, *args, max_files: int, **kwargs):
        self.max_files = max_files
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            super().clean(None, initial)  # the "required" message, when required
            return []
        if len(files) > self.max_files:
            raise ValidationError(
                f"Choose at most {self.max_files} files here: put several pages "
                "in one PDF if you have more."
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ApplicationDocumentsForm(SiteForm):
    """The documents staff check before approving a practitioner."""

    insurance = forms.FileField(
        label="Your insurance certificate",
        help_text="Your current professional indemnity and public liability "
        "insurance certificate: a PDF, or a photo (JPEG, PNG or WebP), up to "
        f"{documents.MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    qualifications = MultipleFileField(
        label="Evidence of your qualifications",
        help_text="Your diplomas or certificates, one file each or several pages in "
        f"one PDF: up to {documents.MAX_FILES} files, PDFs or photos, each up to "
        f"{documents.MAX_BYTES // (1024 * 1024)} MB. Only our staff see these "
        "files.",
        max_files=documents.MAX_FILES,
    )

    def _checked(self, upload):
        try:
            documents.check_document(upload)
        except documents.DocumentRejected as error:
            raise ValidationError(str(error)) from error
        return upload

    def clean_insurance(self):
        return self._checked(self.cleaned_data["insurance"])

    def clean_qualifications(self):
        uploads = self.cleaned_data["qualifications"]
        problems = []
        for upload in uploads:
            try:
                self._checked(upload)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(problems)
        return uploads

    def documents(self) -> list[tuple[str, UploadedFile]]:
        return [
            (ApplicationDocument.Kind.INSURANCE, self.cleaned_data["insurance"]),
            *(
                (ApplicationDocument.Kind.QUALIFICATION, upload)
                for upload in self.cleaned_data["qualifications"]
            ),
        ]


class RefusalForm(SiteForm):
    reason = forms.CharField(
        label="Reason for refusing",
        help_text="Sent to the applicant in the email that tells them. Say what "
        "is missing or wrong and what would let us approve them.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
