"""config.sessions: sessions in the database, read with one query written once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.sessions import SessionStore
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_site_uses_it():
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_saved_session_is_read_back_with_one_plain_query():
    store = SessionStore()
    store["basket"] = [1, 2]
    store.save()
    again = SessionStore(store.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert again["basket"] == [1, 2]
    assert len(queries) == 1
    assert queries[0]["sql"].startswith(
        'SELECT "session_data", "expire_date" FROM "django_session"'
    )
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key():
    store = SessionStore()
    store["basket"] = [1]
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert "basket" not in unknown
    unknown["basket"] = [2]
    unknown.save()
    assert unknown.session_key != "x" * 32
    assert SessionStore(unknown.session_key)["basket"] == [2]


def test_no_key_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert SessionStore(None).load() == {}


def test_signing_in_and_out_still_works(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/email/").status_code == 200
    client.logout()
    assert client.get("/accounts/email/").status_code == 302
