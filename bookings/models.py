import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.contrib.postgres.fields.ranges import RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone

from core.models import TimeStampedModel
from core.validators import validate_single_line
from directory.models import Location, Practitioner, Technique

# What a booking keeps of a client who deleted their account (bookings.privacy).
# Placeholders that still pass the booking form's checks: `.invalid` never
# receives mail, and the number has the digits a phone number needs.
ERASED_CLIENT_NAME = "Deleted client"
ERASED_CLIENT_EMAIL = "deleted-client@deleted.invalid"
ERASED_CLIENT_PHONE = "00000 000000"


def new_token() -> str:
    """An unguessable URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(32)


class ServiceQuerySet(models.QuerySet):
    def bookable(self) -> "ServiceQuerySet":
        """Active services of listed practitioners: what clients can book online,
        with the practitioner and their booking policy joined."""
        return self.select_related("practitioner__booking_policy").filter(
            is_active=True, practitioner__in=Practitioner.objects.listed()
        )


class Service(models.Model):
    """Something a practitioner offers: a technique, for a time, at a price."""

    class PaymentMode(models.TextChoices):
        AT_APPOINTMENT = "at_appointment", "Pay at the appointment"
        DEPOSIT = "deposit", "Deposit online when booking"
        FULL = "full", "Pay in full online when booking"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(
        max_length=120,
        validators=[validate_single_line],
    )
    technique = models.ForeignKey(
        Technique, on_delete=models.PROTECT, related_name="services"
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)",
        validators=[MinValueValidator(15), MaxValueValidator(480)],
    )
    price = models.DecimalField(
        "price (£)", max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    description = models.TextField(blank=True, max_length=1000)
    payment_mode = models.CharField(
        "payment",
        max_length=20,
        choices=PaymentMode,
        default=PaymentMode.AT_APPOINTMENT,
    )
    deposit = models.DecimalField(
        "deposit (£)",
        max_digits=7,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Paid online when booking with a deposit. With either online "
        "payment, what you keep when a client cancels after your cancellation "
        "cut-off (the rest is refunded).",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Only active services can be booked."
    )
    locations = models.ManyToManyField(
        Location,
        related_name="services",
        blank=True,
        help_text="Leave all unticked to offer it wherever you work.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["practitioner", "name", "duration_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="service_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(deposit__lte=F("price")),
                name="service_deposit_within_price",
                violation_error_message="The deposit must be between £0 and the price.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class BookingPolicy(models.Model):
    """How a practitioner wants to be booked. Missing row: the defaults below."""

    INTERVAL_CHOICES = [(m, f"every {m} minutes") for m in (5, 10, 15, 20, 30, 45, 60)]

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, related_name="booking_policy"
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        "buffer before each appointment (minutes)",
        default=0,
        validators=[MaxValueValidator(240)],
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        "buffer after each appointment (minutes)",
        default=15,
        validators=[MaxValueValidator(240)],
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        "start times", choices=INTERVAL_CHOICES, default=15
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        "minimum notice (hours)",
        default=12,
        validators=[MaxValueValidator(720)],
        help_text="How long before an appointment it can still be booked.",
    )
    max_advance_days = models.PositiveSmallIntegerField(
        "booking window (days)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How far ahead clients can book.",
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        "cancellation cut-off (hours)",
        default=24,
        validators=[MaxValueValidator(720)],
        help_text="Clients can cancel or move online until this many hours before.",
    )
    new_clients_need_approval = models.BooleanField(
        "new clients need my approval",
        default=False,
        help_text="A booking from a guest, or from a signed-in client who has not "
        "been to you before, waits for you to approve it.",
    )

    class Meta:
        verbose_name_plural = "booking policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_interval_minutes__gt=0),
                name="policy_interval_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_advance_days__gt=0), name="policy_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Booking policy of {self.practitioner}"

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(models.Model):
    """One range of wall-clock working time on a weekday, in the practitioner's zone."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    start_time = models.TimeField("from")
    end_time = models.TimeField("until")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="weekly_hours",
        null=True,
        blank=True,
        help_text="Leave empty if it does not matter.",
    )

    class Meta:
        verbose_name_plural = "weekly hours"
        ordering = ["practitioner", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")),
                name="weekly_hours_start_before_end",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="weekly_hours_weekday_valid",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {self.start_time:%H:%M}"
            f"–{self.end_time:%H:%M}"
        )


