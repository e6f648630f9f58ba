"""Links to OpenStreetMap: plain links the visitor follows, so no page loads a map,
script or tile of another site. One format for every place the site shows (a
practitioner's place of work, a course's venue)."""

from decimal import Decimal
from urllib.parse import urlencode

OSM = "https://www.openstreetmap.org"
ZOOM = 17  # streets and house numbers

Coordinate = Decimal | float


def _point(latitude: Coordinate, longitude: Coordinate) -> tuple[str, str]:
    return f"{latitude:.5f}", f"{longitude:.5f}"


def map_url(latitude: Coordinate, longitude: Coordinate) -> str:
    """The map centred on a point, with a marker on it."""
    lat, lon = _point(latitude, longitude)
    return f"{OSM}/?{urlencode({'mlat': lat, 'mlon': lon})}#map={ZOOM}/{lat}/{lon}"


def directions_url(latitude: Coordinate, longitude: Coordinate) -> str:
    """The route planner with the point as the destination; the visitor types
    where they start from."""
    lat, lon = _point(latitude, longitude)
    return f"{OSM}/directions?{urlencode({'route': f';{lat},{lon}'})}"


def search_url(query: str) -> str:
    """OpenStreetMap's search for an address, for a place with no coordinates."""
    return f"{OSM}/search?{urlencode({'query': query})}"
