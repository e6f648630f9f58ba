"""config.sessions: sessions in the database (users.Session), read with the
signed-in user and their practitioner profile in one query."""

import importlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.sessions import SessionStore
from tests.directory.factories import PractitionerFactory
from tests.users.factories import TEST_PASSWORD, StaffFactory, UserFactory
from users.models import Session

pytestmark = pytest.mark.django_db

ACCOUNT = "/accounts/email/"  # a page that needs a signed-in person


def signed_in_store(user) -> SessionStore:
    """A session as django.contrib.auth.login leaves it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store


def with_cookie(client, key):
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def session_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if "users_session" in q["sql"]]


def user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "users_user"' in q["sql"]]


def test_the_site_uses_it_and_its_own_model():
    assert settings.SESSION_ENGINE == "config.sessions"
    assert SessionStore.get_model_class() is Session
    assert Session.get_session_store_class() is SessionStore


def test_a_saved_session_is_read_back_with_one_query():
    store = SessionStore()
    store["basket"] = [1, 2]
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    again = SessionStore(store.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert again["basket"] == [1, 2]
    assert len(queries) == 1
    # Logged as psycopg shows a statement bound on the server: QUERY = '...'.
    assert 'SELECT s."session_data", s."expire_date", s."user_id"' in queries[0]["sql"]
    assert again.session_key == store.session_key
    assert again.take_read_user() is None  # nobody signed in


def test_saving_a_signed_in_session_notes_its_user():
    user = UserFactory()
    store = signed_in_store(user)
    assert Session.objects.get(session_key=store.session_key).user_id == user.pk
    store[SESSION_KEY] = "not a number"
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    del store[SESSION_KEY]
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None


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


def test_the_user_read_with_the_session_is_taken_once():
    practitioner = PractitionerFactory(display_name="Ada Hughes")
    store = SessionStore(signed_in_store(practitioner.user).session_key)
    store.load()
    user_id, user = store.take_read_user()
    assert user_id == practitioner.user.pk
    assert user == practitioner.user
    assert user.practitioner.display_name == "Ada Hughes"
    assert user.practitioner.user is user
    assert store.take_read_user() is None


def test_a_signed_in_page_reads_session_user_and_profile_in_one_query(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert response.wsgi_request.user == practitioner.user
    assert "Profile and places" in response.content.decode()  # the menu knows
    assert len(session_reads(queries)) == 1
    assert 'JOIN "users_user" u' in session_reads(queries)[0]
    assert user_reads(queries) == []


def test_signed_in_search_costs_one_query_more_than_anonymous(client):
    PractitionerFactory()
    url = "/practitioners/"
    client.get(url)  # what the process keeps after a first search
    with CaptureQueriesContext(connection) as anonymous:
        client.get(url)
    client.force_login(UserFactory())
    client.get(url)  # the first visit may make the CSRF cookie and such
    with CaptureQueriesContext(connection) as signed_in:
        response = client.get(url)
    assert response.wsgi_request.user.is_authenticated
    assert b"Log out" in response.content
    assert len(signed_in) == len(anonymous) + 1


def test_signing_in_and_out_still_works(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(ACCOUNT).status_code == 200
    client.logout()
    assert client.get(ACCOUNT).status_code == 302


def test_logging_in_cycles_the_key_and_the_new_row_names_the_user(client):
    user = UserFactory()
    client.get(reverse("account_login"))
    store = client.session
    store["basket"] = [3]
    store.save()
    before = store.session_key
    with_cookie(client, before)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).user_id == user.pk
    assert client.get(ACCOUNT).wsgi_request.user == user
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=after).exists()
    # The old cookie signs nobody in any more.
    assert with_cookie(client, after).get(ACCOUNT).status_code == 302


def test_an_expired_signed_in_session_signs_nobody_in(client):
    store = signed_in_store(UserFactory())
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = with_cookie(client, store.session_key).get(ACCOUNT)
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_the_session_of_a_deleted_account_signs_nobody_in(client):
    user = UserFactory()
    store = signed_in_store(user)
    user.delete()
    assert Session.objects.filter(session_key=store.session_key).exists()
    with CaptureQueriesContext(connection) as queries:
        response = with_cookie(client, store.session_key).get("/practitioners/")
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert user_reads(queries) == []  # the join already said nobody is there
    assert with_cookie(client, store.session_key).get(ACCOUNT).status_code == 302


def test_an_inactive_account_is_signed_out(client):
    user = UserFactory()
    store = signed_in_store(user)
    user.is_active = False
    user.save()
    response = with_cookie(client, store.session_key).get(ACCOUNT)
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_password_changed_elsewhere_signs_this_session_out(client):
    user = UserFactory()
    store = signed_in_store(user)
    assert with_cookie(client, store.session_key).get(ACCOUNT).status_code == 200
    user.set_password("a-brand-new-passphrase")
    user.save()
    response = with_cookie(client, store.session_key).get(ACCOUNT)
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated
    # Django flushes the session whose hash no longer matches.
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_changing_the_password_here_keeps_this_session_signed_in(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_a_session_whose_row_names_another_user_reads_the_one_its_data_names(
    client,
):
    """The row's user id is only a hint: the signed data decides."""
    named, other = UserFactory(), UserFactory()
    store = signed_in_store(named)
    Session.objects.filter(session_key=store.session_key).update(user_id=other.pk)
    with CaptureQueriesContext(connection) as queries:
        response = with_cookie(client, store.session_key).get(ACCOUNT)
    assert response.status_code == 200
    assert response.wsgi_request.user == named
    assert len(user_reads(queries)) == 1  # read by itself, as before