class DateOverride(models.Model):
    """Hours for one date that replace that weekday's usual hours."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="date_overrides"
    )
    date = models.DateField()
    start_time = models.TimeField("from")
    end_time = models.TimeField("until")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="date_overrides",
        null=True,
        blank=True,
        help_text="Leave empty if it does not matter.",
    )

    class Meta:
        ordering = ["practitioner", "date", "start_time"]
        indexes = [
            models.Index(fields=["practitioner", "date"], name="override_by_date")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")),
                name="override_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A stretch of time the practitioner does not work (holiday, training)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(
        max_length=120,
        blank=True,
        help_text="Private: only you see it.",
        validators=[validate_single_line],
    )

    class Meta:
        verbose_name_plural = "time off"
        ordering = ["practitioner", "starts_at"]
        indexes = [
            models.Index(fields=["practitioner", "ends_at"], name="time_off_by_end")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="time_off_starts_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"Time off {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


# Statuses that hold the practitioner's time: the exclusion constraint covers them.
# A booking awaiting payment holds its time for a short while (hold_expires_at).
ACTIVE_STATUSES = ["awaiting_payment", "pending", "confirmed", "completed", "no_show"]


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class BookingQuerySet(models.QuerySet):
    def active(self) -> "BookingQuerySet":
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def for_client(self, user) -> "BookingQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(client=user)

    def for_practitioner(self, practitioner: Practitioner) -> "BookingQuerySet":
        return self.filter(practitioner=practitioner)

    def same_client_as(self, booking: "Booking") -> "BookingQuerySet":
        """The bookings of the person who made this one, other than it.

        The account when there is one, else the email address the guest gave;
        a client whose data was erased is nobody's regular.
        """
        if booking.client_id is not None:
            found = self.filter(client_id=booking.client_id)
        elif booking.client_email and booking.client_email != ERASED_CLIENT_EMAIL:
            found = self.filter(client__isnull=True).filter(
                client_email__iexact=booking.client_email
            )
        else:
            return self.none()
        return found.exclude(pk=booking.pk)

    def overlapping(self, start: datetime, end: datetime) -> "BookingQuerySet":
        """Bookings whose buffered time meets [start, end)."""
        return self.filter(blocked_starts_at__lt=end, blocked_ends_at__gt=start)


class Booking(TimeStampedModel):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Held while the client pays"
        PENDING = "pending", "Pending practitioner review"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        UNPAID = "unpaid", "Not paid in time"

    class CancelledBy(models.TextChoices):
        CLIENT = "client", "Client"
        PRACTITIONER = "practitioner", "Practitioner"
        STAFF = "staff", "Holistic Touch staff"

    ACTIVE_STATUSES = ACTIVE_STATUSES
    # The client can still cancel or move these (inside the policy).
    CHANGEABLE_STATUSES = [Status.PENDING, Status.CONFIRMED]

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="bookings"
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings"
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        related_name="bookings",
        null=True,
        blank=True,
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="bookings",
        null=True,
        blank=True,
    )
    client_name = models.CharField(
        max_length=150,
        validators=[validate_single_line],
    )
    client_email = models.EmailField()
    client_phone = models.CharField(
        max_length=30,
        validators=[validate_single_line],
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The appointment plus the practitioner's buffers at the time it was booked.
    blocked_starts_at = models.DateTimeField()
    blocked_ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=Status, default=Status.CONFIRMED, db_index=True
    )
    status_reason = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=20, choices=CancelledBy, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE of the client's calendar entry (UID booking-<pk>): raised
    # each time it is moved or cancelled, so calendar apps replace the old version.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    # Guests manage their booking through a link holding this secret.
    manage_token = models.CharField(max_length=64, unique=True, default=new_token)
    # The link expires BOOKING_MANAGE_LINK_DAYS after the later of the
    # appointment's end and this time (a new link asked for by email).
    manage_token_issued_at = models.DateTimeField(default=timezone.now)
    practitioner_note = models.TextField(
        "private note",
        blank=True,
        max_length=4000,
        help_text="Only you see this note.",
    )
    # Paying online (the service's payment mode when it was booked).
    online_amount_pence = models.PositiveIntegerField(
        default=0, help_text="What the client pays online to book; 0: at the visit."
    )
    deposit_pence = models.PositiveIntegerField(
        default=0, help_text="Kept when the client cancels after the cut-off."
    )
    hold_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="An unpaid hold is released after this."
    )
    # Decided when booked: once paid, it waits for the practitioner's review.
    needs_review = models.BooleanField(default=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["practitioner", "blocked_starts_at"],
                name="booking_practitioner_start",
            ),
            models.Index(fields=["client", "starts_at"], name="booking_client_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="booking_starts_before_end",
            ),
            models.CheckConstraint(
                condition=Q(blocked_starts_at__lte=F("starts_at"))
                & Q(blocked_ends_at__gte=F("ends_at")),
                name="booking_buffers_surround_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting_payment")
                | Q(hold_expires_at__isnull=False),
                name="booking_payment_hold_has_expiry",
            ),
            models.CheckConstraint(
                condition=Q(deposit_pence__lte=F("online_amount_pence")),
                name="booking_deposit_within_online_amount",
            ),
            # The last line against double booking: no two active bookings of one
            # practitioner overlap, buffers included ('[)': back to back is fine).
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    (
                        TsTzRange(
                            "blocked_starts_at", "blocked_ends_at", RangeBoundary()
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        # The practitioner's wall-clock time, as every page shows it.
        when = self.local_starts_at
        return (
            f"{self.service.name} with {self.practitioner}, "
            f"{when:%a} {when.day} {when:%b %Y} {when:%H:%M}"
        )

    def get_absolute_url(self) -> str:
        return reverse("bookings:appointment", kwargs={"pk": self.pk})

    def get_manage_url(self) -> str:
        return reverse("bookings:manage", kwargs={"token": self.manage_token})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_upcoming(self) -> bool:
        return self.starts_at > timezone.now()

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.practitioner.zone)


class HealthIntake(models.Model):
    """Answers to the pre-treatment health questions: special-category data.

    Only the client and the booked practitioner ever see these. They are kept
    out of URLs, logs, emails and the admin.
    """

    # (field, question). A "yes" to any of them is a possible contraindication.
    QUESTIONS = [
        (
            "unwell",
            "Do you have a fever, an infection, a cold or flu, or feel unwell today?",
        ),
        ("pregnant", "Are you pregnant, or could you be?"),
        (
            "recent_surgery_or_injury",
            "Have you had surgery, a fracture or an injury in the last three months?",
        ),
        (
            "blood_clots",
            "Have you had a blood clot or deep vein thrombosis, or do you take "
            "blood-thinning medication?",
        ),
        (
            "heart_or_blood_pressure",
            "Do you have a heart condition, or high or low blood pressure?",
        ),
        (
            "cancer_treatment",
            "Are you having treatment for cancer, or have you had it in the last year?",
        ),
        (
            "skin_condition",
            "Do you have a skin infection, rash, open wound, burn or recent bruising?",
        ),
        (
            "chronic_condition",
            "Do you have diabetes, epilepsy, osteoporosis or varicose veins?",
        ),
        (
            "numbness_or_medication",
            "Do you have numbness, or take medication that affects sensation or "
            "pain (for example strong painkillers)?",
        ),
    ]

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="intake"
    )
    unwell = models.BooleanField(default=False)
    pregnant = models.BooleanField(default=False)
    recent_surgery_or_injury = models.BooleanField(default=False)
    blood_clots = models.BooleanField(default=False)
    heart_or_blood_pressure = models.BooleanField(default=False)
    cancer_treatment = models.BooleanField(default=False)
    skin_condition = models.BooleanField(default=False)
    chronic_condition = models.BooleanField(default=False)
    numbness_or_medication = models.BooleanField(default=False)
    details = models.TextField(blank=True, max_length=2000)
    consent_given_at = models.DateTimeField()

    def __str__(self) -> str:
        # Never the answers: this string can end up in logs.
        return f"Health intake for booking {self.booking_id}"

    @property
    def flagged(self) -> bool:
        return any(getattr(self, field) for field, _ in self.QUESTIONS)

    @property
    def answers(self) -> list[tuple[str, bool]]:
        return [(question, getattr(self, field)) for field, question in self.QUESTIONS]

    @property
    def yes_answers(self) -> list[str]:
        """The questions answered "Yes": what the practitioner must check first."""
        return [question for question, answer in self.answers if answer]

    @property
    def no_answers(self) -> list[str]:
        return [question for question, answer in self.answers if not answer]


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar feed, addressed by a revocable secret."""

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.practitioner}"

    def get_absolute_url(self) -> str:
        return reverse("bookings:calendar-feed", kwargs={"token": self.token})


