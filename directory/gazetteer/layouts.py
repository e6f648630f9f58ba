"""The file layouts the gazetteer reads, each recognised by its header row.

Each layout turns the rows of its file into `Row`s. The official files are read
as they come: a row that cannot be used (a terminated postcode, a postcode
without a grid reference, a malformed code) is skipped and counted under its
reason, so a two-million-row file with a few odd rows still loads. This project's
own small layout is checked in full instead, and refused whole on the first
mistake, naming the line: it is written by hand, so a mistake is a typo to fix.
"""

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import names
from ..geo import OUTWARD_RE, POSTCODE_RE, normalise

NAME_LIMIT = 120
COUNTY_LIMIT = 80


class GazetteerError(Exception):
    pass


class Row(NamedTuple):
    kind: str
    ref: str
    name: str
    key: str
    latitude: float
    longitude: float
    county: str = ""
    nation: str = ""
    population: int = 0
    alt_keys: tuple[str, ...] = ()


@dataclass
class Tally:
    """What reading a file found: rows read, and rows skipped by reason (with the
    first line of each reason, to look at)."""

    read: int = 0
    skipped: Counter = field(default_factory=Counter)
    first_line: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, line: int) -> None:
        self.skipped[reason] += 1
        self.first_line.setdefault(reason, line)


class Lines:
    """The file's lines, with the number of the line last read (which names the
    line a csv error happened on). Lines that are not UTF-8 (read with
    errors="surrogateescape") are refused, or skipped and counted in `tally`."""

    def __init__(self, handle: Iterable[str], tally: Tally | None = None):
        self.lines = iter(handle)
        self.number = 0
        self.tally = tally

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> str:
        while True:
            line = next(self.lines)
            self.number += 1
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:
                if self.tally is None or self.number == 1:
                    raise GazetteerError(
                        f"line {self.number}: not UTF-8 text (save the file as "
                        "UTF-8, or name its encoding with --encoding)"
                    ) from None
                self.tally.skip("not UTF-8 text", self.number)
                continue
            return line


# --- telling the layouts apart --------------------------------------------------


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    # Lower-case header columns that identify it (regular expressions).
    columns: tuple[str, ...]


PROJECT = Layout(
    "project",
    "this project's layout (kind,name,county,latitude,longitude)",
    ("kind", "name", "latitude", "longitude"),
)
ONSPD = Layout(
    "onspd",
    "ONS Postcode Directory",
    ("pcds", "doterm", "lat", "long"),
)
CODE_POINT = Layout(
    "codepoint",
    "OS Code-Point Open",
    ("postcode", "eastings", "northings"),
)
CODE_POINT_SHORT = Layout(
    "codepoint",
    "OS Code-Point Open",
    ("pc", "ea", "no"),
)
IPN = Layout(
    "ipn",
    "ONS Index of Place Names",
    (r"place\d\dnm", r"ctry\d\dnm", "lat", "long"),
)
OPEN_NAMES = Layout(
    "opennames",
    "OS Open Names",
    ("id", "name1", "type", "local_type", "geometry_x", "geometry_y"),
)
POSTCODE_LIST = Layout(
    "postcodes",
    "a postcode list (postcode,latitude,longitude)",
    ("postcode", "latitude", "longitude"),
)
# Most specific first: an ONSPD header also holds "lat" and "long".
LAYOUTS = [PROJECT, ONSPD, CODE_POINT, CODE_POINT_SHORT, IPN, OPEN_NAMES,
           POSTCODE_LIST]  # fmt: skip

# Code-Point Open's data files come without a header (it is a separate file in
# the download); these are its columns, in order.
CODE_POINT_COLUMNS = ["postcode", "positional_quality_indicator", "eastings",
                      "northings", "country_code", "nhs_regional_ha_code",
                      "nhs_ha_code", "admin_county_code", "admin_district_code",
                      "admin_ward_code"]  # fmt: skip
