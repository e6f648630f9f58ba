"""Sessions in the database, as Django's own `db` engine keeps them, read with one
query written once instead of built by the ORM for every signed-in request.

`SESSION_ENGINE = "config.sessions"`. Only reading a session differs: the row is
looked up by key and expiry with SQL made once per process from the model's own
table and column names; saving, deleting and clearing expired sessions are
Django's. Every signed-in page reads its session, and building that query was
about a third of the cost of reading it.
"""

import functools

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseStore):
    def _get_session_from_db(self):
        model = self.model
        if not self.session_key:  # nothing to look for (no cookie, or a bad one)
            self._session_key = None
            return None
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(_select_sql(model), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0],
                     expire_date=row[1])  # fmt: skip


@functools.cache
def _select_sql(model) -> str:
    meta = model._meta
    column = {name: meta.get_field(name).column for name in
              ("session_key", "session_data", "expire_date")}  # fmt: skip
    return (
        f'SELECT "{column["session_data"]}", "{column["expire_date"]}" '
        f'FROM "{meta.db_table}" '
        f'WHERE "{column["session_key"]}" = %s AND "{column["expire_date"]}" > %s'
    )
