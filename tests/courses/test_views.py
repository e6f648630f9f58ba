import json
import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseDate, Enrolment, WaitingListEntry
from payments.models import Checkout
from tests.blog.factories import EditorFactory
from tests.config.test_site import loaded_urls
from tests.courses.factories import (
    ENROLMENT_DETAILS,
    CourseDateFactory,
    CourseFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
    full_course_date,
)
from tests.directory.factories import TechniqueFactory
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("courses:list")


def staff_with(*codenames: str):
    """Staff (not a superuser) holding just these courses permissions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="courses", codename__in=codenames
        )
    )
    return user


def enrol_url(course_date) -> str:
    return reverse("courses:enrol", args=[course_date.course.slug, course_date.pk])


def json_ld(html: str) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        html,
        re.S,
    )
    assert match, "the page has a JSON-LD block (data: no nonce)"
    return json.loads(match.group(1))


# --- the list of dates ---------------------------------------------------------------


def test_the_list_shows_upcoming_dates_soonest_first_with_places_left(client):
    later = CourseDateFactory(
        venue_town="Bath", starts_on=timezone.localdate() + timedelta(days=90)
    )
    sooner = CourseDateFactory(places=5)
    for _ in range(2):
        EnrolmentFactory(course_date=sooner)
    full = full_course_date(
        places=1, starts_on=timezone.localdate() + timedelta(days=120)
    )

    html = client.get(LIST).content.decode()

    assert html.index(sooner.get_absolute_url()) < html.index(later.get_absolute_url())
    assert "3 places left" in html
    assert "12 places left" in html
    assert "Full – join the waiting list" in html
    assert full.get_absolute_url() in html


def test_a_one_day_date_names_its_day_once(client):
    day = timezone.localdate() + timedelta(days=30)
    course_date = CourseDateFactory(
        starts_on=day, ends_on=day, enrolment_deadline=day - timedelta(days=7)
    )
    html = client.get(course_date.get_absolute_url()).content.decode()
    shown = f"{day:%A} {day.day} {day:%B %Y}"
    assert shown in html
    assert f"{shown} to {shown}" not in html


def test_the_list_hides_past_cancelled_and_draft_dates(client):
    past = CourseDateFactory(
        starts_on=timezone.localdate() - timedelta(days=1),
        enrolment_deadline=timezone.localdate() - timedelta(days=5),
    )
    cancelled = CourseDateFactory(status=CourseDate.Status.CANCELLED)
    draft = CourseDateFactory(course=CourseFactory(is_published=False))
    html = client.get(LIST).content.decode()
    for hidden in (past, cancelled, draft):
        assert hidden.get_absolute_url() not in html
    assert "No upcoming dates match" in html


def test_the_list_filters_by_town_technique_and_level(client):
    bath = CourseDateFactory(venue_town="Bath")
    brighton = CourseDateFactory(venue_town="Brighton")
    deep = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    deep_date = CourseDateFactory(
        venue_town="Brighton",
        course=CourseFactory(techniques=[deep], level="advanced"),
    )

    html = client.get(LIST, {"town": "Bath"}).content.decode()
    assert bath.get_absolute_url() in html
    assert brighton.get_absolute_url() not in html

    html = client.get(LIST, {"technique": "deep-tissue"}).content.decode()
    assert deep_date.get_absolute_url() in html
    assert bath.get_absolute_url() not in html

    html = client.get(LIST, {"level": "advanced"}).content.decode()
    assert deep_date.get_absolute_url() in html
    assert brighton.get_absolute_url() not in html


@pytest.mark.parametrize(
    "query",
    [
        {"technique": "nonsense", "town": "Atlantis", "level": "x", "page": "abc"},
        {"page": "999"},
        {"page": "-1"},
        {"town": "<script>"},
        {"technique": ["a", "b"]},
    ],
)
def test_malformed_list_queries_are_explained_not_errors(client, query):
    course_date = CourseDateFactory(venue_town="Bath")
    response = client.get(LIST, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert course_date.get_absolute_url() in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0]


def test_a_bad_filter_says_so_and_the_good_ones_still_apply(client):
    bath = CourseDateFactory(venue_town="Bath")
    brighton = CourseDateFactory(venue_town="Brighton")
    html = client.get(LIST, {"town": "Bath", "technique": "nonsense"}).content.decode()
    assert "Choose a technique from the list." in html
    assert bath.get_absolute_url() in html
    assert brighton.get_absolute_url() not in html


def test_the_list_is_paginated(client):
    dates = [
        CourseDateFactory(starts_on=timezone.localdate() + timedelta(days=30 + n))
        for n in range(14)
    ]
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert dates[0].get_absolute_url() in first
    assert dates[13].get_absolute_url() not in first
    assert dates[13].get_absolute_url() in second
    assert "14 upcoming dates" in first


def test_an_htmx_filter_request_gets_only_the_results(client):
    CourseDateFactory(venue_town="Bath")
    response = client.get(LIST, {"town": "Bath"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client):
    response = client.get(
        LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_ids_too_large_for_the_database_are_404(client):
    client.force_login(UserFactory())
    huge = "9" * 25
    for url in [
        f"/courses/some-course/{huge}/",
        f"/courses/some-course/{huge}/enrol/",
        f"/account/courses/{huge}/",
        f"/account/courses/{huge}/cancel/",
    ]:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 12, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    technique = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    for n in range(count):
        CourseDateFactory(
            venue_town=["Bath", "Brighton", "Lewes"][n % 3],
            course=CourseFactory(techniques=[technique]),
        )
    with django_assert_max_num_queries(5):
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(LIST, {"technique": "deep-tissue"}).status_code == 200


# --- course and date pages -----------------------------------------------------------


def test_the_course_page_shows_its_dates_and_schema_org_data(client):
    course = CourseFactory(title="Holistic Massage Diploma")
    bath = CourseDateFactory(course=course, venue_town="Bath")
    past = CourseDateFactory(
        course=course,
        starts_on=timezone.localdate() - timedelta(days=3),
        enrolment_deadline=timezone.localdate() - timedelta(days=10),
    )
    response = client.get(course.get_absolute_url())
    html = response.content.decode()
    assert bath.get_absolute_url() in html
    assert past.get_absolute_url() not in html

    data = json_ld(html)
    assert data["@type"] == "Course"
    assert data["name"] == "Holistic Massage Diploma"
    [instance] = data["hasCourseInstance"]
    assert instance["@type"] == "CourseInstance"
    assert instance["location"]["address"]["addressLocality"] == "Bath"
    assert instance["offers"]["availability"] == "https://schema.org/InStock"
    assert "'nonce-" not in response.headers["Content-Security-Policy"]


def test_json_ld_cannot_close_its_script_tag(client):
    course = CourseFactory(
        title="</script><script>alert(1)</script>", summary="a & b <i>"
    )
    CourseDateFactory(course=course)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "</script><script>alert(1)</script>"


def test_the_course_description_markdown_is_sanitised(client):
    course = CourseFactory(
        description="**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    html = client.get(course.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_a_draft_course_is_404_to_the_public_but_visible_to_staff(client):
    course_date = CourseDateFactory(course=CourseFactory(is_published=False))
    assert client.get(course_date.course.get_absolute_url()).status_code == 404
    assert client.get(course_date.get_absolute_url()).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(course_date.course.get_absolute_url()).status_code == 200
    assert client.get(course_date.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("make_user", [EditorFactory, lambda: staff_with()])
def test_a_draft_course_is_404_to_staff_who_may_not_see_courses(client, make_user):
    course_date = CourseDateFactory(course=CourseFactory(is_published=False))
    client.force_login(make_user())
    assert client.get(course_date.course.get_absolute_url()).status_code == 404
    assert client.get(course_date.get_absolute_url()).status_code == 404


def test_staff_who_may_view_courses_see_a_draft(client):
    course_date = CourseDateFactory(course=CourseFactory(is_published=False))
    client.force_login(staff_with("view_course"))
    assert client.get(course_date.course.get_absolute_url()).status_code == 200
    assert client.get(course_date.get_absolute_url()).status_code == 200


def test_a_date_under_the_wrong_course_slug_is_404(client):
    course_date = CourseDateFactory()
    other = CourseFactory()
    url = reverse("courses:date", args=[other.slug, course_date.pk])
    assert client.get(url).status_code == 404


def test_the_date_page_shows_json_ld_and_an_enrol_button(client):
    course_date = CourseDateFactory(venue_town="Bath")
    html = client.get(course_date.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert (
        data["hasCourseInstance"][0]["startDate"] == course_date.starts_on.isoformat()
    )
    assert enrol_url(course_date) in html
    assert "Class list" not in html


def test_a_full_date_page_offers_the_waiting_list(client):
    course_date = full_course_date(places=1)
    html = client.get(course_date.get_absolute_url()).content.decode()
    assert "Log in to join the waiting list" in html
    client.force_login(UserFactory())
    html = client.get(course_date.get_absolute_url()).content.decode()
    assert (
        reverse(
            "courses:join-waiting-list", args=[course_date.course.slug, course_date.pk]
        )
        in html
    )
    assert "SoldOut" in html


def test_a_cancelled_or_past_date_page_says_so(client):
    cancelled = CourseDateFactory(status=CourseDate.Status.CANCELLED)
    past = CourseDateFactory(
        starts_on=timezone.localdate() - timedelta(days=3),
        enrolment_deadline=timezone.localdate() - timedelta(days=10),
    )
    assert (
        "has been cancelled"
        in client.get(cancelled.get_absolute_url()).content.decode()
    )
    assert "has started" in client.get(past.get_absolute_url()).content.decode()


def test_staff_see_the_class_list_on_the_date_page(client):
    enrolment = EnrolmentFactory(full_name="Rosa Student")
    waiting = WaitingListEntryFactory(course_date=enrolment.course_date)
    client.force_login(StaffFactory())
    html = client.get(enrolment.course_date.get_absolute_url()).content.decode()
    assert "Class list" in html
    assert "Rosa Student" in html
    assert enrolment.student.email in html
    assert waiting.student.email in html


def test_a_blog_editor_does_not_see_the_class_list_or_the_waiting_list(client):
    enrolment = EnrolmentFactory(full_name="Rosa Student", phone="07700 900555")
    waiting = WaitingListEntryFactory(course_date=enrolment.course_date)
    client.force_login(EditorFactory())
    response = client.get(enrolment.course_date.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Class list" not in html
    assert "Staff only" not in html
    assert "Rosa Student" not in html
    assert enrolment.student.email not in html
    assert "07700 900555" not in html
    assert waiting.student.email not in html
    assert (
        reverse(
            "courses:class-list-csv",
            args=[enrolment.course_date.course.slug, enrolment.course_date_id],
        )
        not in html
    )


def test_staff_see_only_the_lists_their_permissions_allow(client):
    enrolment = EnrolmentFactory(full_name="Rosa Student")
    waiting = WaitingListEntryFactory(course_date=enrolment.course_date)
    url = enrolment.course_date.get_absolute_url()

    client.force_login(staff_with("view_enrolment"))
    html = client.get(url).content.decode()
    assert "Rosa Student" in html
    assert waiting.student.email not in html
    assert "Reorder the waiting list" not in html
    assert "Edit in admin" not in html

    client.force_login(staff_with("view_waitinglistentry"))
    html = client.get(url).content.decode()
    assert waiting.student.email in html
    assert "Rosa Student" not in html
    assert enrolment.student.email not in html
    assert "Download CSV" not in html


# --- enrolling -----------------------------------------------------------------------


def test_enrolling_needs_a_login(client):
    course_date = CourseDateFactory()
    response = client.get(enrol_url(course_date))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_student_enrols_and_sees_the_deposit_instructions(client, settings):
    settings.COURSES_DEPOSIT_INSTRUCTIONS = (
        "Pay {deposit} by {deadline}, ref {reference}."
    )
    student = UserFactory(full_name="Rosa Student")
    client.force_login(student)
    course_date = CourseDateFactory()

    form = client.get(enrol_url(course_date))
    assert form.status_code == 200
    assert 'value="Rosa Student"' in form.content.decode()

    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS)

    # Straight on to pay the deposit; the enrolment page keeps the instructions.
    enrolment = Enrolment.objects.get(student=student)
    checkout = Checkout.objects.get(reference=f"enrolment:{enrolment.pk}")
    assert response.url == checkout.url
    assert (checkout.purpose, checkout.amount_pence) == ("deposit", 30000)
    html = client.get(enrolment.get_absolute_url()).content.decode()
    assert "Pay your deposit to confirm your place" in html
    assert "Pay £300 by" in html
    assert "Pay the deposit (£300)" in html
    assert enrolment.reference in html


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"phone": "call me"}, "Enter a phone number"),
        ({"motivation": "   "}, "Answer “Why do you want to take this course?”"),
        ({"experience": "expert"}, "from the list."),
        ({"full_name": ""}, "Enter the full name."),
        ({"motivation": "x" * 1001}, "1000 characters or fewer (it has 1001)."),
    ],
)
def test_an_invalid_enrolment_form_explains_and_changes_nothing(client, changes, error):
    client.force_login(UserFactory())
    course_date = CourseDateFactory()
    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS | changes)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Enrolment.objects.exists()
    course_date.refresh_from_db()
    assert course_date.places_taken == 0


@pytest.mark.parametrize(
    ("make_date", "message"),
    [
        (lambda: full_course_date(places=1), "This course date is full"),
        (
            lambda: CourseDateFactory(
                enrolment_deadline=timezone.localdate() - timedelta(days=1)
            ),
            "Enrolment for this date closed on",
        ),
        (
            lambda: CourseDateFactory(status=CourseDate.Status.CANCELLED),
            "has been cancelled",
        ),
        (
            lambda: CourseDateFactory(
                starts_on=timezone.localdate() - timedelta(days=1),
                enrolment_deadline=timezone.localdate() - timedelta(days=2),
            ),
            "already started",
        ),
    ],
    ids=["full", "deadline", "cancelled", "past"],
)
def test_enrolling_where_it_is_not_allowed_shows_why(client, make_date, message):
    course_date = make_date()
    count = Enrolment.objects.count()
    client.force_login(UserFactory())

    page = client.get(enrol_url(course_date)).content.decode()
    assert message in page
    assert "Reserve my place" not in page

    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Enrolment.objects.count() == count


def test_enrolling_twice_through_the_page_says_so(client):
    student = UserFactory()
    client.force_login(student)
    course_date = CourseDateFactory()
    client.post(enrol_url(course_date), ENROLMENT_DETAILS)
    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS)
    assert "already enrolled" in response.content.decode()
    assert Enrolment.objects.filter(student=student).count() == 1


def test_a_student_takes_an_offered_place_from_the_date_page(client):
    course_date = CourseDateFactory(places=1)
    offer = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    client.force_login(offer.student)
    html = client.get(course_date.get_absolute_url()).content.decode()
    assert "A place is held for you" in html
    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == WaitingListEntry.Status.ENROLLED


# --- the waiting list pages ----------------------------------------------------------


def test_joining_and_leaving_the_waiting_list(client):
    course_date = full_course_date(places=1)
    student = UserFactory()
    client.force_login(student)
    join = reverse(
        "courses:join-waiting-list", args=[course_date.course.slug, course_date.pk]
    )

    response = client.post(join, follow=True)
    assert "You are on the waiting list" in response.content.decode()
    entry = WaitingListEntry.objects.get(student=student)

    response = client.post(join, follow=True)
    assert "already on the waiting list" in response.content.decode()

    leave = reverse("courses:leave-waiting-list", args=[entry.pk])
    response = client.post(leave, follow=True)
    assert "You have left the waiting list" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.LEFT


def test_joining_the_waiting_list_of_a_date_with_places_says_enrol(client):
    course_date = CourseDateFactory()
    client.force_login(UserFactory())
    join = reverse(
        "courses:join-waiting-list", args=[course_date.course.slug, course_date.pk]
    )
    response = client.post(join, follow=True)
    assert "you can enrol now" in response.content.decode()
    assert not WaitingListEntry.objects.exists()


def test_the_waiting_list_is_joined_by_post_only(client):
    course_date = full_course_date(places=1)
    client.force_login(UserFactory())
    join = reverse(
        "courses:join-waiting-list", args=[course_date.course.slug, course_date.pk]
    )
    assert client.get(join).status_code == 405
    assert not WaitingListEntry.objects.exists()


def test_someone_elses_waiting_list_entry_is_404(client):
    entry = WaitingListEntryFactory()
    client.force_login(UserFactory())
    response = client.post(reverse("courses:leave-waiting-list", args=[entry.pk]))
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING


# --- my courses ----------------------------------------------------------------------


def test_my_courses_lists_enrolments_and_waiting_lists(client):
    student = UserFactory()
    enrolment = EnrolmentFactory(student=student)
    full = full_course_date(places=1)
    WaitingListEntryFactory(course_date=full, position=1)
    WaitingListEntryFactory(course_date=full, student=student, position=2)
    EnrolmentFactory()  # someone else's
    client.force_login(student)

    html = client.get(reverse("courses:mine")).content.decode()

    assert enrolment.get_absolute_url() in html
    assert "Reserved – deposit due" in html
    assert "1 ahead of you" in html
    assert Enrolment.objects.exclude(student=student).first().reference not in html


def test_my_courses_empty_state(client):
    client.force_login(UserFactory())
    html = client.get(reverse("courses:mine")).content.decode()
    assert "You have not enrolled on a course yet" in html


@pytest.mark.parametrize("count", [1, 25])
def test_my_courses_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    student = UserFactory()
    for _ in range(count):
        EnrolmentFactory(student=student)
        WaitingListEntryFactory(student=student, course_date=full_course_date(1))
    client.force_login(student)
    # Session and user, then the enrolments' count and page, then the waiting lists.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("courses:mine")).status_code == 200


def test_my_courses_is_paginated(client):
    student = UserFactory()
    for _ in range(12):
        EnrolmentFactory(student=student)
    client.force_login(student)
    assert (
        'aria-label="Enrolment pages"'
        in client.get(reverse("courses:mine")).content.decode()
    )
    assert client.get(reverse("courses:mine"), {"page": "x"}).status_code == 200


def test_another_students_enrolment_is_404(client):
    enrolment = EnrolmentFactory()
    client.force_login(UserFactory())
    assert client.get(enrolment.get_absolute_url()).status_code == 404
    cancel = reverse("courses:cancel", args=[enrolment.pk])
    assert client.get(cancel).status_code == 404
    assert client.post(cancel).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.RESERVED


def test_even_staff_see_enrolments_through_the_admin_not_the_student_page(client):
    enrolment = EnrolmentFactory()
    client.force_login(StaffFactory())
    assert client.get(enrolment.get_absolute_url()).status_code == 404


def test_a_student_cancels_their_enrolment(client):
    enrolment = EnrolmentFactory()
    client.force_login(enrolment.student)
    cancel = reverse("courses:cancel", args=[enrolment.pk])
    assert "Cancel your enrolment?" in client.get(cancel).content.decode()
    response = client.post(cancel, follow=True)
    assert "Your enrolment is cancelled." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    enrolment.course_date.refresh_from_db()
    assert enrolment.course_date.places_taken == 0


def test_cancelling_an_already_cancelled_enrolment_explains(client):
    enrolment = EnrolmentFactory()
    client.force_login(enrolment.student)
    cancel = reverse("courses:cancel", args=[enrolment.pk])
    client.post(cancel)
    response = client.post(cancel)
    assert response.status_code == 200
    assert "already cancelled" in response.content.decode()


# --- the class list ------------------------------------------------------------------


def test_staff_download_a_class_list_csv(client):
    enrolment = EnrolmentFactory(full_name="=HYPERLINK(evil)", phone="+44 7700 900123")
    EnrolmentFactory(
        course_date=enrolment.course_date, status=Enrolment.Status.CONFIRMED
    )
    cancelled = EnrolmentFactory(course_date=enrolment.course_date)
    Enrolment.objects.filter(pk=cancelled.pk).update(status=Enrolment.Status.CANCELLED)
    url = reverse(
        "courses:class-list-csv",
        args=[enrolment.course_date.course.slug, enrolment.course_date.pk],
    )
    client.force_login(StaffFactory())

    response = client.get(url)

    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("reference,course,town")
    assert len(lines) == 3
    assert "'=HYPERLINK(evil)" in text
    assert "'+44 7700 900123" in text
    assert cancelled.reference not in text


@pytest.mark.parametrize(
    "make_user", [UserFactory, EditorFactory, lambda: staff_with("view_course")]
)
def test_the_class_list_csv_is_404_without_the_enrolment_permission(client, make_user):
    enrolment = EnrolmentFactory()
    course_date = enrolment.course_date
    url = reverse(
        "courses:class-list-csv", args=[course_date.course.slug, course_date.pk]
    )
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 404
    assert "text/csv" not in response.get("Content-Type", "")
    assert enrolment.phone not in response.content.decode()


def test_staff_with_the_enrolment_permission_download_the_class_list(client):
    enrolment = EnrolmentFactory()
    course_date = enrolment.course_date
    url = reverse(
        "courses:class-list-csv", args=[course_date.course.slug, course_date.pk]
    )
    client.force_login(staff_with("view_enrolment"))
    response = client.get(url)
    assert response.status_code == 200
    assert enrolment.reference in response.content.decode()


def test_the_class_list_csv_asks_a_visitor_to_log_in(client):
    course_date = CourseDateFactory()
    url = reverse(
        "courses:class-list-csv", args=[course_date.course.slug, course_date.pk]
    )
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_account_menu_links_to_my_courses(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("courses:mine")}"' in html
    assert f'href="{LIST}"' in html


def test_a_student_takes_an_offered_place_after_staff_closed_the_date(client):
    course_date = CourseDateFactory(places=1)
    entry = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    CourseDate.objects.filter(pk=course_date.pk).update(status=CourseDate.Status.CLOSED)
    client.force_login(entry.student)

    html = client.get(course_date.get_absolute_url()).content.decode()
    assert "Take the place" in html
    assert "Enrolment for this course date is closed" not in html
    response = client.post(enrol_url(course_date), ENROLMENT_DETAILS)

    enrolment = Enrolment.objects.get(student=entry.student)
    assert response.status_code == 302
    assert response.url.startswith("/payments/test-checkout/")
    assert enrolment.status == Enrolment.Status.RESERVED


def test_a_lapsed_offer_not_yet_expired_by_the_job_says_so_on_the_date_page(client):
    course_date = CourseDateFactory(places=1)
    entry = WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(entry.student)
    html = client.get(course_date.get_absolute_url()).content.decode()
    assert "that time has passed" in html
    assert "next person" not in html
    assert "Take the place" not in html
    assert "Offer expired" in client.get(reverse("courses:mine")).content.decode()


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("Pay {deposit} quoting {reference}.", "Pay £300 quoting ENR-"),
        ("Pay {deposit} {unknown}.", "Pay £300 ."),
        ("Pay {deposit by card.", "Pay {deposit by card."),
    ],
)
def test_deposit_instructions_survive_a_badly_written_setting(
    settings, setting, expected
):
    settings.COURSES_DEPOSIT_INSTRUCTIONS = setting
    assert EnrolmentFactory().deposit_instructions.startswith(expected)


def test_course_pages_load_nothing_from_another_host(client):
    course_date = CourseDateFactory()
    client.force_login(StaffFactory())
    for url in [
        LIST,
        course_date.course.get_absolute_url(),
        course_date.get_absolute_url(),
        enrol_url(course_date),
        reverse("courses:mine"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        for asset in loaded_urls(response.content.decode()):
            assert not urlparse(asset).netloc, f"{url} loads {asset}"


def test_a_filter_off_the_list_is_ignored_and_named_with_a_link(client):
    response = client.get(LIST, {"technique": "no-such-technique"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not understood and are ignored:" in html
    assert 'href="#id_technique">Choose a technique from the list.</a>' in html