class ExternalCalendar(TimeStampedModel):
    """A practitioner's other calendar (Google, Outlook, Apple, any CalDAV server's
    export), read through its private iCalendar address: its busy times block their
    slots. Fetched by a periodic job (bookings/external_calendars.py)."""

    class State(models.TextChoices):
        NEW = "new", "Not read yet"
        OK = "ok", "Up to date"
        FAILING = "failing", "Cannot be read"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="external_calendars"
    )
    name = models.CharField(
        max_length=80,
        help_text="For you, e.g. “Clinic diary” or “Gym classes”.",
        validators=[validate_single_line],
    )
    # A secret: whoever has it reads the calendar. Never logged, never shown whole
    # on a page after it is added.
    url = models.URLField("address", max_length=2000, validators=[validate_single_line])
    state = models.CharField(max_length=10, choices=State, default=State.NEW)
    # Conditional requests: the validators of the last good answer.
    etag = models.CharField(max_length=255, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    # The busy times stored reach this far; a shorter reach is fetched anew.
    covered_until = models.DateTimeField(null=True, blank=True)
    busy_count = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Consecutive failures, why the last one failed (a sentence for the
    # practitioner), since when, and whether they were emailed about this run.
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "url"],
                name="external_calendar_unique_address",
                violation_error_message="You have already added this calendar.",
            ),
        ]

    def __str__(self) -> str:
        # Never the address: this string can end up in logs.
        return f"Calendar {self.pk} of practitioner {self.practitioner_id}"

    @property
    def host(self) -> str:
        """Where the calendar lives, for pages: the address itself is a secret."""
        return self.url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]


