"""The page cache (core/pagecache.py): anonymous pages served from the cache, the
next request after any change that shows on them rendered again, nothing of one
visitor ever shown to another, and conditional GETs answered with 304."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from bookings import next_free
from bookings.models import WeeklyHours
from core import pagecache
from courses import services as course_services
from directory import services as directory_services
from directory.models import Practitioner
from directory.templatetags.directory import next_free_label
from notifications.models import OutboundEmail
from reviews import services as review_services
from tests.blog.factories import PostFactory
from tests.bookings.factories import TimeOffFactory, book, bookable_service
from tests.clock import LONDON, future_day, london_at
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import PlaceFactory, PractitionerFactory
from tests.reviews.factories import completed_booking
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what the services' transactions do after commit, as the site would."""

    def run(work):
        with django_capture_on_commit_callbacks(execute=True):
            return work()

    return run


def cached(client, url, django_assert_num_queries):
    """The page, asserting it came from the cache (no query at all)."""
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def fresh(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- every anonymous page is cached ------------------------------------------------


@pytest.fixture
def site_pages():
    practitioner = PractitionerFactory()
    post = PostFactory()
    course_date = CourseDateFactory(course=CourseFactory(is_published=True))
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    technique = practitioner.techniques.model.objects.first()
    return [
        reverse("home"),
        reverse("blog:list"),
        post.get_absolute_url(),
        practitioner.get_absolute_url(),
        reverse("courses:list"),
        course_date.course.get_absolute_url(),
        reverse("courses:date", args=[course_date.course.slug, course_date.pk]),
        reverse("directory:town", args=["brighton"]),
        reverse("directory:techniques"),
        reverse("directory:technique", args=[technique.slug]),
    ]


def test_every_anonymous_page_is_served_from_the_cache_the_second_time(
    client, site_pages, django_assert_num_queries
):
    for url in site_pages:
        first = fresh(client, url)
        again = cached(client, url, django_assert_num_queries)
        # The same page, but for its nonce.
        assert NONCE.sub("", again) == NONCE.sub("", first), url


def test_the_cache_is_off_with_no_seconds(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    post = PostFactory()
    fresh(client, post.get_absolute_url())
    response = client.get(post.get_absolute_url())
    assert "ETag" not in response
    Post.objects.filter(pk=post.pk).update(title="Changed by hand")
    assert "Changed by hand" in fresh(client, post.get_absolute_url())


# --- exact invalidation ------------------------------------------------------------


def test_an_edited_post_shows_on_its_page_and_the_list_at_once(
    client, django_assert_num_queries
):
    post = PostFactory(title="First title")
    for url in (post.get_absolute_url(), reverse("blog:list")):
        assert "First title" in fresh(client, url)
        cached(client, url, django_assert_num_queries)
    post.title = "Second title"
    post.save()
    for url in (post.get_absolute_url(), reverse("blog:list")):
        html = fresh(client, url)
        assert "Second title" in html
        assert "First title" not in html


def test_a_bulk_update_outside_the_models_invalidates_too(client):
    post = PostFactory(title="Before the update")
    fresh(client, post.get_absolute_url())
    # QuerySet.update() sends no signal; the page cache still sees the write.
    Post.objects.filter(pk=post.pk).update(title="After the update")
    assert "After the update" in fresh(client, post.get_absolute_url())


def test_raw_sql_invalidates_too(client):
    post = PostFactory(title="Before raw SQL")
    fresh(client, post.get_absolute_url())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Post._meta.db_table} SET title = %s WHERE id = %s",
            ["After raw SQL", post.pk],
        )
    assert "After raw SQL" in fresh(client, post.get_absolute_url())


def test_a_write_rolled_back_keeps_the_stored_page(client, django_assert_num_queries):
    post = PostFactory(title="Kept")
    fresh(client, post.get_absolute_url())
    with pytest.raises(RuntimeError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title="Never committed")
        raise RuntimeError
    assert "Kept" in cached(client, post.get_absolute_url(), django_assert_num_queries)


def test_a_write_is_seen_only_once_it_commits(
    client, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Committed title")
    key = pagecache.GENERATION_PREFIX + Post._meta.db_table
    before = pagecache._cache().get(key)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title="Pending title")
        # Not committed yet: nothing is bumped.
        assert pagecache._cache().get(key) == before
    assert pagecache._cache().get(key) != before


