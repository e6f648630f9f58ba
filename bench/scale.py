"""A large, realistic, repeatable data set for the benchmarks (bulk inserts only).

Everything is drawn from one seeded random generator, so two runs with the same
seed and sizes give the same rows. Sections for the other apps are added below as
those apps exist; each section is a function taking the generator and the sizes.
"""

import json
import os
import random
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from directory import gazetteer
from directory.demo import FIRST_NAMES, LAST_NAMES
from directory.models import Location, Place, Practitioner, Qualification, Technique
from users.models import User

BATCH = 2000
FIRST = [*FIRST_NAMES, "Ana", "Yusuf"]
LAST = [*LAST_NAMES, "Byrne", "Khan"]
WORDS = [
    "back pain",
    "sports injuries",
    "stress",
    "posture",
    "headaches",
    "sleep",
    "pregnancy",
    "recovery",
    "desk workers",
    "runners",
    "tension",
    "mobility",
]


@dataclass(frozen=True)
class Sizes:
    practitioners: int = 10_000
    bookings: int = 100_000
    posts: int = 200
    course_dates: int = 50
    # A full-size gazetteer: the UK has about 1.7 million live postcodes.
    postcodes: int = 1_700_000


DEFAULT_SEED = 42
# Bookings, insurance and course dates are relative to the day of generation: after
# this many days the "next two weeks" the benchmark times drift out of the data.
MAX_AGE_DAYS = 7
# Raise when the generator writes something different, so old data is rebuilt.
DATA_VERSION = 3
META_TABLE = "bench_meta"
META_KEY = "scale_data"


class NotABenchDatabase(Exception):
    pass


def check_database() -> str:
    name = settings.DATABASES["default"]["NAME"]
    if not name.endswith("_bench"):
        raise NotABenchDatabase(
            f"Refusing to write scale data into “{name}”: the benchmark database's "
            "name must end in _bench (set BENCH_DATABASE_URL)."
        )
    return name


def generate(*, seed: int, sizes: Sizes, log=print) -> dict:
    check_database()
    # Half-written data must never look complete: the record goes first, and
    # comes back only once every section is in.
    forget_meta()
    rng = random.Random(seed)
    timings = {}
    for name, section in SECTIONS:
        started = time.perf_counter()
        with transaction.atomic():
            section(rng, sizes, log)
        timings[name] = round(time.perf_counter() - started, 1)
        log(f"  {name}: {timings[name]} s")
    # VACUUM as well as ANALYZE: a database that has been running a while has its
    # visibility map set (autovacuum), so index-only scans skip the table; fresh
    # bulk inserts have not, and would be measured slower than production runs.
    # VACUUM cannot run inside a transaction: where the caller holds one (the
    # tests), the statistics are still brought up to date.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    write_meta(seed=seed, sizes=sizes)
    return timings


# --- when, and how, the data was generated (a table of the bench database) --------


def _ensure_meta_table(cursor) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
        "(key text PRIMARY KEY, value jsonb NOT NULL)"
    )


def write_meta(*, seed: int, sizes: Sizes, today: date | None = None) -> dict:
    meta = {
        "generated_on": (today or timezone.localdate()).isoformat(),
        "seed": seed,
        "sizes": asdict(sizes),
        "version": DATA_VERSION,
    }
    with connection.cursor() as cursor:
        _ensure_meta_table(cursor)
        cursor.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [META_KEY, json.dumps(meta)],
        )
    return meta


def forget_meta() -> None:
    with connection.cursor() as cursor:
        _ensure_meta_table(cursor)
        cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", [META_KEY])


