"""British National Grid eastings/northings to latitude/longitude, with pyproj.

Code-Point Open and OS Open Names give places on the OSGB36 National Grid
(EPSG:27700); the site works in WGS84 latitude/longitude (EPSG:4326). pyproj
(PROJ) does the datum change; without the optional OSTN15 grid file it uses the
published Helmert transformation, good to a few metres, far finer than a search
radius needs.
"""

from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice
from typing import Any

CHUNK = 10_000


@cache
def _transformer():
    from pyproj import Transformer

    # always_xy: (easting, northing) in, (longitude, latitude) out.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def to_latitude_longitude(
    points: Iterable[tuple[Any, float, float]],
) -> Iterator[tuple[Any, float, float]]:
    """(item, easting, northing) in, (item, latitude, longitude) out, converted a
    chunk at a time (one call to PROJ per ten thousand points)."""
    points = iter(points)
    transformer = _transformer()
    while chunk := list(islice(points, CHUNK)):
        items, eastings, northings = zip(*chunk, strict=True)
        longitudes, latitudes = transformer.transform(eastings, northings)
        yield from zip(items, latitudes, longitudes, strict=True)


def easting_northing_to_latitude_longitude(
    easting: float, northing: float
) -> tuple[float, float]:
    longitude, latitude = _transformer().transform(easting, northing)
    return latitude, longitude