def test_a_write_to_a_table_the_page_never_read_keeps_it(
    client, django_assert_num_queries
):
    post = PostFactory()
    url = post.get_absolute_url()
    fresh(client, url)
    OutboundEmail.objects.filter(pk=-1).update(subject="Nothing")  # the outbox
    cached(client, url, django_assert_num_queries)
    # A table it did read: rendered again.
    UserFactory()
    PostFactory()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) > 0


def test_a_new_review_shows_on_the_profile_at_once(client, commits):
    booking = completed_booking()
    url = booking.practitioner.get_absolute_url()
    assert "Wonderful, my back feels new" not in fresh(client, url)
    review = commits(
        lambda: review_services.write_review(
            booking=booking, rating=5, text="Wonderful, my back feels new."
        )
    )
    assert review.status == review.Status.PUBLISHED
    assert "Wonderful, my back feels new" in fresh(client, url)


def test_an_approved_practitioner_appears_at_once(client, commits):
    practitioner = PractitionerFactory(status=Practitioner.Status.APPLIED)
    url = practitioner.get_absolute_url()
    assert client.get(url).status_code == 404
    commits(
        lambda: directory_services.set_status(
            practitioner=practitioner, status=Practitioner.Status.APPROVED
        )
    )
    assert practitioner.display_name in fresh(client, url)


def test_a_suspended_practitioner_disappears_at_once(client, commits):
    practitioner = PractitionerFactory()
    url = practitioner.get_absolute_url()
    fresh(client, url)
    commits(
        lambda: directory_services.set_status(
            practitioner=practitioner,
            status=Practitioner.Status.SUSPENDED,
            reason="Insurance lapsed",
        )
    )
    assert client.get(url).status_code == 404


@pytest.fixture
def bookable(commits):
    service = bookable_service(hours=((9, 17),), duration=60)
    commits(lambda: next_free.refresh(service.practitioner))
    return service


def test_a_booking_that_takes_the_next_free_time_shows_at_once(
    client, bookable, commits
):
    url = bookable.practitioner.get_absolute_url()
    bookable.practitioner.refresh_from_db()
    first_free = bookable.practitioner.next_free_at
    label = next_free_label(bookable.practitioner)
    assert label in fresh(client, url)
    commits(lambda: book(bookable, first_free))
    bookable.practitioner.refresh_from_db()
    assert bookable.practitioner.next_free_at > first_free
    after = fresh(client, url)
    assert label not in after
    assert next_free_label(bookable.practitioner) in after


def test_changed_hours_and_time_off_show_at_once(client, bookable, commits):
    practitioner = bookable.practitioner
    url = practitioner.get_absolute_url()
    fresh(client, url)
    # Time off over the next three days.
    start = london_at(future_day(0), 0)
    commits(
        lambda: (
            TimeOffFactory(
                practitioner=practitioner,
                starts_at=start,
                ends_at=start + timedelta(days=4),
            ),
            next_free.refresh(practitioner),
        )
    )
    practitioner.refresh_from_db()
    assert practitioner.next_free_at >= start + timedelta(days=4)
    assert next_free_label(practitioner) in fresh(client, url)
    # Later hours every day.
    commits(
        lambda: (
            WeeklyHours.objects.filter(practitioner=practitioner).update(
                start_time="13:00"
            ),
            next_free.refresh(practitioner),
        )
    )
    practitioner.refresh_from_db()
    assert f"{practitioner.next_free_at.astimezone(LONDON):%H:%M}" == "13:00"
    assert next_free_label(practitioner) in fresh(client, url)


def test_a_place_taken_and_a_new_course_date_show_at_once(client, commits):
    course = CourseFactory(is_published=True)
    course_date = CourseDateFactory(course=course, places=3)
    date_url = reverse("courses:date", args=[course.slug, course_date.pk])
    for url in (date_url, reverse("courses:list")):
        assert "3 places left" in fresh(client, url)
    student = UserFactory()
    commits(
        lambda: course_services.enrol_student(
            course_date=course_date,
            student=student,
            full_name="Sam Student",
            phone="01273 123456",
            experience="None",
            motivation="To help people.",
        )
    )
    for url in (date_url, reverse("courses:list")):
        assert "2 places left" in fresh(client, url)
    fresh(client, course.get_absolute_url())
    later = CourseDateFactory(course=course, venue_town="Bath")
    assert "Bath" in fresh(client, course.get_absolute_url())
    assert later.pk