def read_meta() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", [META_KEY])
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def stale_because(
    *,
    seed: int,
    sizes: Sizes,
    max_age_days: int = MAX_AGE_DAYS,
    today: date | None = None,
) -> str | None:
    """Why the scale data must be generated again, or None when it can be used."""
    meta = read_meta()
    if meta is None:
        return "no record of the scale data (never generated, or cut short)"
    if meta.get("version") != DATA_VERSION:
        return (
            f"written by an older generator (version {meta.get('version')}, "
            f"now {DATA_VERSION})"
        )
    if meta.get("seed") != seed:
        return f"generated with seed {meta.get('seed')}, asked for {seed}"
    if meta.get("sizes") != asdict(sizes):
        return f"generated for {meta.get('sizes')}, asked for {asdict(sizes)}"
    age = (
        (today or timezone.localdate()) - date.fromisoformat(meta["generated_on"])
    ).days
    if age > max_age_days or age < 0:
        return (
            f"generated on {meta['generated_on']}, {age} days ago (limit "
            f"{max_age_days}): its bookings and dates are relative to that day"
        )
    from blog.models import Post
    from bookings.models import Booking
    from courses.models import CourseDate

    counts = {
        "practitioners": Practitioner.objects.count(),
        "bookings": Booking.objects.count(),
        "posts": Post.objects.count(),
        "course_dates": CourseDate.objects.count(),
    }
    for name, count in counts.items():
        if count != getattr(sizes, name):
            return f"{count} {name} in the database, {getattr(sizes, name)} expected"
    return None


def _truncate(*models) -> None:
    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of rows written earlier in the same transaction
        # must run first: PostgreSQL refuses to TRUNCATE with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def gazetteer_section(rng: random.Random, sizes: Sizes, log) -> None:
    """Every UK place (as `make run` loads them) and a postcode file's worth of
    postcodes: the real ONS Postcode Directory when BENCH_POSTCODES names it, else
    synthetic ones around each postcode area's main town."""
    _truncate(Place)
    gazetteer.load_builtin()
    real = os.environ.get("BENCH_POSTCODES")
    if real:
        summary = gazetteer.load(Path(real))
    else:
        from .onspd import postcodes

        summary = gazetteer.load_postcodes(
            gazetteer.postcode_row(code, latitude, longitude)
            for code, latitude, longitude in postcodes(
                sizes.postcodes, seed=rng.random()
            )
        )
    count = Place.objects.filter(kind=Place.Kind.POSTCODE).count()
    log(f"  {count:,} postcodes ({'from ' + real if real else 'synthetic'}), "
        f"{Place.objects.filter(kind=Place.Kind.TOWN).count():,} places, "
        f"in {summary.seconds:.0f} s")  # fmt: skip


