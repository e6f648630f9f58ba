"""users.backends.Backend.get_user: the signed-in user and their practitioner
profile in one query written once per process."""

import pytest
from django.db import connection

from directory.models import Practitioner
from tests.directory.factories import PractitionerFactory
from tests.users.factories import UserFactory
from users import backends
from users.backends import Backend

pytestmark = pytest.mark.django_db


def test_a_practitioner_comes_with_their_profile(django_assert_num_queries):
    practitioner = PractitionerFactory(display_name="Ada Hughes")
    with django_assert_num_queries(1):
        user = Backend().get_user(practitioner.user.pk)
        assert user == practitioner.user
        assert user.email == practitioner.user.email
        assert user.practitioner.display_name == "Ada Hughes"
        assert user.practitioner.user is user
        assert user.practitioner.price_from == practitioner.price_from


def test_someone_without_a_profile_has_none_and_no_query_asks(
    django_assert_num_queries,
):
    person = UserFactory()
    with django_assert_num_queries(1):
        user = Backend().get_user(person.pk)
        assert user == person
        with pytest.raises(Practitioner.DoesNotExist):
            user.practitioner  # noqa: B018 - the lookup is the test
    assert not hasattr(user, "practitioner")


def test_an_unknown_or_inactive_user_is_nobody():
    person = UserFactory(is_active=False)
    assert Backend().get_user(person.pk) is None
    assert Backend().get_user(person.pk + 1000) is None
    assert Backend().get_user(str(UserFactory().pk)) is not None


def test_the_query_is_written_once_and_needs_no_converters():
    assert backends._joined_sql(connection.alias) is not None
    assert backends._joined_sql(connection.alias) is backends._joined_sql(
        connection.alias
    )


def test_the_menu_still_knows_a_practitioner(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    assert "Profile and places" in client.get("/practitioners/").content.decode()
    client.force_login(UserFactory())
    assert "Profile and places" not in client.get("/practitioners/").content.decode()


def test_the_plan_is_worked_out_once_per_database():
    plan = backends._plan(connection.alias)
    assert plan is backends._plan(connection.alias)
    assert plan.sql == backends._joined_sql(connection.alias)
    assert plan.user_attnames[0] == "id"
    assert plan.profile_model is Practitioner


def test_without_a_plan_the_orm_loads_the_same_user_and_profile(
    monkeypatch, django_assert_num_queries
):
    practitioner = PractitionerFactory(display_name="Ada Hughes")
    monkeypatch.setattr(backends, "_plan", lambda alias: None)
    with django_assert_num_queries(1):
        user = Backend().get_user(practitioner.user.pk)
        assert user.practitioner.display_name == "Ada Hughes"
    assert Backend().get_user(practitioner.user.pk + 1000) is None


def test_a_changed_app_list_is_planned_anew(settings):
    backends._plan(connection.alias)
    assert backends._plan.cache_info().currsize == 1
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "directory"
    ]
    assert backends._plan.cache_info().currsize == 0
    person = UserFactory()
    assert backends._plan(connection.alias) is None
    assert Backend().get_user(person.pk) == person


def test_an_offered_user_is_answered_without_a_query_for_that_id_only(
    django_assert_num_queries,
):
    offered, other = UserFactory(), UserFactory()
    with backends.offering(offered.pk, offered):
        with django_assert_num_queries(0):
            assert Backend().get_user(offered.pk) is offered
        with django_assert_num_queries(1):
            assert Backend().get_user(other.pk) == other
    with django_assert_num_queries(1):
        assert Backend().get_user(offered.pk) == offered


def test_an_offered_absence_or_inactive_user_is_nobody(django_assert_num_queries):
    inactive = UserFactory(is_active=False)
    with backends.offering(inactive.pk, inactive), django_assert_num_queries(0):
        assert Backend().get_user(inactive.pk) is None
    with backends.offering(12345, None), django_assert_num_queries(0):
        assert Backend().get_user(12345) is None


def test_practitioner_profile_is_the_profile_or_none(django_assert_num_queries):
    practitioner = PractitionerFactory()
    person = Backend().get_user(UserFactory().pk)
    user = Backend().get_user(practitioner.user.pk)
    with django_assert_num_queries(0):
        assert person.practitioner_profile is None
        assert user.practitioner_profile == practitioner
