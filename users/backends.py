import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import NamedTuple

from allauth.account.auth_backends import AuthenticationBackend
from django.apps import apps
from django.core.signals import setting_changed
from django.db import connections, router

from .models import User


class Backend(AuthenticationBackend):
    """allauth's email login; loading the signed-in user also loads their profile.

    Every page's menu asks whether the person has a practitioner profile; joining
    it here answers that without a query of its own. The query, and how its row
    becomes the two objects, are worked out once per process (`_plan`): every
    signed-in request runs it, and building it through the ORM (a join of two
    wide tables) cost more than PostgreSQL took to answer it.
    """

    def get_user(self, user_id):
        offered = _offered.get()
        if offered is not None and offered[0] == user_id:
            user = offered[1]  # read with the session, just now
        else:
            alias = router.db_for_read(User)
            plan = _plan(alias)
            if plan is None:  # no directory app, or a column needs converting
                user = _user_by_orm(user_id)
            else:
                user = _user_and_profile(plan, alias, user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None


# The user read together with the session (config/sessions.py), offered to
# `get_user` while the authentication middleware asks for the request's user.
_offered: ContextVar[tuple[object, User | None] | None] = ContextVar(
    "offered_user", default=None
)


@contextlib.contextmanager
def offering(user_id, user: User | None) -> Iterator[None]:
    """While inside, `Backend.get_user(user_id)` answers `user` (None: no such
    user) without a query; for any other id it reads as always. Django's
    `auth.get_user` still checks the session's backend, the user's `is_active`
    and the session's auth hash against this user, as for a user it read."""
    token = _offered.set((user_id, user))
    try:
        yield
    finally:
        _offered.reset(token)


class _Plan(NamedTuple):
    """The joined SELECT and how to split its row: the user's columns, then the
    profile's (all NULL without one)."""

    sql: str
    joined: "Joined"
    user_attnames: list[str]
    profile_attnames: list[str]
    profile_pk_index: int
    profile_model: type
    to_user: object  # Practitioner.user
    to_profile: object  # User.practitioner, the reverse side


def _user_by_orm(user_id) -> User | None:
    if apps.is_installed("directory"):
        return (
            User._default_manager.select_related("practitioner")
            .filter(pk=user_id)
            .first()
        )
    return User._default_manager.filter(pk=user_id).first()


def _user_and_profile(plan: _Plan, alias: str, user_id) -> User | None:
    """The user with their practitioner profile (or its absence) already loaded,
    as `select_related("practitioner")` loads them."""
    with connections[alias].cursor() as cursor:
        cursor.execute(plan.sql, [User._meta.pk.to_python(user_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    return user_from_row(plan, alias, row)


def user_from_row(plan: _Plan, alias: str, row) -> User:
    """The user and their profile (or its absence) from the plan's columns."""
    split = len(plan.user_attnames)
    user = User.from_db(alias, plan.user_attnames, row[:split])
    values = row[split:]
    profile = None
    if values[plan.profile_pk_index] is not None:
        profile = plan.profile_model.from_db(alias, plan.profile_attnames, values)
        plan.to_user.set_cached_value(profile, user)
    plan.to_profile.set_cached_value(user, profile)
    return user


@functools.cache
def _plan(alias: str) -> _Plan | None:
    """The plan of `_user_and_profile`; None without the directory app."""
    if not apps.is_installed("directory"):
        return None
    sql = _joined_sql(alias)
    if sql is None:
        return None
    Practitioner = apps.get_model("directory", "Practitioner")
    profile_fields = Practitioner._meta.concrete_fields
    return _Plan(
        sql=sql,
        joined=_joined(alias),
        user_attnames=[f.attname for f in User._meta.concrete_fields],
        profile_attnames=[f.attname for f in profile_fields],
        profile_pk_index=profile_fields.index(Practitioner._meta.pk),
        profile_model=Practitioner,
        to_user=Practitioner._meta.get_field("user"),
        to_profile=User._meta.get_field("practitioner"),
    )


def plan(alias: str) -> _Plan | None:
    """How the user and profile columns are read and split (for the session
    engine, which reads them with the session); None when they cannot be."""
    return _plan(alias)


def _settings_changed(setting, **kwargs) -> None:
    if setting in ("INSTALLED_APPS", "DATABASES"):
        _plan.cache_clear()
        _joined_sql.cache_clear()
        _joined.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="users.backends.plan")


@functools.cache
def _joined_sql(alias: str) -> str | None:
    """SELECT of every column of the user and of their profile (NULLs without
    one), by the user's id; None when a column's value needs converting from
    what the database driver gives (none does today: a test says so)."""
    joined = _joined(alias)
    if joined is None:
        return None
    return (
        f"SELECT {joined.columns} FROM {joined.user_table} u {joined.profile_join} "
        f"WHERE u.{joined.user_key} = %s"
    )


class Joined(NamedTuple):
    """The pieces of the user-and-profile SELECT, for the queries that read them:
    the columns (`u.` the user's, `p.` the profile's), the quoted user table and
    key, and the LEFT JOIN of the profile to `u`."""

    columns: str
    user_table: str
    user_key: str
    profile_join: str


@functools.cache
def _joined(alias: str) -> Joined | None:
    Practitioner = apps.get_model("directory", "Practitioner")
    connection = connections[alias]
    columns = []
    for model, table in ((User, "u"), (Practitioner, "p")):
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            if field.get_db_converters(connection) or connection.ops.get_db_converters(
                column
            ):
                return None
            columns.append(f'{table}."{field.column}"')
    quote = connection.ops.quote_name
    user_key = quote(User._meta.pk.column)
    link = quote(Practitioner._meta.get_field("user").column)
    return Joined(
        columns=", ".join(columns),
        user_table=quote(User._meta.db_table),
        user_key=user_key,
        profile_join=f"LEFT OUTER JOIN {quote(Practitioner._meta.db_table)} p "
        f"ON p.{link} = u.{user_key}",
    )
