"""The booking forms against the columns their answers are stored in."""

import pytest

from bookings.forms import DetailsForm, HealthForm, NoteForm, TimeOffForm
from bookings.models import Booking, HealthIntake, TimeOff

STORED_IN = [
    (DetailsForm, "name", Booking, "client_name"),
    (DetailsForm, "email", Booking, "client_email"),
    (DetailsForm, "phone", Booking, "client_phone"),
    (HealthForm, "details", HealthIntake, "details"),
    (NoteForm, "note", Booking, "practitioner_note"),
    (TimeOffForm, "reason", TimeOff, "reason"),
]


@pytest.mark.parametrize(
    ("form", "field", "model", "column"),
    STORED_IN,
    ids=[f"{form.__name__}.{field}" for form, field, _, _ in STORED_IN],
)
def test_a_form_accepts_no_more_than_its_column_stores(form, field, model, column):
    stored = model._meta.get_field(column).max_length
    assert form.base_fields[field].max_length == stored