def test_a_session_row_without_a_user_id_still_signs_its_user_in(client):
    """Rows written without the hint (by Django's own manager, say) work as
    before, with a query of their own for the user."""
    user = UserFactory()
    store = signed_in_store(user)
    Session.objects.filter(session_key=store.session_key).update(user_id=None)
    with CaptureQueriesContext(connection) as queries:
        response = with_cookie(client, store.session_key).get(ACCOUNT)
    assert response.wsgi_request.user == user
    assert len(user_reads(queries)) == 1


def test_an_anonymous_session_keeps_its_data_and_signs_nobody_in(client):
    store = SessionStore()
    store["basket"] = [5]
    store.save()
    with CaptureQueriesContext(connection) as queries:
        response = with_cookie(client, store.session_key).get("/practitioners/")
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.wsgi_request.session["basket"] == [5]
    assert len(session_reads(queries)) == 1
    assert user_reads(queries) == []


def test_the_admin_still_needs_staff_and_two_factor(client):
    client.force_login(StaffFactory(two_factor=False))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_signed_in_pages_vary_on_the_cookie_and_are_not_cached(client):
    client.force_login(UserFactory())
    response = client.get("/practitioners/")
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers or (
        settings.SESSION_COOKIE_NAME not in response.cookies
    )


def test_the_migration_moves_live_sessions_with_their_user_ids():
    migration = importlib.import_module("users.migrations.0004_session")
    user = UserFactory()
    now = timezone.now()
    django_store = DjangoStore()
    signed = django_store.encode(
        {SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash()}
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES (%s, %s, %s)",
            [
                ("signed" + "a" * 26, signed, now + timedelta(days=1)),
                ("anon" + "b" * 28, django_store.encode({"x": 1}), now + timedelta(1)),
                ("bad" + "c" * 29, "not signed data", now + timedelta(days=1)),
                ("gone" + "d" * 28, signed, now - timedelta(days=1)),
            ],
        )
    migration.move_sessions(None, SimpleNamespace(connection=connection))
    moved = dict(Session.objects.values_list("session_key", "user_id"))
    assert moved == {
        "signed" + "a" * 26: user.pk,
        "anon" + "b" * 28: None,
        "bad" + "c" * 29: None,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session")
        assert cursor.fetchone()[0] == 0
    # The moved session still signs its user in.
    assert SessionStore("signed" + "a" * 26)[SESSION_KEY] == str(user.pk)
    migration.move_back(None, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session")
        assert cursor.fetchone()[0] == 3


def test_verified_data_is_kept_per_process_and_handed_out_as_copies():
    store = SessionStore()
    store["methods"] = [{"method": "password"}]
    store.save()
    data = Session.objects.get(session_key=store.session_key).session_data
    first = SessionStore().decode(data)
    first["methods"][0]["method"] = "changed in a request"
    first["extra"] = 1
    again = SessionStore().decode(data)
    assert again == {"methods": [{"method": "password"}]}
    assert again is not first


def test_a_bad_signature_is_refused_every_time():
    store = SessionStore()
    store["basket"] = [1]
    store.save()
    data = Session.objects.get(session_key=store.session_key).session_data
    forged = data[:-1] + ("A" if data[-1] != "A" else "B")
    assert SessionStore().decode(forged) == {}
    assert SessionStore().decode(forged) == {}
    assert SessionStore().decode(data) == {"basket": [1]}


def test_kept_data_is_forgotten_when_the_secret_key_changes(settings):
    store = SessionStore()
    store["basket"] = [1]
    store.save()
    data = Session.objects.get(session_key=store.session_key).session_data
    assert SessionStore().decode(data) == {"basket": [1]}
    settings.SECRET_KEY = "another-secret-key-another-secret-key-another-secret"
    assert SessionStore().decode(data) == {}
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    assert SessionStore().decode(data) == {}


def prepared_session_reads() -> list[str]:
    """The statements prepared on this test's connection that read sessions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "users_session" in row[0]]


def test_the_session_read_is_prepared_once_on_the_connection(client):
    user = UserFactory()
    key = signed_in_store(user).session_key
    assert connection.connection.prepare_threshold is not None  # the site's settings
    with_cookie(client, key)
    for _ in range(3):
        assert client.get(ACCOUNT).status_code == 200
    # One statement, prepared at the first request and reused by the next two.
    [statement] = prepared_session_reads()
    assert 'FROM "users_session" s LEFT OUTER JOIN' in statement
    assert client.get(ACCOUNT).context["user"] == user


def test_no_statement_is_prepared_where_the_connection_allows_none(client):
    # Behind PgBouncer in transaction mode (prepare_threshold None): Django's cursor.
    user = UserFactory()
    key = signed_in_store(user).session_key
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        with_cookie(client, key)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ACCOUNT).context["user"] == user
        [read] = session_reads(queries)
        assert read.startswith('SELECT s."session_data"')  # bound by Django, not PARAMS
        assert prepared_session_reads() == []
    finally:
        raw.prepare_threshold = threshold


@pytest.mark.parametrize(
    "environ, threshold",
    [({}, 5), ({"DATABASE_PGBOUNCER_TRANSACTION_MODE": "true"}, None)],
)
def test_prepared_statements_are_allowed_unless_behind_pgbouncer(environ, threshold):
    script = (
        "import json, config.settings.base as s; d = s.DATABASES['default'];"
        "print(json.dumps([d['OPTIONS'].get('prepare_threshold'),"
        " d.get('DISABLE_SERVER_SIDE_CURSORS', False)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [threshold, threshold is None]
