"""Demo courses and dates in Brighton and Bath, students, a waiting list, tutors,
timetables, and a finished date whose graduate holds a certificate.

Run by `manage.py seed_demo`. A course that already exists (by slug) is left as it
is, except that the course-page sections, timetables and venue details it lacks are
filled in; running the seed again changes nothing. Dates are relative to the day of
the first run.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db.models import F
from django.utils import timezone

from directory import geo
from directory.models import Practitioner, Technique
from users.models import User

from . import services
from .models import (
    Certificate,
    Course,
    CourseDate,
    CourseQuestion,
    Enrolment,
    TeachingDay,
    Tutor,
)

STUDENT_PASSWORD = "demo-student-pass"
GRADUATE_EMAIL = "practitioner@demo.example"
STUDENT_EMAIL = "student@demo.example"
CLASSMATES = 18  # classmate01@demo.example ... classmate18@demo.example


@dataclass(frozen=True)
class DemoDate:
    town: str
    venue: str
    address: str
    postcode: str
    # The first Saturday at least this many days ahead, or, for an intake, the
    # first Saturday of the next such month.
    starts_in_days: int
    length_days: int  # from that Saturday: 0 one day, 8 two weekends, 71 ten weeks
    schedule: str
    places: int
    confirmed: int = 0  # classmates with a confirmed place
    waiting: int = 0  # classmates on the waiting list (after the demo student)
    student_enrols: bool = False
    student_waits: bool = False
    intake_month: int | None = None


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title: str
    level: str
    techniques: list[str]
    total_hours: int
    price: Decimal
    deposit: Decimal
    summary: str
    description: str
    is_published: bool = True
    dates: list[DemoDate] = field(default_factory=list)
    syllabus: str = ""
    entry_requirements: str = ""
    included: str = ""
    assessment: str = ""
    tutors: list[str] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)


TUTORS = [
    (
        "Helen Carter",
        "Lead tutor, Brighton",
        "Helen has practised holistic and deep tissue massage for twenty years and "
        "has taught our diploma since it began. She still treats clients two days "
        "a week, and brings their stories to class.",
    ),
    (
        "Marcus Webb",
        "Tutor in anatomy and sports massage",
        "A former physiotherapy assistant, Marcus teaches anatomy through touch as "
        "much as through books, and runs the supervised student clinic.",
    ),
    (
        "Anjali Rao",
        "Tutor, Bath",
        "Anjali trained in Indian head massage in Mumbai and in Swedish massage in "
        "London. She teaches our Bath cohorts and the introductory days.",
    ),
]

INCLUDED = """- Couches, towels, oils and all practice materials
- A printed course manual and online anatomy resources
- Tea, coffee and fruit on every teaching day
- Your certificate, which anyone can check online with its number
"""

BRIGHTON = {
    "town": "Brighton",
    "venue": "The Old Library",
    "address": "12 North Road",
    "postcode": "BN1 1YA",
}
BATH = {
    "town": "Bath",
    "venue": "Widcombe Studios",
    "address": "3 Prior Park Road",
    "postcode": "BA2 4NF",
}

COURSES = [
    DemoCourse(
        slug="holistic-massage-diploma",
        title="Holistic Massage Diploma",
        level=Course.Level.DIPLOMA,
        techniques=["holistic-massage", "swedish-massage"],
        total_hours=120,
        price=Decimal("1650"),
        deposit=Decimal("300"),
        summary="Our practitioner diploma: full-body holistic and Swedish massage, "
        "anatomy and physiology, and running your own practice.",
        description="""\
Train as a professional massage therapist over six weekends, with home study and
supervised practice between them. Graduates can join our practitioner network with
both techniques shown as **verified** on their profile.
""",
        syllabus="""\
