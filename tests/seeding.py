"""The rows the data migrations write, put back after a transactional test has
emptied the tables (tests/conftest.py: `_seeded_rows`, and the module-scoped data
fixtures)."""

import functools
import importlib

# The rows data migrations write: (migration module, its functions).
SEEDING_MIGRATIONS = [
    ("directory.migrations.0002_seed_techniques", ["add_techniques"]),
    (
        "blog.migrations.0002_disclaimer_and_editors",
        ["add_default_disclaimer", "add_editors_group"],
    ),
    ("users.migrations.0002_site_name", ["name_the_site"]),
]


@functools.cache
def _migrated_apps():
    """The models as the migrations leave them, for the migrations' own functions
    (one of them changes the app config it is given)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state().apps


def restore_seeded_rows() -> None:
    """Put the data migrations' rows back when a transactional test has emptied the
    tables (the techniques are missing). Module-scoped data fixtures call it too:
    they are set up before the function-scoped `_seeded_rows`."""
    from directory.models import Technique

    if not Technique.objects.exists():
        for module, functions in SEEDING_MIGRATIONS:
            migration = importlib.import_module(module)
            for name in functions:
                getattr(migration, name)(_migrated_apps(), None)