# --- the clock ---------------------------------------------------------------------


def test_a_page_is_not_kept_past_the_moment_its_next_free_time_stops_holding(
    client, bookable
):
    practitioner = bookable.practitioner
    url = practitioner.get_absolute_url()
    stale_at = timezone.now() + timedelta(minutes=10)
    Practitioner.objects.filter(pk=practitioner.pk).update(next_free_stale_at=stale_at)
    fresh(client, url)
    key = pagecache._page_key(RequestFactory().get(url))
    cache = pagecache._cache()
    # The stored page expires with the answer it shows (10 minutes, not an hour).
    assert cache.get(key) is not None
    expires = cache._expire_info[cache.make_and_validate_key(key)]
    assert expires - timezone.now().timestamp() <= 600 + 1


def test_a_next_free_time_that_no_longer_holds_does_not_stop_the_page_being_kept(
    client, bookable, django_assert_num_queries
):
    # The answer stopped holding (the job has not refreshed it yet): the profile
    # shows no time, and keeps showing none until that refresh writes.
    practitioner = bookable.practitioner
    Practitioner.objects.filter(pk=practitioner.pk).update(
        next_free_stale_at=timezone.now() - timedelta(minutes=1)
    )
    url = practitioner.get_absolute_url()
    assert "Next free" not in fresh(client, url)
    cached(client, url, django_assert_num_queries)


def test_a_scheduled_post_appears_when_its_time_comes(client):
    PostFactory(title="Already out")
    soon = timezone.now() + timedelta(minutes=5)
    PostFactory(title="Coming soon", publish_at=soon)
    fresh(client, reverse("blog:list"))
    key = pagecache._page_key(RequestFactory().get(reverse("blog:list")))
    cache = pagecache._cache()
    expires = cache._expire_info[cache.make_and_validate_key(key)]
    assert expires <= soon.timestamp() + 1


def test_no_page_is_kept_past_midnight(client):
    post = PostFactory()
    fresh(client, post.get_absolute_url())
    key = pagecache._page_key(RequestFactory().get(post.get_absolute_url()))
    cache = pagecache._cache()
    expires = cache._expire_info[cache.make_and_validate_key(key)]
    midnight = pagecache._next_midnight(timezone.now())
    assert expires <= midnight.timestamp() + 1


# --- nothing of one visitor is shown to another ------------------------------------


