import pytest
from django.db import IntegrityError, connection, transaction

from core.db import constraint_name

pytestmark = pytest.mark.django_db


def test_the_broken_constraint_is_named():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE core_probe "
            "(n integer CONSTRAINT core_probe_positive CHECK (n > 0))"
        )
        with pytest.raises(IntegrityError) as caught, transaction.atomic():
            cursor.execute("INSERT INTO core_probe VALUES (-1)")
    assert constraint_name(caught.value) == "core_probe_positive"


def test_an_error_that_names_no_constraint_gives_none():
    assert constraint_name(IntegrityError("raised by hand")) is None
