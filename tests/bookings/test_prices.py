"""The price range the directory shows follows the practitioner's active services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Service
from tests.bookings.factories import ServiceFactory
from tests.directory.factories import LocationFactory, PlaceFactory, TechniqueFactory

pytestmark = pytest.mark.django_db


def _offer(practitioner, price, *, technique=None, **fields) -> Service:
    service = ServiceFactory.build(
        practitioner=practitioner,
        technique=technique or TechniqueFactory(slug=f"t-{price}"),
        price=price,
        **fields,
    )
    return services.save_service(service=service)


def test_a_cheaper_service_lowers_the_price_on_the_profile_and_the_card(client):
    PlaceFactory(name="Brighton")
    practitioner = LocationFactory(
        practitioner__display_name="Ada Hughes",
        practitioner__price_from=55,
        practitioner__price_to=80,
    ).practitioner
    _offer(practitioner, 55)
    _offer(practitioner, 80)
    _offer(practitioner, 48)

    practitioner.refresh_from_db()
    assert practitioner.price_from == Decimal("48")
    assert practitioner.price_to == Decimal("80")
    assert practitioner.prices_from_services
    profile = client.get(practitioner.get_absolute_url()).content.decode()
    assert "From £48 to £80 a session" in profile
    card = client.get(reverse("directory:search"), {"where": "Brighton"})
    assert "from £48" in card.content.decode()


def test_one_price_shows_once_and_an_inactive_service_counts_for_nothing():
    practitioner = LocationFactory().practitioner
    _offer(practitioner, 60)
    hidden = _offer(practitioner, 20, is_active=False)
    practitioner.refresh_from_db()
    assert (practitioner.price_from, practitioner.price_to) == (Decimal("60"), None)

    hidden.is_active = True
    services.save_service(service=hidden)
    practitioner.refresh_from_db()
    assert (practitioner.price_from, practitioner.price_to) == (20, 60)


def test_without_active_services_the_practitioner_types_their_prices_again(client):
    practitioner = LocationFactory().practitioner
    service = _offer(practitioner, 60)
    client.force_login(practitioner.user)
    edit = reverse("directory:edit-profile")
    html = client.get(edit).content.decode()
    assert 'name="price_from"' not in html and 'id="prices-note"' in html

    service.is_active = False
    services.save_service(service=service)
    practitioner.refresh_from_db()
    assert not practitioner.prices_from_services
    assert practitioner.price_from == 60  # kept until they change it
    html = client.get(edit).content.decode()
    assert 'name="price_from"' in html and 'id="prices-note"' not in html