- Holistic and Swedish massage routines for the whole body
- Anatomy, physiology and pathology for massage therapists
- Consultation, contraindications and record keeping
- Setting up and insuring your own practice
""",
        entry_requirements="No experience is needed. You must be 18 or over, and "
        "able to stand and work on your feet for most of a teaching day.",
        included=INCLUDED,
        assessment="A written paper, case studies of twenty treatments, and a "
        "practical assessment on the last weekend. You need to attend every "
        "teaching day; a missed day can be made up with another cohort.",
        tutors=["Helen Carter", "Marcus Webb"],
        faqs=[
            (
                "Can I pay in instalments?",
                "Yes: the deposit holds your place, and the balance can be paid in "
                "three monthly instalments before the course starts.",
            ),
            (
                "Will I be insured to practise afterwards?",
                "The diploma is accepted by the main UK insurers for massage "
                "therapists. We give you a list when you graduate.",
            ),
            (
                "What if I miss a weekend?",
                "Tell us as soon as you can: you can make it up with the next "
                "cohort, in Brighton or Bath, at no extra cost.",
            ),
        ],
        dates=[
            DemoDate(
                **BRIGHTON,
                intake_month=4,
                starts_in_days=0,
                length_days=71,
                schedule="Six weekends, Saturday and Sunday 9:30–17:00",
                places=10,
                confirmed=8,
            ),
            DemoDate(
                **BATH,
                intake_month=10,
                starts_in_days=0,
                length_days=71,
                schedule="Six weekends, Saturday and Sunday 9:30–17:00",
                places=6,
                confirmed=6,
                waiting=1,
                student_waits=True,
            ),
        ],
    ),
    DemoCourse(
        slug="deep-tissue-and-trigger-point-therapy",
        title="Deep Tissue and Trigger Point Therapy",
        level=Course.Level.ADVANCED,
        techniques=["deep-tissue", "trigger-point-therapy"],
        total_hours=30,
        price=Decimal("495"),
        deposit=Decimal("100"),
        summary="For qualified therapists: work safely into deeper layers and treat "
        "trigger points that refer pain.",
        description="""\
A hands-on course for therapists who already hold a massage qualification.
""",
        syllabus="""\
- Assessing posture and movement before treatment
- Slow, deep strokes with forearms and elbows, without straining your hands
- Finding and releasing trigger points, and the pain patterns they refer
- Aftercare advice for clients with back and neck pain
""",
        entry_requirements="A massage qualification of at least 100 teaching hours "
        "(ours or another school's) and professional insurance.",
        included=INCLUDED,
        assessment="A practical assessment on the last day, observed by a tutor.",
        tutors=["Helen Carter"],
        faqs=[
            (
                "Is deep tissue massage painful to learn?",
                "No: you learn to build pressure slowly and to read the client's "
                "response. Good technique protects your hands too.",
            ),
        ],
        dates=[
            DemoDate(
                **BRIGHTON,
                starts_in_days=30,
                length_days=8,
                schedule="Two weekends, Saturday and Sunday 9:30–17:00",
                places=12,
                confirmed=3,
                student_enrols=True,
            ),
            DemoDate(
                **BATH,
                starts_in_days=60,
                length_days=8,
                schedule="Two weekends, Saturday and Sunday 9:30–17:00",
                places=12,
            ),
        ],
    ),
    DemoCourse(
        slug="introduction-to-indian-head-massage",
        title="Introduction to Indian Head Massage",
        level=Course.Level.INTRODUCTORY,
        techniques=["indian-head-massage"],
        total_hours=8,
        price=Decimal("145"),
        deposit=Decimal("45"),
        summary="A one-day introduction to seated massage of the back, shoulders, "
        "neck, scalp and face. No experience needed.",
        description="""\