CODE_POINT_SHORT_NAMES = {"pc": "postcode", "pq": "positional_quality_indicator",
                          "ea": "eastings", "no": "northings"}  # fmt: skip


def _matches(layout: Layout, columns: list[str]) -> dict[str, str] | None:
    """{layout column pattern: the file's column} when every one is present."""
    found = {}
    for pattern in layout.columns:
        column = next((c for c in columns if re.fullmatch(pattern, c)), None)
        if column is None:
            return None
        found[pattern] = column
    return found


def detect(first_row: list[str]) -> tuple[Layout, dict[str, str], bool]:
    """The layout of a file from its first row: (layout, the file's name for each
    of the layout's columns, whether that first row is a header)."""
    columns = [c.strip().lower() for c in first_row]
    for layout in LAYOUTS:
        if (found := _matches(layout, columns)) is not None:
            return layout, found, True
    # Code-Point Open as downloaded: no header, a postcode then four numbers.
    if (
        len(columns) >= 4
        and POSTCODE_RE.match(normalise(first_row[0]))
        and all(_is_number(v) for v in first_row[1:4])
    ):
        return CODE_POINT, {}, False
    raise GazetteerError(
        "unknown columns: expected one of "
        + "; ".join(layout.label for layout in LAYOUTS[:-1])
        + f"; or {POSTCODE_LIST.label}"
    )


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is not a coordinate


