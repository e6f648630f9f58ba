import zoneinfo
from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.models import TimeStampedModel
from core.validators import validate_single_line


class Technique(models.Model):
    """The shared taxonomy: the directory, the courses and the blog all use it."""

    name = models.CharField(
        max_length=80,
        unique=True,
        validators=[validate_single_line],
    )
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text="One or two sentences: shown in lists, search results and under "
        "the technique page's heading.",
    )
    body = models.TextField(
        "what it is and who it helps",
        blank=True,
        help_text="The technique page's text. Markdown: paragraphs, ## headings, "
        "lists, links, bold and italics.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:technique", kwargs={"slug": self.slug})

    @property
    def practitioners_url(self) -> str:
        """The directory search for practitioners offering it."""
        return f"{reverse('directory:search')}?technique={self.slug}"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know.")


class PractitionerQuerySet(models.QuerySet):
    def listed(self, today: date | None = None) -> "PractitionerQuerySet":
        """Approved practitioners with current insurance: all the public sees."""
        today = today or timezone.localdate()
        return self.filter(
            status=Practitioner.Status.APPROVED, insurance_expires_on__gte=today
        )


class Practitioner(TimeStampedModel):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non-binary", "Non-binary"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner"
    )
    slug = models.SlugField(max_length=80, unique=True)
    display_name = models.CharField(
        max_length=120,
        validators=[validate_single_line],
    )
    headline = models.CharField(
        max_length=160,
        help_text="One line shown in search results.",
        validators=[validate_single_line],
    )
    bio = models.TextField(
        blank=True, help_text="Markdown: paragraphs, lists, links, bold and italics."
    )
    photo = models.ImageField(upload_to="practitioners/", blank=True)
    techniques = models.ManyToManyField(
        Technique, related_name="practitioners", blank=True
    )
    verified_techniques = models.ManyToManyField(
        Technique,
        through="Qualification",
        related_name="verified_practitioners",
        blank=True,
    )
    qualifications_text = models.TextField(
        "qualifications",
        blank=True,
        help_text="Diplomas, memberships and training, one per line.",
    )
    insurance_expires_on = models.DateField(
        "professional insurance expires on", null=True, blank=True
    )
    languages = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, size=12
    )
    gender = models.CharField(
        max_length=20, choices=Gender, blank=True, help_text="Optional."
    )
    price_from = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True
    )
    price_to = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_single_line, validate_time_zone],
    )
    home_visits = models.BooleanField(default=False)
    home_visit_miles = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How far you travel for home visits.",
    )
    # Kept up to date by the bookings app: true when clients can book online.
    offers_online_booking = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=Status, default=Status.APPLIED, db_index=True
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("display_name", "headline", "bio", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="practitioner_search_gin"),
            GinIndex(fields=["languages"], name="practitioner_languages_gin"),
            models.Index(
                fields=["status", "insurance_expires_on"], name="practitioner_listed"
            ),
            # The longest home-visit range sizes the search box for home visits.
            models.Index(
                fields=["home_visit_miles"],
                condition=Q(home_visits=True),
                name="practitioner_home_visit_miles",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_from__gte=0) | Q(price_from__isnull=True),
                name="practitioner_price_from_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(price_to__isnull=True)
                | Q(price_from__isnull=True)
                | Q(price_to__gte=F("price_from")),
                name="practitioner_price_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("directory:profile", kwargs={"slug": self.slug})

    @property
    def is_listed(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.insurance_expires_on is not None
            and self.insurance_expires_on >= timezone.localdate()
        )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


# What a practitioner writes on their own profile, in the order the profile form
# shows it: the form's fields and what update_profile copies onto the profile.
PROFILE_FIELDS = [
    "display_name",
    "headline",
    "bio",
    "photo",
    "techniques",
    "qualifications_text",
    "insurance_expires_on",
    "languages",
    "gender",
    "price_from",
    "price_to",
    "time_zone",
    "home_visits",
    "home_visit_miles",
]


class Qualification(models.Model):
    """A *verified* technique: granted by staff, or by completing one of our courses."""

    class Source(models.TextChoices):
        STAFF = "staff", "Verified by staff"
        COURSE = "course", "Completed course"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="qualifications"
    )
    technique = models.ForeignKey(
        Technique, on_delete=models.PROTECT, related_name="qualifications"
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.STAFF)
    reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="e.g. the course and date completed.",
        validators=[validate_single_line],
    )
    # Written by the app that issued the certificate behind a course
    # qualification: its number (revoking it withdraws the qualifications that
    # carry it) and, when the graduate allows it, the public page that verifies it.
    certificate_number = models.CharField(
        max_length=40, blank=True, db_index=True, editable=False
    )
    verification_url = models.CharField(max_length=200, blank=True, editable=False)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["technique__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "technique"],
                name="qualification_one_per_technique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.technique} ({self.get_source_display()})"


class Location(models.Model):
    """A place where a practitioner works."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(
        "clinic or room name",
        max_length=120,
        validators=[validate_single_line],
    )
    address = models.CharField(
        "street address",
        max_length=200,
        validators=[validate_single_line],
    )
    town = models.CharField(
        max_length=80,
        validators=[validate_single_line],
    )
    postcode = models.CharField(
        max_length=10,
        validators=[validate_single_line],
    )
    latitude = models.FloatField(
        validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        ordering = ["practitioner", "name"]
        indexes = [
            # Radius search narrows to a bounding box on this index first.
            models.Index(fields=["latitude", "longitude"], name="location_lat_lng"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"


class Place(models.Model):
    """Gazetteer row: a postcode, an outward code or a town, with its coordinates."""

    class Kind(models.TextChoices):
        POSTCODE = "postcode", "Postcode"
        OUTWARD = "outward", "Outward code"
        TOWN = "town", "Town"

    kind = models.CharField(max_length=10, choices=Kind)
    name = models.CharField(max_length=120)
    # Upper-case, single-spaced: the form search input is normalised to.
    key = models.CharField(max_length=120)
    county = models.CharField(max_length=80, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], name="place_kind_key_unique"
            )
        ]
        indexes = [models.Index(fields=["key"], name="place_key")]

    def __str__(self) -> str:
        return self.name
