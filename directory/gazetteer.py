"""Loading the gazetteer (towns, outward codes, postcodes) from a CSV file."""

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import transaction

from .geo import OUTWARD_RE, POSTCODE_RE, normalise
from .models import Place

BUNDLED = Path(__file__).resolve().parent / "data" / "gazetteer.csv"
BATCH = 5000


class GazetteerError(Exception):
    pass


def _float(value: str, line: int, column: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise GazetteerError(
            f"line {line}: {column} “{value}” is not a number"
        ) from None


class _Lines:
    """The file's lines, refusing the first that is not UTF-8 (read with
    errors="surrogateescape", so the decoder does not fail mid-file without
    saying where). `number` is the line last read, which names the line a
    csv error happened on."""

    def __init__(self, handle: Iterable[str]):
        self.lines = iter(handle)
        self.number = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.number += 1
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            raise GazetteerError(
                f"line {self.number}: not UTF-8 text (save the file as UTF-8)"
            ) from None
        return line


def _records(
    reader: csv.DictReader, lines: _Lines
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row with lower-case keys and stripped values)."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise GazetteerError(f"line {lines.number}: {error}") from None
        yield (
            lines.number,
            {k.strip().lower(): (v or "").strip() for k, v in row.items() if k},
        )


def read_rows(handle: Iterable[str]) -> Iterator[Place]:
    """Rows of either format as unsaved Places.

    - this project's format: kind,name,county,latitude,longitude
      (kind is town, outward or postcode; county may be empty);
    - a plain postcode list: postcode,latitude,longitude (other columns ignored),
      as in the freely available UK postcode files. Outward codes are then derived
      as the centre of their postcodes.
    """
    lines = _Lines(handle)
    reader = csv.DictReader(lines)
    try:
        columns = {c.strip().lower() for c in reader.fieldnames or []}
    except csv.Error as error:
        raise GazetteerError(f"line 1: {error}") from None
    if {"kind", "name", "latitude", "longitude"} <= columns:
        yield from _project_rows(_records(reader, lines))
    elif {"postcode", "latitude", "longitude"} <= columns:
        yield from _postcode_rows(_records(reader, lines))
    else:
        raise GazetteerError(
            "unknown columns: expected kind,name,county,latitude,longitude "
            "or postcode,latitude,longitude"
        )


def _project_rows(records: Iterator[tuple[int, dict[str, str]]]) -> Iterator[Place]:
    # A hand-written file naming a place twice is a mistake (two Newports?): the
    # table holds one place per kind and name, so say where both rows are.
    first_line: dict[tuple[str, str], int] = {}
    for line, row in records:
        kind = row["kind"].lower()
        if kind not in Place.Kind.values:
            raise GazetteerError(f"line {line}: kind “{row['kind']}” is not one of "
                                 f"{', '.join(Place.Kind.values)}")  # fmt: skip
        name = row["name"]
        key = normalise(name)
        if not key:
            raise GazetteerError(f"line {line}: the name is empty")
        if kind == Place.Kind.POSTCODE:
            match = POSTCODE_RE.match(key)
            if not match:
                raise GazetteerError(f"line {line}: “{name}” is not a UK postcode")
            key = " ".join(match.groups())
            name = key
        for column, value in (("name", name), ("county", row.get("county", ""))):
            limit = Place._meta.get_field(column).max_length
            if len(value) > limit:
                raise GazetteerError(
                    f"line {line}: the {column} is longer than {limit} characters"
                )
        if (kind, key) in first_line:
            raise GazetteerError(
                f"line {line}: {kind} “{name}” is already on line "
                f"{first_line[kind, key]}; each name may appear once per kind"
            )
        first_line[kind, key] = line
        latitude = _float(row["latitude"], line, "latitude")
        longitude = _float(row["longitude"], line, "longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise GazetteerError(
                f"line {line}: {latitude}, {longitude} is not a latitude, longitude"
            )
        yield Place(
            kind=kind,
            name=name,
            key=key,
            county=row.get("county", ""),
            latitude=latitude,
            longitude=longitude,
        )


def _postcode_rows(records: Iterator[tuple[int, dict[str, str]]]) -> Iterator[Place]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for line, row in records:
        match = POSTCODE_RE.match(normalise(row["postcode"]))
        if not match or not row["latitude"] or not row["longitude"]:
            continue  # terminated postcodes have no coordinates
        lat = _float(row["latitude"], line, "latitude")
        lng = _float(row["longitude"], line, "longitude")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            continue  # placeholder coordinates (99.999999) in some files
        key = " ".join(match.groups())
        yield Place(kind=Place.Kind.POSTCODE, name=key, key=key, latitude=lat,
                    longitude=lng)  # fmt: skip
        total = sums[match.group(1)]
        total[0] += lat
        total[1] += lng
        total[2] += 1
    for outward, (lat, lng, n) in sums.items():
        if OUTWARD_RE.match(outward):
            yield Place(kind=Place.Kind.OUTWARD, name=outward, key=outward,
                        latitude=lat / n, longitude=lng / n)  # fmt: skip


@transaction.atomic
def load(path: Path = BUNDLED) -> int:
    """Insert or update every row of the file; returns how many places it wrote."""
    count = 0
    batch: list[Place] = []
    with open(
        path, newline="", encoding="utf-8-sig", errors="surrogateescape"
    ) as handle:
        for place in read_rows(handle):
            batch.append(place)
            if len(batch) >= BATCH:
                count += _upsert(batch)
                batch = []
        count += _upsert(batch)
    return count


def _upsert(batch: list[Place]) -> int:
    # One INSERT cannot update a row twice. Only a postcode list can repeat a
    # postcode here (project files are checked above); its last row wins, as it
    # does when the repeat falls in a later batch.
    batch = list({(place.kind, place.key): place for place in batch}.values())
    if batch:
        Place.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["kind", "key"],
            update_fields=["name", "county", "latitude", "longitude"],
        )
    return len(batch)
