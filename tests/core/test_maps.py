from decimal import Decimal

import pytest

from core import maps


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(Decimal("50.8262"), Decimal("-0.1392")), (50.8262, -0.1392)],
)
def test_a_point_gets_one_map_and_one_directions_link(latitude, longitude):
    assert maps.map_url(latitude, longitude) == (
        "https://www.openstreetmap.org/?mlat=50.82620&mlon=-0.13920"
        "#map=17/50.82620/-0.13920"
    )
    # The destination only: the visitor types where they start from.
    assert maps.directions_url(latitude, longitude) == (
        "https://www.openstreetmap.org/directions?route=%3B50.82620%2C-0.13920"
    )


def test_an_address_without_coordinates_is_searched_for():
    assert maps.search_url("1 North Street, BN1 1AA") == (
        "https://www.openstreetmap.org/search?query=1+North+Street%2C+BN1+1AA"
    )
