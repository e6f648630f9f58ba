"""SearchForm.criteria(): the search a query string asks for."""

import pytest

from directory.forms import DEFAULT_RADIUS, PractitionerForm, SearchForm
from directory.models import PROFILE_FIELDS
from directory.search import Criteria
from tests.directory.factories import PlaceFactory, TechniqueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def techniques():
    return [
        TechniqueFactory(slug="deep-tissue", name="Deep tissue"),
        TechniqueFactory(slug="hot-stone", name="Hot stone"),
    ]


def form(techniques, **data) -> SearchForm:
    return SearchForm(data or None, techniques=techniques)


def test_no_query_searches_everyone(techniques):
    search = form(techniques)
    assert search.criteria() == Criteria()
    assert search.unknown_place == ""


def test_every_field_becomes_part_of_the_criteria(techniques):
    brighton = PlaceFactory(name="Brighton", latitude=50.82, longitude=-0.14)
    search = SearchForm(
        {
            "where": "  brighton ",
            "radius": "25",
            "q": " back pain ",
            "technique": ["hot-stone"],
            "gender": "female",
            "language": "Welsh",
            "home_visits": "on",
            "online": "on",
        },
        techniques=techniques,
    )
    criteria = search.criteria()
    assert criteria.where.name == brighton.name
    assert (criteria.where.latitude, criteria.where.longitude) == (50.82, -0.14)
    assert criteria.radius == 25
    assert criteria.text == "back pain"
    assert criteria.techniques == [techniques[1]]
    assert (criteria.gender, criteria.language) == ("female", "Welsh")
    assert criteria.home_visits and criteria.online


def test_a_wrong_field_leaves_the_others_filtering(techniques):
    search = form(techniques, radius="7000", gender="female", technique="nonsense")
    criteria = search.criteria()
    assert criteria.radius == DEFAULT_RADIUS
    assert criteria.gender == "female"
    assert criteria.techniques == []
    assert set(search.errors) == {"radius", "technique"}


def test_a_place_we_cannot_find_is_kept_to_tell_the_visitor(techniques):
    search = form(techniques, where="Atlantis", radius="5")
    criteria = search.criteria()
    assert criteria.where is None
    assert criteria.radius == 5
    assert search.unknown_place == "Atlantis"


def test_the_profile_form_edits_the_one_list_of_profile_fields():
    assert PractitionerForm.Meta.fields is PROFILE_FIELDS
    assert list(PractitionerForm.base_fields) == PROFILE_FIELDS


def test_forms_for_the_same_techniques_share_their_fields(techniques):
    """Made once per technique list, not deep-copied for every search."""
    first, second = form(techniques), form(techniques, q="back")
    assert first.fields is not second.fields
    assert all(first.fields[name] is second.fields[name] for name in first.fields)


def test_a_renamed_technique_gives_the_form_new_choices(techniques):
    before = form(techniques, technique=["hot-stone"])
    assert before.is_valid()
    techniques[1].name = "Hot stones"
    techniques[1].slug = "hot-stones"
    after = form(techniques, technique=["hot-stone"])
    assert ("hot-stones", "Hot stones") in after.fields["technique"].choices
    assert ("hot-stone", "Hot stone") not in after.fields["technique"].choices
    assert not after.is_valid()
    assert form(techniques, technique=["hot-stones"]).is_valid()
    # The first form's fields are untouched.
    assert ("hot-stone", "Hot stone") in before.fields["technique"].choices


def test_shared_fields_keep_the_specific_messages(techniques):
    wrong = form(techniques, radius="7", where="x" * 61)
    assert wrong.errors["radius"] == ["Choose a distance from the list."]
    assert "characters or fewer" in wrong.errors["where"][0]
    assert "Choose a distance from the list." in str(
        form(techniques, radius="8").errors["radius"]
    )