@pytest.mark.urls("tests.cache.nonce_urls")
def test_each_visitor_gets_their_own_nonce_matching_the_policy(client):
    url = "/test-page-with-script/"
    nonces = []
    for _ in range(3):
        response = Client().get(url)
        nonce = NONCE.search(response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3
    # Stored once, served twice from the cache.
    assert NONCE.sub("", Client().get(url).content.decode()) == NONCE.sub(
        "", response.content.decode()
    )


def test_json_ld_is_data_and_a_stored_page_of_it_makes_no_nonce(client):
    """Structured data is not a script the browser runs, so the policy does not
    govern it: the blog post's JSON-LD carries no nonce, and serving the stored
    page makes none (a nonce costs a stored page a quarter of its speed)."""
    url = PostFactory().get_absolute_url()
    for _ in range(2):
        response = Client().get(url)
        assert b"application/ld+json" in response.content
        assert b"nonce" not in response.content
        assert "'nonce-" not in response["Content-Security-Policy"]


def test_a_signed_in_visitor_never_gets_or_leaves_a_stored_page(client):
    post = PostFactory()
    url = post.get_absolute_url()
    anonymous = fresh(client, url)
    assert "Log in" in anonymous
    member = UserFactory(full_name="Morgana Fay")
    signed_in = Client()
    signed_in.force_login(member)
    html = signed_in.get(url).content.decode()
    assert "Morgana" in html
    assert "Log in" not in html
    # What the member saw was not stored for others.
    assert "Morgana" not in Client().get(url).content.decode()


def test_a_visitor_with_a_message_waiting_sees_it_and_nobody_else_does(client):
    post = PostFactory()
    url = post.get_absolute_url()
    fresh(client, url)
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Your booking is confirmed.")
    response = HttpResponse()
    storage.update(response)
    visitor = Client()
    visitor.cookies["messages"] = response.cookies["messages"].value
    assert "Your booking is confirmed." in visitor.get(url).content.decode()
    assert "Your booking is confirmed." not in Client().get(url).content.decode()


def test_a_stored_page_keeps_the_vary_of_its_view(client, django_assert_num_queries):
    fresh(client, reverse("courses:list"))
    with django_assert_num_queries(0):
        response = client.get(reverse("courses:list"))
    assert "HX-Request" in response["Vary"]
    assert "Cookie" in response["Vary"]


def test_a_post_and_an_htmx_request_are_never_served_from_the_cache(
    client, django_assert_max_num_queries
):
    fresh(client, reverse("courses:list"))
    response = client.get(reverse("courses:list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()  # the results only
    assert client.post(reverse("home")).status_code == 405


def test_a_csrf_token_is_replaced_by_each_visitors_own(rf):
    from django.middleware.csrf import CsrfViewMiddleware, get_token
    from django.template import engines

    template = engines["django"].from_string(
        '<form method="post">{% csrf_token %}</form><p>{{ request.path }}</p>'
    )

    @pagecache.cache_public_page
    def view(request):
        from django.http import HttpResponse

        return HttpResponse(template.render({}, request))

    def visit(cookie=None):
        request = rf.get("/form/")
        if cookie:
            request.COOKIES["csrftoken"] = cookie
        from django.contrib.auth.models import AnonymousUser
        from django.contrib.messages.storage.fallback import FallbackStorage

        request.user = AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        CsrfViewMiddleware(lambda r: None).process_request(request)
        response = view(request)
        token = re.search(r'value="([A-Za-z0-9]{64})"', response.content.decode())
        return request, token.group(1)

    first_request, first_token = visit(cookie="a" * 32)
    second_request, second_token = visit(cookie="b" * 32)
    assert first_token != second_token
    # Each page's token belongs to its own visitor's CSRF secret.
    from django.middleware.csrf import _does_token_match

    assert _does_token_match(second_token, "b" * 32)
    assert not _does_token_match(second_token, "a" * 32)
    assert get_token(second_request)


# --- conditional GET ---------------------------------------------------------------


def test_an_unchanged_page_answers_304_and_a_changed_one_200(client):
    post = PostFactory(title="Unchanged")
    url = post.get_absolute_url()
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    Post.objects.filter(pk=post.pk).update(title="Changed")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Changed" in changed.content.decode()
    # The first request after a change can answer 304 too, once the page is stored.
    assert (
        client.get(url, headers={"If-None-Match": changed["ETag"]}).status_code == 304
    )


def test_the_first_render_answers_304_when_the_page_is_unchanged(client):
    post = PostFactory()
    url = post.get_absolute_url()
    etag = client.get(url)["ETag"]
    pagecache._cache().delete(pagecache._page_key(RequestFactory().get(url)))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


# --- which statements count as writes ----------------------------------------------


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ('SELECT "blog_post"."id" FROM "blog_post"', set()),
        ('INSERT INTO "blog_post" ("title") VALUES (%s)', {"blog_post"}),
        ('UPDATE "blog_post" SET "title" = %s', {"blog_post"}),
        ('DELETE FROM "blog_post" WHERE "id" = %s', {"blog_post"}),
        (
            "UPDATE directory_practitioner AS p SET x = v.x FROM (VALUES (1)) AS v",
            {"directory_practitioner", "directory_location"},
        ),
        (
            # Migration directory 0014's triggers copy these onto the locations.
            'UPDATE "directory_practitioner" SET "status" = %s',
            {"directory_practitioner", "directory_location"},
        ),
        (
            'DELETE FROM "directory_practitioner_techniques" WHERE "id" = %s',
            {"directory_practitioner_techniques", "directory_location"},
        ),
        ("SAVEPOINT s1", set()),
        ('TRUNCATE "blog_post"', {pagecache.EVERYTHING}),
        ('ALTER TABLE "blog_post" ADD COLUMN x int', {pagecache.EVERYTHING}),
    ],
)
def test_statements_are_read_for_the_tables_they_write(sql, tables):
    assert pagecache._written(sql) == tables


def test_every_connection_reports_its_writes():
    connection.ensure_connection()
    assert pagecache._execute_wrapper in connection.execute_wrappers
