import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cos, Lower, Radians, Sin
from django.urls import reverse
from django.utils import timezone

from core import pagecache
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
        REFUSED = "refused", "Application refused"

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
    # The stored master's size, written with its renditions (core/images.py):
    # pages build srcset from it without opening the file.
    photo_width = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    photo_height = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
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
    # Set by bookings while the practitioner has active services: the two prices
    # above are then their lowest and highest, never typed by hand.
    prices_from_services = models.BooleanField(default=False, editable=False)
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
    # Kept up to date by the bookings app with its slot engine: the first time a
    # client could book online, and when that answer must be worked out again
    # (the moment the time stops being bookable, or a change to the calendar).
    # Pages show it only while next_free_stale_at is in the future.
    next_free_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_free_stale_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept up to date by the reviews app: its published reviews, counted and averaged
    # (to two places), so search shows ratings without another query.
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
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
            # The alphabetical list pages in this order without sorting everyone.
            models.Index(fields=["display_name", "id"], name="practitioner_by_name"),
            # "Free in the next 3 days" and the refresh of stale answers.
            models.Index(fields=["next_free_at"], name="practitioner_next_free"),
            models.Index(
                fields=["next_free_stale_at"], name="practitioner_next_free_stale"
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

    def next_free(self, now: datetime | None = None) -> datetime | None:
        """The first time clients can book online, while that answer holds."""
        now = now or timezone.now()
        # A cached page showing this answer must not outlive it.
        pagecache.valid_until(self.next_free_stale_at)
        pagecache.valid_until(self.next_free_at)
        if (
            self.next_free_at is None
            or self.next_free_stale_at is None
            or self.next_free_stale_at <= now
            or self.next_free_at <= now
        ):
            return None
        return self.next_free_at


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


def unit_sphere_point(latitude: str = "latitude", longitude: str = "longitude"):
    """A place as the point (x, y, z) on the unit sphere, a `cube` of PostgreSQL's
    cube extension: the straight-line distance between two such points grows with
    the great-circle distance, so the GiST index `location_sphere` on it returns
    locations nearest first (KNN, `<->`) and answers a box around a circle (`<@`).
    directory/search.py writes the same expression in its SQL."""
    lat, lng = Radians(latitude), Radians(longitude)
    return models.Func(
        models.Func(
            Cos(lat) * Cos(lng),
            Cos(lat) * Sin(lng),
            Sin(lat),
            function="ARRAY",
            template="%(function)s[%(expressions)s]",
        ),
        function="cube",
    )


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
    # Copies of the practitioner's listing and techniques, so the radius search
    # tests a place of work without reading its practitioner's row
    # (search.NearestFirst). Written by the database's triggers only
    # (migration 0014): whatever the code writes here is replaced, on every
    # insert and update of a location and on every change to the practitioner's
    # status, insurance or techniques.
    listed_until = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The practitioner's insurance expiry while approved, else empty: "
        "listed on a day no later than this.",
    )
    technique_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, editable=False
    )

    class Meta:
        ordering = ["practitioner", "name"]
        indexes = [
            # The town page's sample of practitioners narrows to a bounding box on
            # this index first.
            models.Index(fields=["latitude", "longitude"], name="location_lat_lng"),
            # Radius search: the circle's box and nearest-first order (search.py).
            GistIndex(unit_sphere_point(), name="location_sphere"),
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
    """Gazetteer row: a named place, a postcode area, an outward code or a postcode,
    with its coordinates (directory/gazetteer/ loads them)."""

    class Kind(models.TextChoices):
        POSTCODE = "postcode", "Postcode"
        OUTWARD = "outward", "Outward code"
        AREA = "area", "Postcode area"
        TOWN = "town", "Place name"  # a city, town, village, suburb or island

    class Nation(models.TextChoices):
        ENGLAND = "England", "England"
        SCOTLAND = "Scotland", "Scotland"
        WALES = "Wales", "Wales"
        NORTHERN_IRELAND = "Northern Ireland", "Northern Ireland"

    kind = models.CharField(max_length=10, choices=Kind)
    name = models.CharField(max_length=120)
    # The name as people type it, folded by directory.names.place_key (codes:
    # upper-case, single-spaced). Several places may share a key (Newport).
    key = models.CharField(max_length=120)
    # Other names of the place (Caerdydd, Inbhir Nis), folded the same way.
    alt_keys = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    # Where the row comes from and its id there (geonames:2641170, the postcode
    # itself for codes): loading a file again updates its rows in place.
    ref = models.CharField(max_length=80)
    county = models.CharField(max_length=80, blank=True)
    nation = models.CharField(max_length=20, choices=Nation, blank=True)
    population = models.PositiveIntegerField(default=0)
    # How the place is told apart from others of its name: its county, island,
    # "near <a bigger town>" or nation (computed after each load).
    label = models.CharField(max_length=120, blank=True)
    # Town pages: /massage/<slug>/ (places only; unique among them).
    slug = models.SlugField(max_length=140, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "ref"], name="place_kind_ref_unique"
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(kind="town") & ~Q(slug=""),
                name="place_town_slug_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["key"], name="place_key"),
            GinIndex(fields=["alt_keys"], name="place_alt_keys"),
            # Suggestions for typos (the % operator) read this; postcodes are left
            # out, which keeps it small and the loading of postcode files fast. It
            # indexes lower(key), not key: pg_trgm's GIN index also answers `=`,
            # and the planner would then take it for the exact lookups of `key`,
            # a slow plan (a recheck of every row sharing a trigram) for them.
            GinIndex(
                OpClass(Lower("key"), name="gin_trgm_ops"),
                condition=~Q(kind="postcode"),
                name="place_key_trgm",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:town", kwargs={"slug": self.slug})

    @property
    def described(self) -> str:
        """The name with what tells it apart: "Newport, Isle of Wight"."""
        return f"{self.name}, {self.label}" if self.label else self.name


def private_storage():
    """The storage of private files, looked up on each use so that a change of
    STORAGES (a test, the S3 bucket) takes effect."""
    from django.core.files.storage import storages

    return storages["private"]


class ApplicationDocument(models.Model):
    """A file sent with an application (insurance certificate, qualification
    evidence), kept in the private storage under a random name. Only staff read
    it, through directory:application-document; it never has a public URL."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", "Insurance certificate"
        QUALIFICATION = "qualification", "Qualification evidence"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    # The name in the private storage: random, so it reveals and guesses nothing.
    stored_name = models.CharField(
        max_length=200, unique=True, editable=False, validators=[validate_single_line]
    )
    # The applicant's own file name, shown to staff and used when downloading.
    original_name = models.CharField(max_length=200, validators=[validate_single_line])
    content_type = models.CharField(max_length=50, validators=[validate_single_line])
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0), name="applicationdocument_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
