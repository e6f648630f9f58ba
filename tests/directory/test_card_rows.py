"""search._displayed: a page's card rows, mapped to practitioners with a column
layout worked out once per process, as `raw()` maps them (by filling each
instance's dictionary, as `Model.__init__` would)."""

import pytest
from django.db import connection

from directory import search
from directory.models import Practitioner
from tests.directory.factories import LocationFactory, QualificationFactory

pytestmark = pytest.mark.django_db

CONDITION = '"directory_practitioner"."id" = ANY(%s)'


def test_rows_are_what_raw_gives():
    located = LocationFactory(town="Hove", practitioner__display_name="Ada Hughes")
    ada = located.practitioner
    QualificationFactory(practitioner=ada)
    other = LocationFactory().practitioner
    ids = [[ada.pk, other.pk]]
    assert search._plain_instances()  # the rows are made without Model.__init__
    for town in (True, False):
        rows = sorted(search._displayed(CONDITION, ids, town=town), key=lambda p: p.pk)
        sql = f"{search._display_sql(town=town)} WHERE {CONDITION}"
        expected = sorted(Practitioner.objects.raw(sql, ids), key=lambda p: p.pk)
        assert [p.pk for p in rows] == [p.pk for p in expected]
        for row, raw in zip(rows, expected, strict=True):
            assert row.__dict__.keys() - {"_state"} == raw.__dict__.keys() - {"_state"}
            for name in raw.__dict__.keys() - {"_state"}:
                assert getattr(row, name) == getattr(raw, name), name
            assert row.get_deferred_fields() == raw.get_deferred_fields()
            assert row.get_deferred_fields() == set(search.NOT_ON_CARDS)
            assert not row._state.adding and row._state.db == "default"
    shown = {p.pk: p for p in search._displayed(CONDITION, ids)}
    assert shown[ada.pk].town == "Hove"
    assert shown[ada.pk].verified_ids and shown[ada.pk].display_name == "Ada Hughes"


def test_the_layout_is_worked_out_once_and_needs_no_converters():
    columns = ("id", "display_name", "technique_ids")
    layout = search._row_layout(columns, connection.alias)
    assert layout == (("id", "display_name"), (0, 1), (("technique_ids", 2),))
    assert search._row_layout(columns, connection.alias) is layout
    every = tuple(f.column for f in Practitioner._meta.concrete_fields)
    assert search._row_layout(every, connection.alias) is not None


def test_rows_are_made_without_model_init_unless_something_listens():
    """The rows are made by filling each instance's dictionary (what the test
    above compares with raw()); a receiver of post_init gets Django's own
    construction, so it is called for every row."""
    from django.db.models.signals import post_init

    ada = LocationFactory().practitioner
    assert search._plain_instances()
    seen = []

    def listening(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(listening, sender=Practitioner)
    try:
        assert not search._plain_instances()
        rows = search._displayed(CONDITION, [[ada.pk]])
    finally:
        post_init.disconnect(listening, sender=Practitioner)
    assert seen == [ada.pk] and rows[0].pk == ada.pk and rows[0].town == "Brighton"
    assert search._plain_instances()
