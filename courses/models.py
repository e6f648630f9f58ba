from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from core import maps
from core.formatting import format_date_range, format_deadline, format_money
from core.models import TimeStampedModel
from core.validators import validate_single_line
from directory.models import Technique


def staff_may_view(user, model_name: str) -> bool:
    """As the admin decides: staff with the view or change permission on this
    courses model. Being staff alone is not enough (blog editors are staff)."""
    return user.is_staff and (
        user.has_perm(f"courses.view_{model_name}")
        or user.has_perm(f"courses.change_{model_name}")
    )


class CourseQuerySet(models.QuerySet):
    def published(self) -> "CourseQuerySet":
        return self.filter(is_published=True)

    def visible_to(self, user) -> "CourseQuerySet":
        """Staff who may see courses in the admin also see drafts, to check them
        before publishing; other staff (blog editors) see what the public sees."""
        if staff_may_view(user, "course"):
            return self.all()
        return self.published()


class Tutor(models.Model):
    """Someone who teaches our courses, shown on the course pages."""

    name = models.CharField(max_length=120, validators=[validate_single_line])
    role = models.CharField(
        max_length=120,
        blank=True,
        help_text="e.g. “Lead tutor, Brighton”.",
        validators=[validate_single_line],
    )
    bio = models.TextField(
        max_length=800,
        help_text="A short paragraph: experience, specialisms, what they teach.",
    )
    photo = models.ImageField(upload_to="tutors/", blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers are listed first."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Course(TimeStampedModel):
    class Level(models.TextChoices):
        INTRODUCTORY = "introductory", "Introductory"
        DIPLOMA = "diploma", "Diploma"
        ADVANCED = "advanced", "Advanced (for qualified therapists)"

    title = models.CharField(
        max_length=120,
        validators=[validate_single_line],
    )
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(
        max_length=300,
        help_text="One or two sentences shown in lists.",
        validators=[validate_single_line],
    )
    description = models.TextField(
        help_text="Markdown: paragraphs, headings, lists, links, bold and italics."
    )
    techniques = models.ManyToManyField(
        Technique,
        related_name="courses",
        help_text="Graduates get these as verified techniques on their profile.",
    )
    tutors = models.ManyToManyField(Tutor, related_name="courses", blank=True)
    syllabus = models.TextField(
        "what you will learn",
        blank=True,
        help_text="Markdown: the syllabus, e.g. a list of modules.",
    )
    entry_requirements = models.TextField(
        blank=True, help_text="Markdown: who can join, what to have done before."
    )
    included = models.TextField(
        "what is included",
        blank=True,
        help_text="Markdown: materials, couches, oils, manuals, lunch, insurance…",
    )
    assessment = models.TextField(
        blank=True,
        help_text="Markdown: how students are assessed: case studies, practical "
        "and written exams, attendance.",
    )
    level = models.CharField(max_length=20, choices=Level, default=Level.DIPLOMA)
    total_hours = models.PositiveSmallIntegerField(
        help_text="Teaching hours, practice sessions included."
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    deposit = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Paid to confirm a place; the rest is due before the course starts.",
    )
    refund_days_before = models.PositiveSmallIntegerField(
        "refund deadline (days before the start)",
        default=28,
        help_text="Students who cancel at least this many days before the start are "
        "refunded automatically; later, nothing is refunded.",
    )
    deposit_refundable = models.BooleanField(
        "refund the deposit too",
        default=False,
        help_text="Ticked: a cancellation before the deadline refunds everything. "
        "Unticked: the deposit is kept.",
    )
    image = models.ImageField(upload_to="courses/", blank=True)
    # The stored image's size, written with its renditions (core/images.py).
    image_width = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    image_height = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    image_alt = models.CharField(
        "image description",
        max_length=200,
        blank=True,
        help_text="What the picture shows, for people who cannot see it.",
        validators=[validate_single_line],
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Drafts are hidden from the public."
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="course_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(deposit__lte=F("price")),
                name="course_deposit_within_price",
                violation_error_message="The deposit must be between £0 and the price.",
            ),
            models.CheckConstraint(
                condition=Q(total_hours__gt=0), name="course_total_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:detail", kwargs={"slug": self.slug})


class CourseDateQuerySet(models.QuerySet):
    def upcoming(self, today: date | None = None) -> "CourseDateQuerySet":
        """Dates that have not started yet; earliest first."""
        today = today or timezone.localdate()
        return self.filter(starts_on__gt=today).order_by("starts_on", "pk")

    def listed(self, today: date | None = None) -> "CourseDateQuerySet":
        """What the public sees in lists: upcoming, not cancelled, course published."""
        return (
            self.upcoming(today)
            .filter(course__is_published=True)
            .exclude(status=CourseDate.Status.CANCELLED)
        )

    def open_for_enrolment(self, today: date | None = None) -> "CourseDateQuerySet":
        today = today or timezone.localdate()
        return self.listed(today).filter(
            status=CourseDate.Status.OPEN, enrolment_deadline__gte=today
        )


class CourseDate(TimeStampedModel):
    """One cohort of a course: a venue, a run of dates and a number of places."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="dates")
    venue_name = models.CharField(
        max_length=120,
        validators=[validate_single_line],
    )
    venue_address = models.CharField(
        "venue street address",
        max_length=200,
        validators=[validate_single_line],
    )
    venue_town = models.CharField(
        max_length=80,
        db_index=True,
        validators=[validate_single_line],
    )
    venue_postcode = models.CharField(
        max_length=10,
        validators=[validate_single_line],
    )
    venue_latitude = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="Leave empty: it is looked up from the postcode when we know it.",
    )
    venue_longitude = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    venue_directions = models.TextField(
        "how to get there",
        blank=True,
        help_text="Trains, buses, parking, which door: shown on the date's page.",
    )
    joining_instructions = models.TextField(
        blank=True,
        help_text="Markdown: what to bring, where to meet on the first morning, "
        "what to wear. Shown to enrolled students and in their emails.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    schedule = models.CharField(
        max_length=200,
        help_text="e.g. “Six weekends, Saturday and Sunday 9:30–17:00”.",
        validators=[validate_single_line],
    )
    places = models.PositiveSmallIntegerField()
    # Reserved, confirmed and completed enrolments plus open waiting-list offers.
    # Only services change it, under this row's lock; the check constraint below
    # makes overselling impossible even if a code path forgets the lock.
    places_taken = models.PositiveSmallIntegerField(default=0, editable=False)
    enrolment_deadline = models.DateField(
        help_text="The last day students can enrol (inclusive)."
    )
    status = models.CharField(
        max_length=20, choices=Status, default=Status.OPEN, db_index=True
    )
    price_override = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Leave empty to use the course price.",
    )

    objects = CourseDateQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [
            models.Index(fields=["starts_on", "status"], name="coursedate_upcoming"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="coursedate_starts_before_end",
                violation_error_message="The course must end on or after its start.",
            ),
            models.CheckConstraint(
                condition=Q(enrolment_deadline__lte=F("starts_on")),
                name="coursedate_deadline_before_start",
                violation_error_message="The enrolment deadline must be on or "
                "before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(places__gt=0), name="coursedate_places_positive"
            ),
            models.CheckConstraint(
                condition=Q(places_taken__gte=0) & Q(places_taken__lte=F("places")),
                name="coursedate_never_oversold",
            ),
            models.CheckConstraint(
                condition=Q(price_override__isnull=True) | Q(price_override__gte=0),
                name="coursedate_price_override_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(venue_latitude__isnull=True, venue_longitude__isnull=True)
                | Q(
                    venue_latitude__isnull=False,
                    venue_longitude__isnull=False,
                    venue_latitude__gte=-90,
                    venue_latitude__lte=90,
                    venue_longitude__gte=-180,
                    venue_longitude__lte=180,
                ),
                name="coursedate_venue_coordinates_valid",
                violation_error_message="Give both coordinates of the venue, or "
                "neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title}, {self.venue_town} {self.dates_display}"

    def get_absolute_url(self) -> str:
        return reverse("courses:date", kwargs={"slug": self.course.slug, "pk": self.pk})

    def clean(self) -> None:
        if self.places is not None and self.places < self.places_taken:
            raise ValidationError(
                {
                    "places": f"{self.places_taken} places are already taken: "
                    "cancel enrolments before reducing the places below that."
                }
            )

    @property
    def places_left(self) -> int:
        return max(self.places - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0

    @property
    def price(self) -> Decimal:
        if self.price_override is not None:
            return self.price_override
        return self.course.price

    @property
    def deposit(self) -> Decimal:
        return min(self.course.deposit, self.price)

    @property
    def dates_display(self) -> str:
        return format_date_range(self.starts_on, self.ends_on)

    @property
    def map_url(self) -> str:
        """The venue on OpenStreetMap (`core/maps.py`); without coordinates, the
        map's search for its address."""
        if self.venue_latitude is None or self.venue_longitude is None:
            return maps.search_url(f"{self.venue_address}, {self.venue_postcode}")
        return maps.map_url(self.venue_latitude, self.venue_longitude)

    @property
    def directions_url(self) -> str:
        """OpenStreetMap's route planner with the venue as the destination.
        Without coordinates, the map search."""
        if self.venue_latitude is None or self.venue_longitude is None:
            return self.map_url
        return maps.directions_url(self.venue_latitude, self.venue_longitude)

    @property
    def venue_display(self) -> str:
        return f"{self.venue_name}, {self.venue_address}, {self.venue_town} " + (
            self.venue_postcode
        )

    @property
    def starts_at(self) -> datetime:
        """The first moment of the first day in the site's zone. Reservations and
        waiting-list offers are never held past it."""
        return datetime.combine(
            self.starts_on, time.min, tzinfo=timezone.get_default_timezone()
        )

    def has_started(self, today: date | None = None) -> bool:
        return self.starts_on <= (today or timezone.localdate())

    def is_open_for_enrolment(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.course.is_published
            and self.status == self.Status.OPEN
            and not self.has_started(today)
            and self.enrolment_deadline >= today
        )


class EnrolmentQuerySet(models.QuerySet):
    def for_student(self, user) -> "EnrolmentQuerySet":
        return self.filter(student=user)

    def holding_place(self) -> "EnrolmentQuerySet":
        return self.filter(status__in=Enrolment.PLACE_HOLDING)


class Enrolment(TimeStampedModel):
    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved – deposit due"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    class Experience(models.TextChoices):
        NONE = "none", "None yet"
        SOME = "some", "Some informal experience"
        QUALIFIED = "qualified", "I already hold a massage qualification"

    class HeardAbout(models.TextChoices):
        SEARCH = "search", "A web search"
        FRIEND = "friend", "A friend or colleague"
        PRACTITIONER = "practitioner", "A practitioner in your network"
        SOCIAL = "social", "Social media"
        OTHER = "other", "Somewhere else"

    class CancelReason(models.TextChoices):
        STUDENT = "student", "Cancelled by the student"
        STAFF = "staff", "Cancelled by staff"
        EXPIRED = "expired", "Deposit not paid in time"
        DATE_CANCELLED = "date_cancelled", "Course date cancelled"

    PLACE_HOLDING = [Status.RESERVED, Status.CONFIRMED, Status.COMPLETED]

    course_date = models.ForeignKey(
        CourseDate, on_delete=models.PROTECT, related_name="enrolments"
    )
    # PROTECT: deleting a student must not silently free places they hold.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        max_length=20, choices=Status, default=Status.RESERVED, db_index=True
    )
    full_name = models.CharField(
        max_length=150,
        validators=[validate_single_line],
    )
    phone = models.CharField(
        max_length=30,
        validators=[validate_single_line],
    )
    experience = models.CharField(
        "massage experience", max_length=20, choices=Experience
    )
    motivation = models.TextField("why you want to take this course", max_length=1000)
    heard_about = models.CharField(
        "how you heard about us", max_length=20, choices=HeardAbout, blank=True
    )
    access_needs = models.TextField(
        "access or learning needs", max_length=1000, blank=True
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    deposit = models.DecimalField(max_digits=8, decimal_places=2)
    reserved_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An unpaid reservation is cancelled after this.",
    )
    deposit_paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_single_line],
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason, blank=True)
    reminder_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    staff_notes = models.TextField(blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "reserved_until"], name="enrolment_expiry"),
            models.Index(fields=["student", "-created_at"], name="enrolment_student"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course_date", "student"],
                condition=Q(status__in=["reserved", "confirmed", "completed"]),
                name="enrolment_one_active_per_student",
                violation_error_message="This student is already enrolled on "
                "this course date.",
            ),
            models.CheckConstraint(
                condition=~Q(status="reserved") | Q(reserved_until__isnull=False),
                name="enrolment_reservation_has_expiry",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "completed"])
                | Q(deposit_paid_at__isnull=False),
                name="enrolment_confirmed_has_deposit",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0) & Q(deposit__gte=0),
                name="enrolment_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.full_name}"

    def get_absolute_url(self) -> str:
        return reverse("courses:enrolment", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        """Quoted on bank transfers and in emails."""
        return f"ENR-{self.pk:05d}" if self.pk else "ENR-new"

    @property
    def balance(self) -> Decimal:
        return self.price - self.deposit

    @property
    def holds_place(self) -> bool:
        return self.status in self.PLACE_HOLDING

    @property
    def can_be_cancelled_by_student(self) -> bool:
        active = self.status in {self.Status.RESERVED, self.Status.CONFIRMED}
        return active and not self.course_date.has_started()

    @property
    def deposit_instructions(self) -> str:
        """How to pay the deposit: shown after enrolling and sent by email."""
        values = {
            "deposit": format_money(self.deposit),
            "reference": self.reference,
            "deadline": format_deadline(self.reserved_until)
            if self.reserved_until
            else "",
            "phone": settings.CONTACT_PHONE,
            "email": settings.CONTACT_EMAIL,
        }
        text = settings.COURSES_DEPOSIT_INSTRUCTIONS
        try:
            # An unknown {placeholder} in the setting becomes empty, not an error.
            return text.format_map(defaultdict(str, values))
        except (ValueError, IndexError):  # stray braces: show the text as written
            return text


class WaitingListEntryQuerySet(models.QuerySet):
    def for_student(self, user) -> "WaitingListEntryQuerySet":
        return self.filter(student=user)

    def active(self) -> "WaitingListEntryQuerySet":
        return self.filter(status__in=WaitingListEntry.ACTIVE)

    def in_line(self) -> "WaitingListEntryQuerySet":
        """Waiting (not yet offered) entries, first in line first."""
        return self.filter(status=WaitingListEntry.Status.WAITING).order_by(
            "position", "pk"
        )

    def with_place_in_line(self) -> "WaitingListEntryQuerySet":
        """Annotate `ahead`: how many people are in line before this entry."""
        ahead = (
            WaitingListEntry.objects.filter(
                course_date=OuterRef("course_date"),
                status=WaitingListEntry.Status.WAITING,
            )
            .filter(
                Q(position__lt=OuterRef("position"))
                | Q(position=OuterRef("position"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("course_date")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(ahead=Coalesce(Subquery(ahead), 0))


class WaitingListEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a place"
        ENROLLED = "enrolled", "Took the place"
        EXPIRED = "expired", "Offer expired"
        LEFT = "left", "Left the list"
        CLOSED = "closed", "Course date cancelled"

    ACTIVE = [Status.WAITING, Status.OFFERED]

    course_date = models.ForeignKey(
        CourseDate, on_delete=models.PROTECT, related_name="waiting_list"
    )
    # PROTECT: an entry with an open offer holds a place.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="waiting_list_entries",
    )
    position = models.PositiveIntegerField(
        help_text="Lower numbers are offered a place first."
    )
    status = models.CharField(
        max_length=20, choices=Status, default=Status.WAITING, db_index=True
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    staff_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WaitingListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "waiting-list entry"
        verbose_name_plural = "waiting-list entries"
        ordering = ["course_date", "position", "pk"]
        indexes = [
            models.Index(
                fields=["status", "offer_expires_at"], name="waitinglist_offers"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course_date", "student"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitinglist_one_active_per_student",
                violation_error_message="This student is already on the waiting "
                "list for this course date.",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="waitinglist_offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} waiting for {self.course_date}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def offer_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.OFFERED
            and self.offer_expires_at is not None
            and self.offer_expires_at > now
        )


class CourseQuestion(models.Model):
    """A question people ask about a course, answered on its page."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=200, validators=[validate_single_line])
    answer = models.TextField(help_text="Markdown: paragraphs, lists, links.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "frequently asked question"

    def __str__(self) -> str:
        return self.question


class TeachingDay(models.Model):
    """One day of a course date's timetable, with its hours (UK time)."""

    course_date = models.ForeignKey(
        CourseDate, on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField()
    starts_at = models.TimeField("starts (UK time)")
    ends_at = models.TimeField("ends (UK time)")
    note = models.CharField(
        max_length=120,
        blank=True,
        help_text="e.g. “Practical assessment”.",
        validators=[validate_single_line],
    )

    class Meta:
        ordering = ["day", "starts_at"]
        verbose_name = "teaching day"
        constraints = [
            models.UniqueConstraint(
                fields=["course_date", "day"],
                name="teachingday_one_per_date",
                violation_error_message="This day is already in the timetable.",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="teachingday_starts_before_end",
                violation_error_message="A teaching day must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%a %-d %b %Y} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        course_date = getattr(self, "course_date", None)
        if course_date is None or self.day is None:
            return
        if not (course_date.starts_on <= self.day <= course_date.ends_on):
            raise ValidationError(
                {
                    "day": "A teaching day must fall between the course date's "
                    f"first day ({course_date.starts_on:%-d %B %Y}) and last "
                    f"({course_date.ends_on:%-d %B %Y})."
                }
            )

    @property
    def hours(self) -> float:
        start = datetime.combine(self.day, self.starts_at)
        return (datetime.combine(self.day, self.ends_at) - start).seconds / 3600

    @property
    def starts(self) -> datetime:
        """The start as an aware moment in the site's zone (clock changes included)."""
        return datetime.combine(
            self.day, self.starts_at, tzinfo=timezone.get_default_timezone()
        )

    @property
    def ends(self) -> datetime:
        return datetime.combine(
            self.day, self.ends_at, tzinfo=timezone.get_default_timezone()
        )


class Attendance(models.Model):
    """Whether a student was there on a teaching day, as staff recorded it."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance"
    )
    teaching_day = models.ForeignKey(
        TeachingDay, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "teaching_day"],
                name="attendance_one_per_student_and_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.reference} {self.teaching_day}: " + (
            "present" if self.present else "absent"
        )


class CertificateQuerySet(models.QuerySet):
    def valid(self) -> "CertificateQuerySet":
        return self.filter(revoked_at__isnull=True)

    def for_student(self, user) -> "CertificateQuerySet":
        return self.filter(enrolment__student=user)


class Certificate(TimeStampedModel):
    """Issued when an enrolment is completed; anyone can check it by its number at
    /verify/. What it says is copied at issue, as printed: a later change to the
    course or the student's name does not rewrite a certificate."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(max_length=20, unique=True)
    full_name = models.CharField("name on the certificate", max_length=150)
    course_title = models.CharField(max_length=120)
    venue_town = models.CharField(max_length=80)
    starts_on = models.DateField()
    ends_on = models.DateField()
    hours = models.PositiveSmallIntegerField("teaching hours")
    techniques = models.ManyToManyField(
        Technique, related_name="certificates", blank=True
    )
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(
        blank=True, help_text="Told to the graduate; never shown to the public."
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The graduate's choice: their profile's verified techniques link here.
    linked_from_profile = models.BooleanField(default=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificate_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="certificate_starts_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}"

    def get_absolute_url(self) -> str:
        """The public verification page (the QR code's address)."""
        return reverse("courses:verify-number", kwargs={"number": self.number})

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def dates_display(self) -> str:
        return format_date_range(self.starts_on, self.ends_on)
