"""Demo bookings: every practitioner gets services, hours, a policy and appointments;
the demo client waits for an earlier time with the demo practitioner.

Runs after the directory's demo. A practitioner who already has a service is left
exactly as they are, so running it again changes nothing. No other calendar is
connected: that would fetch an address from the network.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from directory.models import Practitioner, Technique
from users.models import User

from . import next_free, services
from .availability import load_rules, local_today
from .models import (
    Booking,
    BookingPolicy,
    DateOverride,
    HealthIntake,
    Service,
    TimeOff,
    WaitlistRequest,
)
from .slots import find_slots

DEMO_PRACTITIONER_EMAIL = "practitioner@demo.example"
DEMO_CLIENT_EMAIL = "client@demo.example"

GUESTS = [
    ("Priya Shah", "priya.shah@example.com", "07700 900101"),
    ("Tom Hughes", "tom.hughes@example.com", "07700 900102"),
    ("Aisha Okafor", "aisha.okafor@example.com", "07700 900103"),
    ("Ben Carter", "ben.carter@example.com", "07700 900104"),
    ("Chloe Martin", "chloe.martin@example.com", "07700 900105"),
    ("Dev Patel", "dev.patel@example.com", "07700 900106"),
    ("Ella Brooks", "ella.brooks@example.com", "07700 900107"),
    ("Finn O'Neill", "finn.oneill@example.com", "07700 900108"),
    ("Grace Lee", "grace.lee@example.com", "07700 900109"),
    ("Harry Evans", "harry.evans@example.com", "07700 900110"),
]

# Weekly patterns (weekday -> ranges). Several have split shifts.
PATTERNS = [
    {
        **{d: [(time(9), time(13)), (time(14), time(18))] for d in range(5)},
        5: [(time(10), time(14))],
    },
    {d: [(time(10), time(18))] for d in range(1, 6)},
    {
        0: [(time(12), time(20))],
        1: [(time(9), time(15))],
        2: [(time(12), time(20))],
        3: [(time(9), time(15))],
        4: [(time(12), time(20))],
    },
]


def seed(stdout) -> None:
    client = User.objects.filter(email__iexact=DEMO_CLIENT_EMAIL).first()
    seeded = skipped = 0
    for practitioner in Practitioner.objects.order_by("pk").select_related("user"):
        if Service.objects.filter(practitioner=practitioner).exists():
            skipped += 1
            continue
        rich = practitioner.user.email.lower() == DEMO_PRACTITIONER_EMAIL
        seed_practitioner(practitioner, client=client if seeded < 3 or rich else None)
        if rich:
            seed_rich_agenda(practitioner)
            if client is not None:
                seed_waiting_list(practitioner, client)
        seeded += 1
    # The next free time on every card, as the beat job would keep it.
    next_free.refresh_all()
    stdout.write(
        f"  bookings: services, hours and appointments for {seeded} practitioners "
        f"({skipped} already had them)"
    )


@transaction.atomic
def seed_practitioner(practitioner: Practitioner, *, client: User | None) -> None:
    rng = random.Random(practitioner.slug)
    rich = practitioner.user.email.lower() == DEMO_PRACTITIONER_EMAIL
    BookingPolicy.objects.get_or_create(
        practitioner=practitioner,
        defaults={
            "buffer_after_minutes": rng.choice([10, 15, 15, 30]),
            "slot_interval_minutes": rng.choice([15, 30, 30]),
            "min_notice_hours": rng.choice([2, 12, 24]),
            "max_advance_days": 60,
            "cancellation_cutoff_hours": 24,
        },
    )
    location = practitioner.locations.order_by("pk").first()
    pattern = PATTERNS[0] if rich else rng.choice(PATTERNS)
    for weekday, ranges in pattern.items():
        for start, end in ranges:
            services.add_weekly_hours(
                practitioner=practitioner,
                weekday=weekday,
                start_time=start,
                end_time=end,
                location=location,
            )
    offered = _create_services(practitioner)

    today = local_today(practitioner)
    past = _pick_slots(
        practitioner,
        offered,
        first=today - timedelta(days=21),
        last=today - timedelta(days=1),
        count=18 if rich else 6,
        rng=rng,
        now=timezone.now() - timedelta(days=60),
    )
    future = _pick_slots(
        practitioner,
        offered,
        first=today + timedelta(days=1),
        last=today + timedelta(days=14),
        count=24 if rich else 8,
        rng=rng,
        now=timezone.now(),
    )
    bookings, intakes = [], []
    for i, (service, slot, blocked) in enumerate(past):
        status = Booking.Status.NO_SHOW if i % 7 == 6 else Booking.Status.COMPLETED
        bookings.append(
            _booking(service, slot, blocked, status, rng, client if i == 0 else None)
        )
    for i, (service, slot, blocked) in enumerate(future):
        status = Booking.Status.CONFIRMED
        if rich and i in (2, 5):
            status = Booking.Status.PENDING
        elif rich and i == 8:
            status = Booking.Status.CANCELLED
        bookings.append(
            _booking(service, slot, blocked, status, rng, client if i == 0 else None)
        )
    Booking.objects.bulk_create(bookings)
    for booking in bookings:
        flagged = booking.status == Booking.Status.PENDING
        intakes.append(
            HealthIntake(
                booking=booking,
                recent_surgery_or_injury=flagged,
                details="Knee operation six weeks ago." if flagged else "",
                consent_given_at=booking.created_at or timezone.now(),
            )
        )
    HealthIntake.objects.bulk_create(intakes)


def seed_rich_agenda(practitioner: Practitioner) -> None:
    """The demo practitioner also has a special opening day and some time off."""
    today = local_today(practitioner)
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    DateOverride.objects.create(
        practitioner=practitioner, date=sunday, start_time=time(10), end_time=time(14)
    )
    training = today + timedelta(days=20)
    zone = practitioner.zone
    TimeOff.objects.create(
        practitioner=practitioner,
        starts_at=datetime.combine(training, time.min, tzinfo=zone),
        ends_at=datetime.combine(training + timedelta(days=2), time.min, tzinfo=zone),
        reason="Myofascial release training",
    )


def seed_waiting_list(practitioner: Practitioner, client: User) -> None:
    """The demo client waits for a time in the coming week with the demo
    practitioner (written directly: it queues no email)."""
    service = practitioner.services.filter(is_active=True).order_by("pk").first()
    if service is None:
        return
    today = local_today(practitioner)
    WaitlistRequest.objects.get_or_create(
        service=service,
        email=client.email,
        ended_at=None,
        defaults={
            "practitioner": practitioner,
            "client": client,
            "name": client.full_name or "Demo client",
            "first_day": today + timedelta(days=1),
            "last_day": today + timedelta(days=7),
        },
    )


def _create_services(practitioner: Practitioner) -> list[Service]:
    techniques = list(practitioner.techniques.order_by("name")[:2])
    if not techniques:
        default = Technique.objects.filter(slug="holistic-massage").first()
        techniques = [default or Technique.objects.order_by("pk").first()]
    low = practitioner.price_from or Decimal("50")
    high = practitioner.price_to or low + 20
    created = []
    # One way of paying each, so the demo shows all three (docs/payments.md).
    modes = [Service.PaymentMode.AT_APPOINTMENT, Service.PaymentMode.DEPOSIT]
    for technique, mode in zip(techniques, modes, strict=False):
        if technique is None:
            continue
        created.append(
            services.save_service(
                service=Service(
                    practitioner=practitioner,
                    name=f"{technique.name} massage"
                    if "massage" not in technique.name.lower()
                    else technique.name,
                    technique=technique,
                    duration_minutes=60,
                    price=low,
                    payment_mode=mode,
                    deposit=Decimal("15") if mode == Service.PaymentMode.DEPOSIT else 0,
                    description=technique.description,
                )
            )
        )
    if created:
        first = created[0]
        created.append(
            services.save_service(
                service=Service(
                    practitioner=practitioner,
                    name=f"{first.name}, extended",
                    technique=first.technique,
                    duration_minutes=90,
                    price=high,
                    payment_mode=Service.PaymentMode.FULL,
                    deposit=Decimal("15"),
                    description="A longer session with time for problem areas.",
                )
            )
        )
    return created


def _pick_slots(practitioner, offered, *, first, last, count, rng, now):
    """Free, non-overlapping slots (buffers included) spread over the days."""
    if not offered:
        return []
    policy = practitioner.booking_policy
    taken: list[tuple[datetime, datetime]] = []
    chosen = []
    candidates = []
    for service in offered:
        rules = load_rules(service=service, first_day=first, last_day=last)
        for slot in find_slots(
            rules, duration=service.duration, first_day=first, last_day=last, now=now
        ):
            candidates.append((service, slot))
    rng.shuffle(candidates)
    for service, slot in candidates:
        if len(chosen) >= count:
            break
        blocked = (
            slot.starts_at - policy.buffer_before,
            slot.ends_at + policy.buffer_after,
        )
        if any(blocked[0] < end and start < blocked[1] for start, end in taken):
            continue
        taken.append(blocked)
        chosen.append((service, slot, blocked))
    return sorted(chosen, key=lambda item: item[1].starts_at)


def _booking(service, slot, blocked, status, rng, client) -> Booking:
    if client is not None:
        name, email, phone = (
            client.full_name or "Demo client",
            client.email,
            "07700 900000",
        )
    else:
        name, email, phone = rng.choice(GUESTS)
    return Booking(
        practitioner=service.practitioner,
        service=service,
        location_id=slot.location_id,
        client=client,
        client_name=name,
        client_email=email,
        client_phone=phone,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        blocked_starts_at=blocked[0],
        blocked_ends_at=blocked[1],
        status=status,
        status_changed_at=timezone.now(),
        status_reason="Clashes with a training day." if status == "cancelled" else "",
        cancelled_by="practitioner" if status == "cancelled" else "",
    )
