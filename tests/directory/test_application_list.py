"""The staff list of practitioner applications (/staff/applications/)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from directory.models import Practitioner
from directory.review_views import APPLICATIONS_PAGE_SIZE
from tests.directory.factories import PractitionerFactory
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("directory:applications")
APPLIED = Practitioner.Status.APPLIED


def practitioner(name: str, status: str, *, created: int, changed=None):
    """A profile created `created` days ago whose status was set `changed` days
    ago (None: never changed since it was sent)."""
    now = timezone.now()
    made = PractitionerFactory(display_name=name, status=status)
    Practitioner.objects.filter(pk=made.pk).update(
        created_at=now - timedelta(days=created),
        status_changed_at=None if changed is None else now - timedelta(days=changed),
    )
    return made


def names(response) -> list[str]:
    return [p.display_name for p in response.context["page"].object_list]


def staff_who_may_review():
    """Staff without superuser powers, given the one permission the page needs."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_practitioner"))
    return user


def test_waiting_applications_come_first_the_longest_waiting_at_the_top(client):
    practitioner("Recent", APPLIED, created=1)
    practitioner("Oldest", APPLIED, created=3)
    # Sent 10 days ago, refused, sent again 2 days ago: it waits from then.
    practitioner("Sent again", APPLIED, created=10, changed=2)
    practitioner("Approved long ago", "approved", created=20, changed=15)
    practitioner("Refused yesterday", "refused", created=4, changed=1)
    practitioner("Never changed", "approved", created=30)
    client.force_login(StaffFactory())

    response = client.get(URL)

    assert response.status_code == 200
    assert names(response) == [
        "Oldest",
        "Sent again",
        "Recent",
        # Then the decided ones, the latest decision first.
        "Refused yesterday",
        "Approved long ago",
        "Never changed",
    ]
    page = response.content.decode()
    assert "3 applications waiting for review, the longest waiting first." in page
    oldest = Practitioner.objects.get(display_name="Oldest")
    assert reverse("directory:application-review", args=[oldest.pk]) in page
    assert page.count("Waiting for review") == 3
    assert "Application refused" in page
    assert "no-store" in response["Cache-Control"]


def test_one_waiting_application_is_counted_in_the_singular(client):
    practitioner("Ada Applicant", APPLIED, created=2)
    client.force_login(StaffFactory())
    page = client.get(URL).content.decode()
    assert "1 application waiting for review, the longest waiting first." in page
    assert re.search(r"Sent \d+ \w+ \d{4} \(2\xa0days ago\)", page)


def test_with_no_application_the_page_says_so(client):
    client.force_login(StaffFactory())
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "No application is waiting for review." in page
    assert "No practitioner has applied yet." in page
    assert 'aria-label="Application pages"' not in page


def test_with_every_application_decided_none_is_said_to_wait(client):
    practitioner("Ada Approved", "approved", created=5, changed=1)
    client.force_login(StaffFactory())
    page = client.get(URL).content.decode()
    assert "No application is waiting for review." in page
    assert "Ada Approved" in page
    assert "No practitioner has applied yet." not in page


def test_the_list_is_paginated_and_an_unknown_page_is_said_plainly(client):
    for n in range(APPLICATIONS_PAGE_SIZE + 1):
        practitioner(f"Applicant {n:02d}", APPLIED, created=100 - n)
    client.force_login(StaffFactory())

    first = client.get(URL)
    assert len(names(first)) == APPLICATIONS_PAGE_SIZE
    assert names(first)[0] == "Applicant 00"
    assert 'aria-label="Application pages"' in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert names(second) == [f"Applicant {APPLICATIONS_PAGE_SIZE:02d}"]
    assert "26 applications waiting" in second.content.decode()

    for asked, shown in [("99", 2), ("abc", 1)]:
        response = client.get(URL, {"page": asked})
        assert response.status_code == 200
        assert response.context["page"].number == shown
        assert f"There is no page “{asked}”; showing page {shown}." in (
            response.content.decode()
        )


@pytest.mark.parametrize("rows", [1, APPLICATIONS_PAGE_SIZE + 3])
def test_the_list_costs_the_same_few_queries_whatever_its_length(
    client, django_assert_num_queries, rows
):
    for n in range(rows):
        practitioner(f"Applicant {n}", APPLIED if n % 2 else "refused", created=n + 1)
    client.force_login(staff_who_may_review())
    # The session with the user, the staff two-factor check, their permissions
    # (two), the counts, the page.
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(names(response)) == min(rows, APPLICATIONS_PAGE_SIZE)


def test_staff_with_the_permission_open_it_without_being_superusers(client):
    practitioner("Ada Applicant", APPLIED, created=2)
    client.force_login(staff_who_may_review())
    assert "Ada Applicant" in client.get(URL).content.decode()


def test_anyone_else_is_sent_to_log_in_or_finds_nothing(client):
    practitioner("Ada Applicant", APPLIED, created=2)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    applicant = Practitioner.objects.get(display_name="Ada Applicant").user
    for user in [
        UserFactory(),
        applicant,
        PractitionerFactory().user,
        UserFactory(is_staff=True),  # staff without the permission
    ]:
        client.force_login(user)
        assert client.get(URL).status_code == 404
    client.force_login(StaffFactory())
    assert client.post(URL).status_code == 405


def test_the_admin_index_links_to_it_for_staff_who_may_review(client):
    link = f'href="{URL}"'
    client.force_login(StaffFactory())
    assert link in client.get(reverse("admin:index")).content.decode()
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert "Site administration" in page and link not in page


def test_the_review_screen_leads_back_to_the_list(client):
    applicant = practitioner("Ada Applicant", APPLIED, created=2)
    client.force_login(StaffFactory())
    review = reverse("directory:application-review", args=[applicant.pk])
    assert f'<a href="{URL}">Applications</a>' in client.get(review).content.decode()
