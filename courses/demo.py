"""Demo courses and dates in Brighton and Bath, students, and a waiting list.

Run by `manage.py seed_demo`. A course that already exists (by slug) is left exactly
as it is, so running the seed again changes nothing. Dates are relative to the day of
the first run.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone

from directory.models import Technique
from users.models import User

from . import services
from .models import Course, CourseDate

STUDENT_PASSWORD = "demo-student-pass"
STUDENT_EMAIL = "student@demo.example"
CLASSMATES = 18  # classmate01@demo.example ... classmate18@demo.example


@dataclass(frozen=True)
class DemoDate:
    town: str
    venue: str
    address: str
    postcode: str
    starts_in_days: int
    length_days: int
    schedule: str
    places: int
    confirmed: int = 0  # classmates with a confirmed place
    waiting: int = 0  # classmates on the waiting list (after the demo student)
    student_enrols: bool = False
    student_waits: bool = False


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
supervised practice between them.

## What you learn

- Holistic and Swedish massage routines for the whole body
- Anatomy, physiology and pathology for massage therapists
- Consultation, contraindications and record keeping
- Setting up and insuring your own practice

## Assessment

A written paper, case studies of twenty treatments, and a practical assessment on the
last weekend. Graduates can join our practitioner network with both techniques shown
as **verified** on their profile.
""",
        dates=[
            DemoDate(
                **BRIGHTON,
                starts_in_days=45,
                length_days=70,
                schedule="Six weekends, Saturday and Sunday 9:30–17:00",
                places=10,
                confirmed=8,
            ),
            DemoDate(
                **BATH,
                starts_in_days=75,
                length_days=70,
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

## What you learn

- Assessing posture and movement before treatment
- Slow, deep strokes with forearms and elbows, without straining your hands
- Finding and releasing trigger points, and the pain patterns they refer
- Aftercare advice for clients with back and neck pain
""",
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
    created = [spec for spec in COURSES if _seed_course(spec, student, classmates)]
    stdout.write(
        f"  courses  {len(created)} created, {len(COURSES) - len(created)} already "
        f"there; students {STUDENT_EMAIL} and classmate01..{CLASSMATES:02d}"
        f"@demo.example, password {STUDENT_PASSWORD}"
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
    today = timezone.localdate()
    for date_spec in spec.dates:
        starts_on = today + timedelta(days=date_spec.starts_in_days)
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