class BusyTime(models.Model):
    """A stretch of time an external calendar says the practitioner is busy. Only
    the times are kept: never the events' titles, places or guests."""

    calendar = models.ForeignKey(
        ExternalCalendar, on_delete=models.CASCADE, related_name="busy_times"
    )
    # Repeated from the calendar so the slot engine reads them with the bookings.
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="busy_times"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["practitioner", "starts_at"], name="busy_time_by_start"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="busy_time_starts_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"Busy {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class WaitlistRequestQuerySet(models.QuerySet):
    def active(self, today: date) -> "WaitlistRequestQuerySet":
        """Requests still waiting: not stopped, and their range not over."""
        return self.filter(ended_at__isnull=True, last_day__gte=today)


class WaitlistRequest(models.Model):
    """Someone asking to be told when a time opens with a practitioner for a
    service between two dates (the practitioner's local dates)."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="waitlist_requests"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="waitlist_requests"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="waitlist_requests",
        null=True,
        blank=True,
    )
    name = models.CharField(max_length=150, validators=[validate_single_line])
    email = models.EmailField()
    first_day = models.DateField()
    last_day = models.DateField()
    # The unsubscribe link holds this secret.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    notified_count = models.PositiveIntegerField(default=0)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = WaitlistRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["practitioner", "last_day"], name="waitlist_by_practitioner"
            ),
            models.Index(fields=["email"], name="waitlist_by_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="waitlist_first_day_not_after_last",
            ),
        ]

    def __str__(self) -> str:
        # Never the address: this string can end up in logs.
        return f"Waiting-list request {self.pk} for service {self.service_id}"
