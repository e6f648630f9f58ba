"""Sessions in the database, read with the signed-in user in one query.

`SESSION_ENGINE = "config.sessions"`. The sessions are Django's database
sessions in a model of the site's own, `users.Session` (table `users_session`):
the same columns plus `user_id`, the id of the user the session was saved for
(Django's documented way of extending the database engine). Reading a session
is one SELECT, made once per process from the models' own table and column
names, that also LEFT JOINs that user and their practitioner profile. Every
signed-in page reads its session and then its user; they were two round trips
and two statements for PostgreSQL to plan.

The user read here is only offered to the authentication backend
(`config.middleware.Authentication`, `users.backends.offering`): it is used
when the session's signed data names that same user id, and Django's checks
(the session's backend, `is_active`, the session auth hash that logs other
sessions out after a password change) run on it as on a user read alone. When
the ids differ, or the row has none, the user is read as before. Saving,
deleting and clearing expired sessions are Django's.

Checking a session's signature and decoding it cost about as much as the query
(Django's signing: several HMAC and settings calls, zlib, JSON). Each process
keeps the last sessions it verified, by their signed text (`decode`): the same
text always verifies to the same data under the same keys, so a signed-in
visitor's next requests skip the check and get a copy of the data. A changed
session is saved as another text; expiry is the row's, checked by the query on
every request; a bad signature is never kept.

The statement is the same on every request, and PostgreSQL spent more time
planning it (a join of three tables, about 0.3 ms) than running it (about
0.05 ms). Where the connection allows prepared statements (psycopg's
`prepare_threshold` is set: `config.settings.base` sets it unless the site is
behind PgBouncer in transaction mode), it is sent with server-side binding and
prepared on the connection the first time, so later requests skip the parsing
and planning. Every other query keeps Django's client-side binding.
"""

import functools
from typing import NamedTuple

import psycopg
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.serializers import JSONSerializer
from django.core.signals import setting_changed
from django.db import connections, router
from django.utils import timezone

from core.lru import LockedLRU
from users import backends

# Session data this process has verified, by its signed text (SessionStore.decode).
_verified = LockedLRU(1024)


class SessionStore(DatabaseStore):
    # (user id, user or None) read with the session, until the middleware takes it.
    _read_user: tuple[int, object] | None = None

    @classmethod
    def get_model_class(cls):
        return apps.get_model("users", "Session")

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):  # nobody signed in
            instance.user_id = None
        return instance

    def _get_session_from_db(self):
        model = self.model
        self._read_user = None
        if not self.session_key:  # nothing to look for (no cookie, or a bad one)
            self._session_key = None
            return None
        alias = router.db_for_read(model)
        query = _query(model, alias)
        with _cursor(connections[alias]) as cursor:
            cursor.execute(query.sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        user_id = row[2]
        if user_id is not None and query.plan is not None:
            user = None  # the row names a user who no longer exists
            if row[query.user_pk] is not None:
                user = backends.user_from_row(query.plan, alias, row[3:])
            self._read_user = (user_id, user)
        return model(session_key=self.session_key, session_data=row[0],
                     expire_date=row[1], user_id=user_id)  # fmt: skip

    def decode(self, session_data):
        if self.serializer is not JSONSerializer:  # values may not copy as JSON's do
            return super().decode(session_data)
        kept = _verified.get(session_data)
        if kept is None:
            kept = super().decode(session_data)
            if not kept:  # a bad signature (or nothing): checked again next time
                return kept
            _verified.put(session_data, kept)
        return _copy(kept)  # the request may change it; the kept one stays

    def take_read_user(self) -> tuple[int, object] | None:
        """The user read with this session and the id the row named, once; None
        when none was read (no session, nobody signed in, or already taken)."""
        read, self._read_user = self._read_user, None
        return read

    def clear(self):
        self._read_user = None
        super().clear()


def _cursor(connection):
    """A cursor of `connection` (Django's wrapper: errors, logged queries, execute
    wrappers) that prepares its statements on the server when the connection
    allows prepared statements; Django's usual cursor otherwise."""
    connection.ensure_connection()
    raw = connection.connection
    if getattr(raw, "prepare_threshold", None) is None:  # none allowed (or psycopg 2)
        return connection.cursor()
    connection.validate_thread_sharing()
    cursor = _PreparedCursor(raw)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


class _PreparedCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, preparing every statement at once
    (psycopg keeps the connection's prepared statements and their names)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(
            query, params, prepare=prepare is not False, binary=binary
        )


def _copy(value):
    """A copy of decoded JSON: dicts and lists copied, the rest immutable."""
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


class _Query(NamedTuple):
    sql: str
    plan: object  # users.backends' plan, or None: the session alone is read
    user_pk: int = 0  # where the user's key is in the row (NULL: no such user)


@functools.cache
def _query(model, alias: str) -> _Query:
    meta = model._meta
    quote = connections[alias].ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in
              ("session_key", "session_data", "expire_date", "user_id")}  # fmt: skip
    selected = (
        f"s.{column['session_data']}, s.{column['expire_date']}, s.{column['user_id']}"
    )
    where = f"WHERE s.{column['session_key']} = %s AND s.{column['expire_date']} > %s"
    plan = backends.plan(alias)
    if plan is None:  # no directory app, or a column needs converting
        return _Query(f"SELECT {selected} FROM {quote(meta.db_table)} s {where}", None)
    joined = plan.joined
    return _Query(
        f"SELECT {selected}, {joined.columns} FROM {quote(meta.db_table)} s "
        f"LEFT OUTER JOIN {joined.user_table} u "
        f"ON u.{joined.user_key} = s.{column['user_id']} "
        f"{joined.profile_join} {where}",
        plan,
        3 + plan.user_attnames.index(backends.User._meta.pk.attname),
    )


def _settings_changed(setting, **kwargs) -> None:
    if setting in ("INSTALLED_APPS", "DATABASES"):
        _query.cache_clear()
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_SERIALIZER"):
        _verified.clear()


setting_changed.connect(_settings_changed, dispatch_uid="config.sessions.query")
