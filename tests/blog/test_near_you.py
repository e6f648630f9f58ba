"""The article's "near you" box: practitioners for its techniques, nearest first."""

import pytest

from tests.blog.factories import PostFactory
from tests.directory.factories import LocationFactory, PlaceFactory, TechniqueFactory

pytestmark = pytest.mark.django_db

BATH = {"town": "Bath", "postcode": "BA1 1LZ", "latitude": 51.3811, "longitude": -2.359}


@pytest.fixture
def article():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    for name, technique, where in [
        ("Ada Hughes", deep, {"latitude": 50.83, "longitude": -0.14}),
        ("Ben Okafor", deep, {"latitude": 50.86, "longitude": -0.10}),
        ("Cara Reid", stone, {}),  # nearby, another technique
        ("Evan Moss", deep, BATH),  # the right technique, far away
    ]:
        location = LocationFactory(practitioner__display_name=name, **where)
        location.practitioner.techniques.set([technique])
    return PostFactory(techniques=[deep])


def box(html: str) -> str:
    start = html.index('id="near-you"')
    return html[start : html.index("</section>", start)]


def test_a_place_names_the_practitioners_for_the_techniques_nearest_first(
    client, article, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        html = client.get(article.get_absolute_url(), {"where": "Brighton"})
    shown = box(html.content.decode())
    assert "2 practitioners within 25 miles of Brighton, nearest first." in shown
    assert shown.index("Ada Hughes") < shown.index("Ben Okafor")
    assert "Cara Reid" not in shown and "Evan Moss" not in shown
    assert 'value="Brighton"' in shown
    assert "Another postcode or town" in shown
    assert (
        'href="/practitioners/?where=Brighton&amp;radius=25&amp;technique=deep-tissue"'
        in shown
    )


def test_no_one_near_says_so_and_offers_the_nearest(client, article):
    PlaceFactory(name="Penzance", latitude=50.1186, longitude=-5.5372)
    shown = box(
        client.get(article.get_absolute_url(), {"where": "Penzance"}).content.decode()
    )
    assert "No practitioner for Deep tissue within 25 miles of Penzance yet." in shown
    assert "Show the nearest," in shown
    assert "nearest=on" in shown
    assert "Ada Hughes" not in shown


def test_an_unknown_place_gets_a_message_and_the_form_again(client, article):
    shown = box(
        client.get(
            article.get_absolute_url(), {"where": "Nowhereville"}
        ).content.decode()
    )
    assert "We could not find “Nowhereville”." in shown
    assert 'aria-invalid="true"' in shown
    assert "Ada Hughes" not in shown


def test_without_a_place_no_one_is_named(client, article):
    shown = box(client.get(article.get_absolute_url()).content.decode())
    assert "Ada Hughes" not in shown
    assert "Your postcode or town" in shown
    assert "search the directory" in shown


def test_a_hostile_place_is_only_text(client, article):
    response = client.get(
        article.get_absolute_url(), {"where": '<script>alert(1)</script>"' * 5}
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in box(response.content.decode())