Learn a complete seated routine you can give to friends and family, and find out
whether training as a therapist is for you.
""",
        syllabus="- The history of Indian head massage\n- A complete seated routine"
        "\n- When not to treat",
        entry_requirements="None: everyone is welcome.",
        included="- All materials and a handout\n- Lunch",
        assessment="No assessment: you receive a certificate of attendance.",
        tutors=["Anjali Rao"],
        dates=[
            DemoDate(
                **BATH,
                starts_in_days=20,
                length_days=0,
                schedule="One Saturday, 9:30–17:30",
                places=8,
            ),
        ],
    ),
    DemoCourse(
        slug="hot-stone-massage",
        title="Hot Stone Massage",
        level=Course.Level.ADVANCED,
        techniques=["hot-stone"],
        total_hours=16,
        price=Decimal("295"),
        deposit=Decimal("75"),
        summary="Heated basalt stones in a full-body treatment (draft: not yet "
        "published).",
        description="Details to follow.",
        is_published=False,
    ),
]

DETAILS = {
    "phone": "07700 900000",
    "experience": "some",
    "motivation": "I would like to train as a massage therapist.",
    "heard_about": "friend",
}


def seed(stdout) -> None:
    student = _account(STUDENT_EMAIL, "Sky Student")
    classmates = iter(
        [
            _account(f"classmate{n:02d}@demo.example", f"Classmate {n:02d}")
            for n in range(1, CLASSMATES + 1)
        ]
    )
    tutors = _tutors()
    created = [spec for spec in COURSES if _seed_course(spec, student, classmates)]
    # Courses from before the course pages had these sections get them now.
    for spec in COURSES:
        course = Course.objects.filter(slug=spec.slug).first()
        if course is not None:
            _fill_course_page(course, spec, tutors)
            for course_date in course.dates.all():
                _fill_date(course_date)
    graduate = _graduate()
    stdout.write(
        f"  courses  {len(created)} created, {len(COURSES) - len(created)} already "
        f"there; students {STUDENT_EMAIL} and classmate01..{CLASSMATES:02d}"
        f"@demo.example, password {STUDENT_PASSWORD}"
    )
    if graduate is not None:
        stdout.write(
            f"  certificate {graduate.number} ({graduate.full_name}): check it at "
            f"/verify/{graduate.number}/"
        )


def _account(email: str, full_name: str) -> User:
    """Create a demo student if missing; leave an existing one as it is."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name)
        user.set_password(STUDENT_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _seed_course(spec: DemoCourse, student: User, classmates) -> bool:
    if Course.objects.filter(slug=spec.slug).exists():
        return False
    course = Course.objects.create(
        slug=spec.slug,
        title=spec.title,
        level=spec.level,
        total_hours=spec.total_hours,
        price=spec.price,
        deposit=spec.deposit,
        summary=spec.summary,
        description=spec.description,
        is_published=spec.is_published,
    )
    course.techniques.set(Technique.objects.filter(slug__in=spec.techniques))
    _fill_course_page(course, spec)
    today = timezone.localdate()
    for date_spec in spec.dates:
        starts_on = _first_saturday(date_spec, today)
        course_date = CourseDate.objects.create(
            course=course,
            venue_name=date_spec.venue,
            venue_address=date_spec.address,
            venue_town=date_spec.town,
            venue_postcode=date_spec.postcode,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=date_spec.length_days),
            enrolment_deadline=starts_on - timedelta(days=7),
            schedule=date_spec.schedule,
            places=date_spec.places,
        )
        _fill_date(course_date)
        for _ in range(date_spec.confirmed):
            classmate = next(classmates)
            enrolment = services.enrol_student(
                course_date=course_date,
                student=classmate,
                full_name=classmate.full_name,
                **DETAILS,
            )
            services.record_deposit(enrolment=enrolment, reference="Demo deposit")
        if date_spec.student_enrols:
            services.enrol_student(
                course_date=course_date,
                student=student,
                full_name=student.full_name,
                **DETAILS,
            )
        if date_spec.student_waits:
            services.join_waiting_list(course_date=course_date, student=student)
        for _ in range(date_spec.waiting):
            services.join_waiting_list(
                course_date=course_date, student=next(classmates)
            )
    return True


JOINING = """\
- Arrive by **9:15** on the first morning; the door is on the side street.
- Wear loose, comfortable clothes and flat shoes; bring a notebook and a water bottle.
- Lunch is not provided: there are cafés nearby, and a fridge for your own food.
- You will practise on each other: tell us in advance of anything we should know.
"""
DIRECTIONS = {
    "Brighton": "Ten minutes' walk from Brighton station: down Queen's Road, left "
    "into North Road. No parking on site; the nearest car park is on Church Street.",
    "Bath": "Fifteen minutes' walk from Bath Spa station over the river, or bus 2 "
    "or 4 to Widcombe. Parking for two cars at the back; ask when you enrol.",
}
HOURS = (time(9, 30), time(17, 0))


def _tutors() -> dict[str, Tutor]:
    tutors = {}
    for position, (name, role, bio) in enumerate(TUTORS):
        tutors[name], _ = Tutor.objects.get_or_create(
            name=name, defaults={"role": role, "bio": bio, "position": position}
        )
    return tutors


def _fill_course_page(course: Course, spec: DemoCourse, tutors=None) -> None:
    """The sections people read to decide, where the course has none yet."""
    changed = [
        name
        for name in ("syllabus", "entry_requirements", "included", "assessment")
        if not getattr(course, name) and getattr(spec, name)
    ]
    for name in changed:
        setattr(course, name, getattr(spec, name))
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
    tutors = tutors or _tutors()
    if not course.tutors.exists():
        course.tutors.set([tutors[name] for name in spec.tutors if name in tutors])
    if not course.faqs.exists():
        CourseQuestion.objects.bulk_create(
            CourseQuestion(course=course, question=q, answer=a, position=n)
            for n, (q, a) in enumerate(spec.faqs)
        )


