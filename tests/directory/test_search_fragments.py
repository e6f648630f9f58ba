"""The result cards and the search form are rendered once per process for what they
show (directory/fragments.py). These tests prove the kept HTML is reused, and that
every change to something a card or the form shows gives a new rendering: the same
search, run again after the change, shows it."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from bookings import services as booking_services
from directory import fragments
from directory.models import Practitioner, Technique
from tests.bookings.factories import ServiceFactory
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    QualificationFactory,
    TechniqueFactory,
)

pytestmark = pytest.mark.django_db

URL = "/practitioners/"
SEARCH = {"where": "Brighton", "radius": "10"}


@pytest.fixture
def ada():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    return LocationFactory(
        practitioner__display_name="Ada Hughes",
        practitioner__headline="Sports massage for runners",
        practitioner__price_from=45,
    ).practitioner


def card(client, params=SEARCH) -> str:
    """The HTML of the only card of a search."""
    html = client.get(URL, params).content.decode()
    cards = html.split('<article class="card mb-3 result-card">')[1:]
    assert len(cards) == 1, "expected one card"
    return cards[0].split("</article>")[0]


def test_a_card_seen_before_is_not_rendered_again(client, ada):
    card(client)
    before = fragments.render.cache_info()
    shown = card(client)
    after = fragments.render.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
    assert "Ada Hughes" in shown


def test_a_form_seen_before_is_not_rendered_again(client, ada):
    client.get(URL, SEARCH)
    kept = dict(fragments._forms.kept)
    client.get(URL, SEARCH)
    assert fragments._forms.kept.keys() == kept.keys()
    assert all(fragments._forms.kept[key] is html for key, html in kept.items())


def test_a_profile_edit_shows_on_the_card(client, ada):
    assert "Sports massage for runners" in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(
        display_name="Ada Hughes-Bell", headline="Pregnancy massage"
    )
    shown = card(client)
    assert "Ada Hughes-Bell" in shown
    assert "Pregnancy massage" in shown
    assert "Sports massage for runners" not in shown


def test_a_new_service_price_shows_on_the_card(client, ada):
    assert "from £45" in card(client)
    service = ServiceFactory.build(
        practitioner=ada, technique=TechniqueFactory(slug="reflexology"), price=38
    )
    booking_services.save_service(service=service)
    assert "from £38" in card(client)


def test_a_new_rating_shows_on_the_card(client, ada):
    assert "verified review" not in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(
        rating_count=1, rating_average=Decimal("5.00")
    )
    assert "5.0" in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(
        rating_count=2, rating_average=Decimal("4.50")
    )
    shown = card(client)
    assert "4.5" in shown and "from 2 verified reviews" in shown


def test_techniques_and_verification_show_on_the_card(client, ada):
    hot_stone = TechniqueFactory(slug="hot-stone")
    assert "Hot stone" not in card(client)
    ada.techniques.add(hot_stone)
    shown = card(client)
    assert "Hot stone" in shown and "(verified)" not in shown
    QualificationFactory(practitioner=ada, technique=hot_stone)
    assert "(verified)" in card(client)
    ada.techniques.remove(hot_stone)
    Practitioner.verified_techniques.through.objects.filter(practitioner=ada).delete()
    assert "Hot stone" not in card(client)


def test_a_renamed_technique_shows_on_the_card(client, ada):
    technique = TechniqueFactory(slug="hot-stone")
    ada.techniques.add(technique)
    assert "Hot stone" in card(client)
    Technique.objects.filter(pk=technique.pk).update(name="Warm stone")
    # The technique list itself is cached for five minutes (search.all_techniques).
    cache.clear()
    assert "Warm stone" in card(client)


def test_a_photo_shows_on_the_card(client, ada):
    assert "placeholder-photo" in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(
        photo="practitioners/ada.jpg", photo_width=800, photo_height=800
    )
    shown = card(client)
    assert "placeholder-photo" not in shown
    assert "practitioners/ada" in shown


def test_a_practitioner_no_longer_approved_leaves_the_results(client, ada):
    assert "Ada Hughes" in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(status=Practitioner.Status.SUSPENDED)
    assert "Ada Hughes" not in client.get(URL, SEARCH).content.decode()


def test_a_new_next_free_time_shows_on_the_card_and_goes_when_stale(client, ada):
    assert "Next free" not in card(client)
    now = timezone.now()
    free_at = (now + timedelta(days=3)).replace(hour=10, minute=0)
    Practitioner.objects.filter(pk=ada.pk).update(
        next_free_at=free_at, next_free_stale_at=now + timedelta(days=1)
    )
    assert "Next free:" in card(client)
    Practitioner.objects.filter(pk=ada.pk).update(
        next_free_stale_at=now - timedelta(minutes=1)
    )
    assert "Next free:" not in card(client)


def test_the_town_and_distance_follow_the_place_searched(client, ada):
    PlaceFactory(name="Hove", latitude=50.8279, longitude=-0.1688)
    brighton = card(client)
    hove = card(client, {"where": "Hove", "radius": "10"})
    assert "0.4 miles away" in brighton
    assert "1.8 miles away" in hove


def test_the_form_shows_what_was_asked_each_time(client, ada):
    first = client.get(URL, {**SEARCH, "q": "runners"}).content.decode()
    second = client.get(URL, {**SEARCH, "q": "walkers"}).content.decode()
    assert 'value="runners"' in first and 'value="walkers"' in second
    wrong = client.get(URL, {**SEARCH, "radius": "7"}).content.decode()
    assert "Choose a distance from the list." in wrong
    assert "Choose a distance from the list." not in second


def test_the_form_shows_a_new_technique(client, ada):
    assert "Lymphatic drainage" not in client.get(URL, SEARCH).content.decode()
    TechniqueFactory(slug="lymphatic-drainage")
    cache.clear()
    assert "Lymphatic drainage" in client.get(URL, SEARCH).content.decode()


def test_a_settings_change_empties_the_kept_parts(client, ada):
    card(client)
    with override_settings(MEDIA_URL="/elsewhere/"):
        assert fragments.render.cache_info().currsize == 0
        assert not fragments._forms.kept


def test_the_next_free_time_is_worded_at_the_moment_given(ada):
    """A page of cards reads the clock once and words every card's next free time
    at that moment (in the practitioner's zone)."""
    from directory.templatetags.directory import next_free_label

    zone = ada.zone
    now = datetime(2030, 3, 4, 9, 0, tzinfo=zone)
    free = datetime(2030, 3, 5, 10, 30, tzinfo=zone)
    ada.next_free_at, ada.next_free_stale_at = free, free + timedelta(days=2)
    assert next_free_label(ada, now) == "Tomorrow, 10:30"
    assert next_free_label(ada, now + timedelta(days=1)) == "Today, 10:30"
    assert next_free_label(ada, now - timedelta(days=3)) == "Tue 5 Mar, 10:30"
    assert next_free_label(ada, free) == ""  # passed
    card = fragments.card_of(ada, [], now=now)
    assert card.next_free == "Tomorrow, 10:30"
    assert fragments.card_of(ada, [], now=free).next_free == ""