def _on_the_globe(latitude: float | None, longitude: float | None) -> bool:
    return (
        latitude is not None
        and longitude is not None
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


# Placeholder coordinates of postcodes without a grid reference (ONSPD).
NO_GRID_LATITUDE = 99.999999


def postcode_key(text: str) -> tuple[str, str] | None:
    """("BN1 1AA", "BN1") for a UK postcode written any common way, else None."""
    match = POSTCODE_RE.match(normalise(text))
    if not match:
        return None
    return " ".join(match.groups()), match.group(1)


# --- reading ----------------------------------------------------------------------


def read(handle: Iterable[str], tally: Tally) -> tuple[Layout, Iterator[Row]]:
    """The layout of the file and its rows, read lazily."""
    lines = Lines(handle, tally)
    reader = csv.reader(lines)
    try:
        first = next(reader)
    except StopIteration:
        raise GazetteerError("the file is empty") from None
    except csv.Error as error:
        raise GazetteerError(f"line 1: {error}") from None
    layout, found, has_header = detect(first)
    if layout is PROJECT:
        # Checked in full: refused whole on the first mistake.
        lines.tally = None
    header = [c.strip().lower() for c in first] if has_header else CODE_POINT_COLUMNS
    if layout is CODE_POINT_SHORT:
        header = [CODE_POINT_SHORT_NAMES.get(c, c) for c in header]
        layout = CODE_POINT
    records = _records(reader, lines, header, tally, strict=layout is PROJECT)
    if not has_header:
        records = _with_first(first, header, records, tally)
    reader_for = {
        "project": _project_rows,
        "onspd": _onspd_rows,
        "codepoint": _code_point_rows,
        "ipn": _ipn_rows,
        "opennames": _open_names_rows,
        "postcodes": _postcode_list_rows,
    }[layout.name]
    return layout, reader_for(records, tally, found)


def _with_first(first, header, records, tally):
    tally.read += 1
    yield 1, dict(zip(header, (v.strip() for v in first), strict=False))
    yield from records


def _records(
    reader, lines: Lines, header: list[str], tally: Tally, *, strict: bool
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row keyed by the lower-case header, values stripped)."""
    width = len(header)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if strict:
                raise GazetteerError(f"line {lines.number}: {error}") from None
            tally.read += 1
            tally.skip("unreadable CSV", lines.number)
            continue
        if not values:
            continue
        tally.read += 1
        if len(values) < width and not strict:
            tally.skip("too few columns", lines.number)
            continue
        yield (
            lines.number,
            {k: (v or "").strip() for k, v in zip(header, values, strict=False)},
        )


def _project_rows(records, tally: Tally, found) -> Iterator[Row]:
    # A hand-written file naming a place twice in one county is a mistake: say
    # where both rows are.
    first_line: dict[tuple[str, str, str], int] = {}
    kinds = ("town", "outward", "area", "postcode")
    for line, row in records:
        kind = row["kind"].lower()
        if kind not in kinds:
            raise GazetteerError(
                f"line {line}: kind “{row['kind']}” is not one of {', '.join(kinds)}"
            )
        name = row["name"]
        county = row.get("county", "")
        key = names.place_key(name) if kind == "town" else normalise(name)
        if not key:
            raise GazetteerError(f"line {line}: the name is empty")
        if kind == "postcode":
            parsed = postcode_key(name)
            if parsed is None:
                raise GazetteerError(f"line {line}: “{name}” is not a UK postcode")
            key = name = parsed[0]
        elif kind == "outward" and not OUTWARD_RE.match(key):
            raise GazetteerError(f"line {line}: “{name}” is not an outward code")
        elif kind == "area" and not re.fullmatch(r"[A-Z]{1,2}", key):
            raise GazetteerError(f"line {line}: “{name}” is not a postcode area")
        for column, value, limit in (
            ("name", name, NAME_LIMIT),
            ("county", county, COUNTY_LIMIT),
        ):
            if len(value) > limit:
                raise GazetteerError(
                    f"line {line}: the {column} is longer than {limit} characters"
                )
        county_key = names.place_key(county)
        if (kind, key, county_key) in first_line:
            raise GazetteerError(
                f"line {line}: {kind} “{name}” is already on line "
                f"{first_line[kind, key, county_key]}; each name may appear once "
                "per kind and county"
            )
        first_line[kind, key, county_key] = line
        latitude = _float(row["latitude"])
        longitude = _float(row["longitude"])
        for column, value, number in (
            ("latitude", row["latitude"], latitude),
            ("longitude", row["longitude"], longitude),
        ):
            if number is None:
                raise GazetteerError(f"line {line}: {column} “{value}” is not a number")
        if not _on_the_globe(latitude, longitude):
            raise GazetteerError(
                f"line {line}: {latitude}, {longitude} is not a latitude, longitude"
            )
        ref = key if kind != "town" else f"csv:{key}|{county_key}"
        yield Row(kind, ref, name, key, latitude, longitude, county=county)


def _postcode(postcode: str, latitude, longitude) -> Row:
    key, _ = postcode
    return Row("postcode", key, key, key, latitude, longitude)


def _postcode_list_rows(records, tally: Tally, found) -> Iterator[Row]:
    for line, row in records:
        postcode = postcode_key(row["postcode"])
        if postcode is None:
            tally.skip("not a UK postcode", line)
            continue
        if not row["latitude"] or not row["longitude"]:
            tally.skip("no coordinates", line)
            continue
        latitude, longitude = _float(row["latitude"]), _float(row["longitude"])
        if latitude == NO_GRID_LATITUDE:
            tally.skip("no grid reference (placeholder coordinates)", line)
            continue
        if not _on_the_globe(latitude, longitude):
            tally.skip("coordinates not a latitude, longitude", line)
            continue
        yield _postcode(postcode, latitude, longitude)


def _onspd_rows(records, tally: Tally, found) -> Iterator[Row]:
    lat, lng, doterm = found["lat"], found["long"], found["doterm"]
    for line, row in records:
        postcode = postcode_key(row[found["pcds"]])
        if postcode is None:
            tally.skip("not a UK postcode", line)
            continue
        if row[doterm]:
            tally.skip("terminated postcode", line)
            continue
        latitude, longitude = _float(row[lat]), _float(row[lng])
        # Postcodes without a grid reference carry placeholder coordinates
        # (99.999999, 0) and grid indicator 9.
        if latitude == NO_GRID_LATITUDE or row.get("osgrdind") == "9":
            tally.skip("no grid reference (placeholder coordinates)", line)
            continue
        if not _on_the_globe(latitude, longitude):
            tally.skip("coordinates not a latitude, longitude", line)
            continue
        yield _postcode(postcode, latitude, longitude)


def _code_point_rows(records, tally: Tally, found) -> Iterator[Row]:
    from .grid import to_latitude_longitude

    def usable():
        for line, row in records:
            postcode = postcode_key(row["postcode"])
            if postcode is None:
                tally.skip("not a UK postcode", line)
                continue
            easting, northing = _float(row["eastings"]), _float(row["northings"])
            if easting is None or northing is None:
                tally.skip("eastings or northings not a number", line)
                continue
            # Quality 90: no coordinates (written as 0, 0).
            if (
                row.get("positional_quality_indicator") == "90"
                or easting == northing == 0
            ):
                tally.skip("no grid reference (placeholder coordinates)", line)
                continue
            if not (0 <= easting <= 700_000 and 0 <= northing <= 1_300_000):
                tally.skip("eastings or northings outside Great Britain", line)
                continue
            yield postcode, easting, northing

    for postcode, latitude, longitude in to_latitude_longitude(usable()):
        yield _postcode(postcode, latitude, longitude)


# OS Open Names has no population: rank places by what it calls them.
OPEN_NAMES_POPULATION = {
    "city": 100_000,
    "capital city": 1_000_000,
    "town": 10_000,
    "suburban area": 5_000,
    "village": 1_000,
    "hamlet": 100,
    "other settlement": 50,
}
NATION_NAMES = {nation.lower(): nation for nation in
                ("England", "Scotland", "Wales", "Northern Ireland")}  # fmt: skip


def _place_row(line, tally, ref, name, other, latitude, longitude, **extra):
    key = names.place_key(name)
    if not key:
        tally.skip("no name", line)
        return None
    if len(name) > NAME_LIMIT:
        tally.skip("name too long", line)
        return None
    if not _on_the_globe(latitude, longitude):
        tally.skip("coordinates not a latitude, longitude", line)
        return None
    alt = tuple(
        dict.fromkeys(k for k in (names.place_key(o) for o in other) if k and k != key)
    )
    return Row("town", ref, name, key, latitude, longitude, alt_keys=alt, **extra)


def _ipn_rows(records, tally: Tally, found) -> Iterator[Row]:
    name_column = found[r"place\d\dnm"]
    code_column = name_column[:-2] + "cd"
    nation_column = found[r"ctry\d\dnm"]
    county_column = nation_column.replace("ctry", "cty")
    for line, row in records:
        ref = row.get(code_column) or row.get("placeid") or str(line)
        county = row.get(county_column, "") or row.get("ctyltnm", "")
        place = _place_row(
            line,
            tally,
            f"ipn:{ref}",
            row[name_column],
            (),
            _float(row[found["lat"]]),
            _float(row[found["long"]]),
            county=county[:COUNTY_LIMIT],
            nation=NATION_NAMES.get(row[nation_column].lower(), ""),
        )
        if place is not None:
            yield place


def _open_names_rows(records, tally: Tally, found) -> Iterator[Row]:
    from .grid import to_latitude_longitude

    def populated():
        for line, row in records:
            if row["type"] != "populatedPlace":
                tally.skip("not a populated place (roads, water, landforms)", line)
                continue
            easting, northing = _float(row["geometry_x"]), _float(row["geometry_y"])
            if easting is None or northing is None:
                tally.skip("eastings or northings not a number", line)
                continue
            yield (line, row), easting, northing

    for (line, row), latitude, longitude in to_latitude_longitude(populated()):
        county = row.get("county_unitary") or row.get("district_borough") or ""
        place = _place_row(
            line,
            tally,
            f"osnames:{row['id']}",
            row["name1"],
            [row.get("name2", "")],
            latitude,
            longitude,
            county=county[:COUNTY_LIMIT],
            nation=NATION_NAMES.get(row.get("country", "").lower(), ""),
            population=OPEN_NAMES_POPULATION.get(row["local_type"].lower(), 0),
        )
        if place is not None:
            yield place