def _first_saturday(spec: DemoDate, today: date) -> date:
    """Every demo schedule starts on a Saturday: the first one at least
    `starts_in_days` ahead, or the first of the next intake month still open for
    enrolment (a week before it starts)."""
    if spec.intake_month is None:
        day = today + timedelta(days=spec.starts_in_days)
    else:
        day = date(today.year, spec.intake_month, 1)
        while day - timedelta(days=7 + 6) <= today:
            day = date(day.year + 1, spec.intake_month, 1)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def _teaching_days(starts_on: date, ends_on: date) -> list[date]:
    """Up to six weekends spread over a long date; every day of a short one."""
    days = [
        starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1)
    ]
    if len(days) <= 7:
        return days
    weekends: dict[tuple[int, int], list[date]] = {}
    for day in days:
        if day.weekday() >= 5:
            weekends.setdefault(day.isocalendar()[:2], []).append(day)
    chosen = list(weekends.values())
    if len(chosen) > 6:
        step = (len(chosen) - 1) / 5
        chosen = [chosen[round(n * step)] for n in range(6)]
    return [day for weekend in chosen for day in weekend]


def _fill_date(course_date: CourseDate) -> None:
    """The venue's coordinates, directions, joining instructions and timetable,
    where the date has none yet."""
    changed = []
    if course_date.venue_latitude is None:
        found = geo.resolve(course_date.venue_postcode) or geo.resolve(
            course_date.venue_town
        )
        if found is not None:
            course_date.venue_latitude = found.latitude
            course_date.venue_longitude = found.longitude
            changed += ["venue_latitude", "venue_longitude"]
    if not course_date.venue_directions and course_date.venue_town in DIRECTIONS:
        course_date.venue_directions = DIRECTIONS[course_date.venue_town]
        changed.append("venue_directions")
    if not course_date.joining_instructions:
        course_date.joining_instructions = JOINING
        changed.append("joining_instructions")
    if changed:
        course_date.save(update_fields=[*changed, "updated_at"])
    if not course_date.days.exists():
        TeachingDay.objects.bulk_create(
            TeachingDay(
                course_date=course_date,
                day=day,
                starts_at=HOURS[0],
                ends_at=HOURS[1],
                note="Practical assessment" if last else "",
            )
            for day, last in (
                (day, n == len(days) - 1)
                for days in [_teaching_days(course_date.starts_on, course_date.ends_on)]
                for n, day in enumerate(days)
            )
        )


def _graduate() -> Certificate | None:
    """The demo practitioner finished a Deep Tissue date last month: their
    certificate can be downloaded from their account and checked at /verify/, and
    their profile links to it."""
    existing = Certificate.objects.filter(
        enrolment__student__email__iexact=GRADUATE_EMAIL
    ).first()
    if existing is not None:
        return existing
    course = Course.objects.filter(slug="deep-tissue-and-trigger-point-therapy").first()
    practitioner = Practitioner.objects.filter(
        user__email__iexact=GRADUATE_EMAIL
    ).first()
    if course is None or practitioner is None:
        return None
    today = timezone.localdate()
    starts_on = today - timedelta(days=40)
    while starts_on.weekday() != 5:  # a Saturday
        starts_on -= timedelta(days=1)
    course_date = CourseDate.objects.create(
        course=course,
        venue_name=BRIGHTON["venue"],
        venue_address=BRIGHTON["address"],
        venue_town=BRIGHTON["town"],
        venue_postcode=BRIGHTON["postcode"],
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=8),
        enrolment_deadline=starts_on - timedelta(days=7),
        schedule="Two weekends, Saturday and Sunday 9:30–17:00",
        places=12,
        status=CourseDate.Status.CLOSED,
    )
    _fill_date(course_date)
    # A place taken before the course began, as the services would have left it.
    paid = timezone.now() - timedelta(days=60)
    enrolment = Enrolment.objects.create(
        course_date=course_date,
        student=practitioner.user,
        status=Enrolment.Status.CONFIRMED,
        full_name=practitioner.display_name,
        phone="07700 900001",
        experience=Enrolment.Experience.QUALIFIED,
        motivation="To add deep tissue work to my practice.",
        price=course_date.price,
        deposit=course_date.deposit,
        deposit_paid_at=paid,
        confirmed_at=paid,
        payment_reference="Demo deposit",
    )
    CourseDate.objects.filter(pk=course_date.pk).update(
        places_taken=F("places_taken") + 1
    )
    services.record_attendance(
        course_date=course_date,
        present={(enrolment.pk, day.pk) for day in course_date.days.all()},
    )
    services.complete_enrolment(enrolment=enrolment)
    certificate = Certificate.objects.get(enrolment=enrolment)
    return services.link_certificate_from_profile(certificate=certificate, linked=True)
