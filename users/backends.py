import functools

from allauth.account.auth_backends import AuthenticationBackend
from django.apps import apps
from django.db import connections, router

from .models import User


class Backend(AuthenticationBackend):
    """allauth's email login; loading the signed-in user also loads their profile.

    Every page's menu asks whether the person has a practitioner profile; joining
    it here answers that without a query of its own. The query is written once
    per process (`_user_and_profile`): every signed-in request runs it, and
    building it through the ORM (a join of two wide tables) cost more than
    PostgreSQL took to answer it.
    """

    def get_user(self, user_id):
        if apps.is_installed("directory"):
            user = _user_and_profile(user_id)
        else:
            user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None


def _user_and_profile(user_id) -> User | None:
    """The user with their practitioner profile (or its absence) already loaded,
    as `select_related("practitioner")` loads them."""
    Practitioner = apps.get_model("directory", "Practitioner")
    alias = router.db_for_read(User)
    sql = _joined_sql(alias)
    if sql is None:  # a column needs converting: let the ORM do it
        return (
            User._default_manager.select_related("practitioner")
            .filter(pk=user_id)
            .first()
        )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [User._meta.pk.to_python(user_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    user_fields = User._meta.concrete_fields
    profile_fields = Practitioner._meta.concrete_fields
    user = User.from_db(
        alias, [f.attname for f in user_fields], row[: len(user_fields)]
    )
    values = row[len(user_fields) :]
    profile = None
    if values[profile_fields.index(Practitioner._meta.pk)] is not None:
        profile = Practitioner.from_db(
            alias, [f.attname for f in profile_fields], values
        )
        Practitioner._meta.get_field("user").set_cached_value(profile, user)
    User._meta.get_field("practitioner").set_cached_value(user, profile)
    return user


@functools.cache
def _joined_sql(alias: str) -> str | None:
    """SELECT of every column of the user and of their profile (NULLs without
    one), by the user's id; None when a column's value needs converting from
    what the database driver gives (none does today: a test says so)."""
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
    return (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u "
        f"LEFT OUTER JOIN {quote(Practitioner._meta.db_table)} p "
        f"ON p.{link} = u.{user_key} WHERE u.{user_key} = %s"
    )