def directory_section(rng: random.Random, sizes: Sizes, log) -> None:
    # Everything that hangs off an account goes with it (a bench database only).
    _truncate(User)
    # Practitioners work where people live: towns drawn by their population.
    towns = list(
        Place.objects.filter(kind=Place.Kind.TOWN, ref__startswith="geonames:")
        .order_by("ref")
        .only("name", "latitude", "longitude", "population")
    )
    weights = list(accumulate(max(t.population, 500) for t in towns))
    techniques = list(Technique.objects.order_by("slug"))
    password = make_password("scale-pass")
    users = [
        User(email=f"p{i:05d}@scale.example", full_name=_name(rng), password=password)
        for i in range(sizes.practitioners)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(
        User.objects.filter(email__endswith="@scale.example").order_by("email")
    )
    today = timezone.localdate()
    practitioners = []
    for i, user in enumerate(users):
        price = rng.choice([35, 40, 45, 50, 55, 60, 70, 80])
        status = (
            Practitioner.Status.APPROVED
            if rng.random() < 0.95
            else (
                rng.choice([Practitioner.Status.APPLIED, Practitioner.Status.SUSPENDED])
            )
        )
        topic_a, topic_b = rng.sample(WORDS, 2)
        practitioners.append(
            Practitioner(
                user=user,
                slug=f"scale-{i:05d}",
                display_name=user.full_name,
                headline=f"Massage for {topic_a} and {topic_b}",
                bio=f"Experienced therapist helping with {topic_a}, {topic_b} "
                f"and general wellbeing. {rng.randint(2, 25)} years in practice.",
                insurance_expires_on=today + timedelta(days=rng.randint(-30, 700)),
                languages=["English"]
                + rng.sample(["French", "Polish", "Spanish"], rng.randint(0, 1)),
                gender=rng.choice(["female", "female", "male", "non-binary", ""]),
                price_from=price,
                price_to=price + rng.choice([0, 10, 20, 30]),
                home_visits=rng.random() < 0.25,
                home_visit_miles=10,
                offers_online_booking=True,
                status=status,
            )
        )
    Practitioner.objects.bulk_create(practitioners, batch_size=BATCH)
    # The practitioner the slot benchmarks use is always listed.
    Practitioner.objects.filter(slug="scale-00000").update(
        status=Practitioner.Status.APPROVED,
        insurance_expires_on=today + timedelta(days=365),
    )
    practitioners = list(Practitioner.objects.order_by("slug"))
    through = Practitioner.techniques.through
    links, qualifications, locations = [], [], []
    for practitioner in practitioners:
        offered = rng.sample(techniques, rng.randint(1, 4))
        links += [
            through(practitioner_id=practitioner.pk, technique_id=t.pk) for t in offered
        ]
        if rng.random() < 0.3:
            qualifications.append(
                Qualification(
                    practitioner=practitioner,
                    technique=offered[0],
                    source=Qualification.Source.COURSE,
                )
            )
        for n in range(1 if rng.random() < 0.85 else 2):
            town = rng.choices(towns, cum_weights=weights)[0]
            locations.append(
                Location(
                    practitioner=practitioner,
                    name=f"{town.name} Clinic {n + 1}",
                    address=f"{rng.randint(1, 200)} High Street",
                    town=town.name,
                    postcode="AB1 2CD",
                    latitude=town.latitude + rng.gauss(0, 0.03),
                    longitude=town.longitude + rng.gauss(0, 0.05),
                )
            )
    through.objects.bulk_create(links, batch_size=BATCH * 5)
    Qualification.objects.bulk_create(qualifications, batch_size=BATCH)
    Location.objects.bulk_create(locations, batch_size=BATCH)
    log(
        f"  {len(practitioners)} practitioners, {len(locations)} locations, "
        f"{len(links)} technique links"
    )


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def courses_section(rng: random.Random, sizes: Sizes, log) -> None:
    from courses.models import Course, CourseDate, Enrolment, WaitingListEntry

    _truncate(WaitingListEntry, Enrolment, CourseDate, Course)
    techniques = list(Technique.objects.order_by("slug"))
    courses = [
        Course(
            title=f"{technique.name} course",
            slug=f"scale-{technique.slug}",
            summary=f"Learn {technique.name.lower()} with working therapists.",
            description=f"## {technique.name}\n\nA practical course.",
            level=rng.choice(list(Course.Level.values)),
            total_hours=rng.choice([16, 30, 60, 120]),
            price=rng.choice([350, 600, 1200, 2400]),
            deposit=150,
            is_published=True,
        )
        for technique in techniques
    ]
    Course.objects.bulk_create(courses)
    courses = list(Course.objects.order_by("slug"))
    through = Course.techniques.through
    through.objects.bulk_create(
        through(course_id=course.pk, technique_id=technique.pk)
        for course, technique in zip(courses, techniques, strict=True)
    )
    towns = list(Place.objects.filter(kind=Place.Kind.TOWN).order_by("name"))
    today = timezone.localdate()
    dates = []
    for _ in range(sizes.course_dates):
        town = rng.choice(towns)
        starts = today + timedelta(days=rng.randint(14, 300))
        dates.append(
            CourseDate(
                course=rng.choice(courses),
                venue_name=f"{town.name} Training Rooms",
                venue_address="1 College Road",
                venue_town=town.name,
                venue_postcode="AB1 2CD",
                starts_on=starts,
                ends_on=starts + timedelta(days=rng.choice([1, 2, 30, 90])),
                schedule="Weekends",
                places=rng.choice([8, 12, 16]),
                enrolment_deadline=starts - timedelta(days=7),
            )
        )
    CourseDate.objects.bulk_create(dates)
    log(f"  {len(courses)} courses, {len(dates)} course dates")


BUSY_SLUG = "scale-00000"
BUSY_BOOKINGS = 200
# The busy practitioner works every day, long hours, and most of their bookings
# fall in the next three weeks: the 14 days of slots the benchmark times (from
# tomorrow, on data up to MAX_AGE_DAYS old) are computed against a full calendar.
BUSY_HOURS = ("07:00", "21:00")
BUSY_AHEAD_DAYS = 21
BUSY_PAST = 20
BLOCK_MINUTES = 75  # a 60-minute service and its 15-minute after-buffer


def _busy_calendar(rng: random.Random, today: date) -> list[tuple[date, int]]:
    """(day, minute of the day) of BUSY_BOOKINGS bookings that never overlap:
    BUSY_PAST in the past three months, the rest packed into the next
    BUSY_AHEAD_DAYS days with random gaps between them."""
    opens, closes = (int(t[:2]) * 60 + int(t[3:]) for t in BUSY_HOURS)
    per_day = (closes - opens) // BLOCK_MINUTES
    ahead = BUSY_BOOKINGS - BUSY_PAST
    counts = [min(per_day, ahead // BUSY_AHEAD_DAYS)] * BUSY_AHEAD_DAYS
    for day in rng.sample(range(BUSY_AHEAD_DAYS), ahead - sum(counts)):
        counts[day] += 1
    calendar = []
    for offset, count in enumerate(counts, start=1):
        # The free quarter hours of the day, dealt out at random between the
        # bookings: back to back in places, a gap long enough for a slot in others.
        gaps = [0] * (count + 1)
        for _ in range((closes - opens - count * BLOCK_MINUTES) // 15):
            gaps[rng.randrange(count + 1)] += 1
        minute = opens
        for gap in gaps[:-1]:
            minute += gap * 15
            calendar.append((today + timedelta(days=offset), minute))
            minute += BLOCK_MINUTES
    past = [today - timedelta(days=d) for d in range(1, 91)]
    for day in rng.sample(past, BUSY_PAST):
        calendar.append((day, 10 * 60))
    return calendar


def bookings_section(rng: random.Random, sizes: Sizes, log) -> None:
    """Services and Monday-to-Friday hours for everyone; bookings spread over the
    past three months and the next two, never overlapping (buffers included)."""
    from zoneinfo import ZoneInfo

    from bookings.models import Booking, HealthIntake, Service, WeeklyHours

    _truncate(HealthIntake, Booking, WeeklyHours, Service)
    practitioners = list(
        Practitioner.objects.order_by("slug").prefetch_related("techniques")
    )
    services, hours = [], []
    for practitioner in practitioners:
        for technique in list(practitioner.techniques.all())[:2]:
            services.append(
                Service(
                    practitioner=practitioner,
                    name=f"{technique.name}, 60 minutes",
                    technique=technique,
                    duration_minutes=60,
                    price=practitioner.price_from or 50,
                )
            )
        if practitioner.slug == BUSY_SLUG:
            hours += [
                WeeklyHours(
                    practitioner=practitioner,
                    weekday=weekday,
                    start_time=BUSY_HOURS[0],
                    end_time=BUSY_HOURS[1],
                )
                for weekday in range(7)
            ]
            continue
        for weekday in range(5):
            if rng.random() < 0.2:  # a split shift
                hours.append(
                    WeeklyHours(
                        practitioner=practitioner,
                        weekday=weekday,
                        start_time="09:00",
                        end_time="12:30",
                    )
                )
                hours.append(
                    WeeklyHours(
                        practitioner=practitioner,
                        weekday=weekday,
                        start_time="14:00",
                        end_time="19:00",
                    )
                )
            else:
                hours.append(
                    WeeklyHours(
                        practitioner=practitioner,
                        weekday=weekday,
                        start_time="09:00",
                        end_time="17:00",
                    )
                )
    Service.objects.bulk_create(services, batch_size=BATCH)
    WeeklyHours.objects.bulk_create(hours, batch_size=BATCH)
    first_service = {}
    for service in Service.objects.order_by("pk"):
        first_service.setdefault(service.practitioner_id, service)

    zone = ZoneInfo("Europe/London")
    today = timezone.localdate()
    days = [today + timedelta(days=d) for d in range(-90, 61)]
    weekdays = [d for d in days if d.weekday() < 5]
    busy = next(p for p in practitioners if p.slug == BUSY_SLUG)
    others = [p for p in practitioners if p is not busy and p.pk in first_service]
    each, extra = divmod(max(0, sizes.bookings - BUSY_BOOKINGS), max(1, len(others)))
    bookings = []
    now = timezone.now()
    # Times of day that cannot overlap, 15-minute after-buffer included.
    starts = [9 * 60, 10 * 60 + 30, 12 * 60, 13 * 60 + 30, 15 * 60]

    def add(practitioner, day, minute: int) -> None:
        service = first_service[practitioner.pk]
        hour, minute = divmod(minute, 60)
        starts_at = timezone.datetime(
            day.year, day.month, day.day, hour, minute, tzinfo=zone
        )
        ends_at = starts_at + timedelta(minutes=60)
        past = ends_at < now
        status = Booking.Status.COMPLETED if past else Booking.Status.CONFIRMED
        if rng.random() < 0.05:
            status = Booking.Status.CANCELLED
        name = _name(rng)
        bookings.append(
            Booking(
                practitioner=practitioner,
                service=service,
                client_name=name,
                client_email=f"client{len(bookings)}@scale.example",
                client_phone="07700 900000",
                starts_at=starts_at,
                ends_at=ends_at,
                blocked_starts_at=starts_at,
                blocked_ends_at=ends_at + timedelta(minutes=15),
                status=status,
                manage_token=f"scale{len(bookings):07d}{rng.getrandbits(64):016x}",
            )
        )

    for day, start in _busy_calendar(rng, today):
        add(busy, day, start)
    slots = [(day, start) for day in weekdays for start in starts]
    for n, practitioner in enumerate(others):
        for day, start in rng.sample(slots, each + (1 if n < extra else 0)):
            add(practitioner, day, start)
    Booking.objects.bulk_create(bookings, batch_size=BATCH * 2)
    log(
        f"  {len(services)} services, {len(hours)} weekly hours, "
        f"{len(bookings)} bookings ({BUSY_BOOKINGS} for {BUSY_SLUG})"
    )


def blog_section(rng: random.Random, sizes: Sizes, log) -> None:
    from blog.models import Post, Tag

    _truncate(Post, Tag)
    author, _ = User.objects.get_or_create(
        email="editor@scale.example",
        defaults={"full_name": "Scale Editor", "is_staff": True},
    )
    techniques = list(Technique.objects.order_by("slug"))
    tags = [Tag(name=word.title(), slug=word.replace(" ", "-")) for word in WORDS]
    Tag.objects.bulk_create(tags)
    tags = list(Tag.objects.order_by("slug"))
    now = timezone.now()
    posts = []
    for i in range(sizes.posts):
        topic = rng.choice(WORDS)
        paragraphs = "\n\n".join(
            f"Paragraph {n} about {topic}: massage, movement and rest all help. " * 3
            for n in range(8)
        )
        posts.append(
            Post(
                title=f"Massage and {topic}: part {i + 1}",
                slug=f"scale-post-{i:04d}",
                author=author,
                summary=f"What massage can do for {topic}.",
                body=f"## {topic.title()}\n\n{paragraphs}",
                status=Post.Status.PUBLISHED,
                publish_at=now - timedelta(days=i, hours=rng.randint(0, 23)),
            )
        )
    Post.objects.bulk_create(posts)
    posts = list(Post.objects.order_by("slug"))
    technique_links = Post.techniques.through
    tag_links = Post.tags.through
    technique_links.objects.bulk_create(
        technique_links(post_id=post.pk, technique_id=t.pk)
        for post in posts
        for t in rng.sample(techniques, 2)
    )
    tag_links.objects.bulk_create(
        tag_links(post_id=post.pk, tag_id=t.pk)
        for post in posts
        for t in rng.sample(tags, 2)
    )
    log(f"  {len(posts)} posts")


def next_free_section(rng: random.Random, sizes: Sizes, log) -> None:
    """Every practitioner's next free time, as the bookings app keeps it."""
    from bookings import next_free

    started = time.perf_counter()
    count = next_free.refresh_all()
    free = Practitioner.objects.filter(next_free_at__isnull=False).count()
    log(f"  next free time of {count:,} practitioners ({free:,} with one) in "
        f"{time.perf_counter() - started:.0f} s")  # fmt: skip


SECTIONS = [
    ("gazetteer", gazetteer_section),
    ("directory", directory_section),
    ("bookings", bookings_section),
    ("next free times", next_free_section),
    ("courses", courses_section),
    ("blog", blog_section),
]
