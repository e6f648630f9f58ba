from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from courses.models import CourseDate
from directory.models import Technique
from tests.clock import london
from tests.courses.factories import CourseDateFactory, CourseFactory, full_course_date
from tests.directory.factories import TechniqueFactory

pytestmark = pytest.mark.django_db


def render(techniques, limit: str = "") -> str:
    template = Template(
        "{% load courses %}{% upcoming_course_dates techniques " + limit + " %}"
    )
    return template.render(Context({"techniques": techniques}))


@pytest.fixture
def deep():
    return TechniqueFactory(name="Deep tissue", slug="deep-tissue")


def test_upcoming_dates_for_techniques_soonest_first_with_places(deep):
    course = CourseFactory(title="Deep Tissue Course", techniques=[deep])
    later = CourseDateFactory(
        course=course,
        venue_town="Bath",
        starts_on=timezone.localdate() + timedelta(days=90),
    )
    sooner = CourseDateFactory(course=course, venue_town="Brighton", places=3)
    other = CourseDateFactory()  # teaches holistic massage only

    html = render(Technique.objects.filter(slug="deep-tissue"))

    assert html.index(sooner.get_absolute_url()) < html.index(later.get_absolute_url())
    assert other.get_absolute_url() not in html
    assert "3 places left" in html
    assert "Deep Tissue Course" in html


def test_upcoming_dates_accept_a_list_and_a_limit(deep):
    course = CourseFactory(techniques=[deep])
    dates = [
        CourseDateFactory(
            course=course, starts_on=timezone.localdate() + timedelta(days=30 + n)
        )
        for n in range(5)
    ]
    html = render([deep], "limit=2")
    assert dates[0].get_absolute_url() in html
    assert dates[1].get_absolute_url() in html
    assert dates[2].get_absolute_url() not in html


def test_upcoming_dates_leave_out_closed_past_cancelled_and_draft(deep):
    today = timezone.localdate()
    hidden = [
        CourseDateFactory(
            course=CourseFactory(techniques=[deep]), status=CourseDate.Status.CLOSED
        ),
        CourseDateFactory(
            course=CourseFactory(techniques=[deep]), status=CourseDate.Status.CANCELLED
        ),
        CourseDateFactory(
            course=CourseFactory(techniques=[deep]),
            starts_on=today - timedelta(days=1),
            enrolment_deadline=today - timedelta(days=3),
        ),
        CourseDateFactory(
            course=CourseFactory(techniques=[deep]),
            enrolment_deadline=today - timedelta(days=1),
        ),
        CourseDateFactory(course=CourseFactory(techniques=[deep], is_published=False)),
    ]
    html = render([deep])
    for course_date in hidden:
        assert course_date.get_absolute_url() not in html
    assert "No course dates are open for these techniques" in html


def test_a_full_date_shows_the_waiting_list(deep):
    course_date = full_course_date(places=1, course=CourseFactory(techniques=[deep]))
    html = render([deep])
    assert course_date.get_absolute_url() in html
    assert "Full – join the waiting list" in html


@pytest.mark.parametrize("techniques", [[], None, Technique.objects.none()])
def test_upcoming_dates_empty_state(techniques):
    CourseDateFactory()
    assert "No course dates are open" in render(techniques)


def test_upcoming_dates_run_one_query(deep, django_assert_num_queries):
    course = CourseFactory(techniques=[deep])
    for _ in range(4):
        CourseDateFactory(course=course)
    techniques = Technique.objects.filter(slug__in=["deep-tissue", "hot-stone"])
    with django_assert_num_queries(1):
        render(techniques, "limit=3")
    with django_assert_num_queries(0):
        render([])


def test_a_related_manager_works_too(deep):
    course = CourseFactory(techniques=[deep])
    course_date = CourseDateFactory(course=course)
    assert course_date.get_absolute_url() in render(course.techniques)


def test_a_bad_limit_falls_back_to_three(deep):
    course = CourseFactory(techniques=[deep])
    for _ in range(5):
        CourseDateFactory(course=course)
    assert render([deep], "limit='lots'").count("<li") == 3


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (london(2030, 3, 29, 14, 30), "14:30 on Friday 29 March 2030"),
        # Midnight on the first day of a course is the end of the day before.
        (london(2030, 4, 1, 0, 0), "the end of Sunday 31 March 2030"),
        (None, ""),
    ],
)
def test_the_deadline_filter_reads_as_people_say_it(moment, expected):
    template = Template("{% load core %}{{ moment|deadline }}")
    assert template.render(Context({"moment": moment})) == expected
