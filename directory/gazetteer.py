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


def read_rows(handle: Iterable[str]) -> Iterator[Place]:
    """Rows of either format as unsaved Places.

    - this project's format: kind,name,county,latitude,longitude
      (kind is town, outward or postcode; county may be empty);
    - a plain postcode list: postcode,latitude,longitude (other columns ignored),
      as in the freely available UK postcode files. Outward codes are then derived
      as the centre of their postcodes.
    """
    reader = csv.DictReader(handle)
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if {"kind", "name", "latitude", "longitude"} <= columns:
        yield from _project_rows(reader)
    elif {"postcode", "latitude", "longitude"} <= columns:
        yield from _postcode_rows(reader)
    else:
        raise GazetteerError(
            "unknown columns: expected kind,name,county,latitude,longitude "
            "or postcode,latitude,longitude"
        )


def _project_rows(reader: csv.DictReader) -> Iterator[Place]:
    for line, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        kind = row["kind"].lower()
        if kind not in Place.Kind.values:
            raise GazetteerError(f"line {line}: kind “{row['kind']}” is not one of "
                                 f"{', '.join(Place.Kind.values)}")  # fmt: skip
        name = row["name"]
        key = normalise(name)
        if kind == Place.Kind.POSTCODE:
            match = POSTCODE_RE.match(key)
            if not match:
                raise GazetteerError(f"line {line}: “{name}” is not a UK postcode")
            key = " ".join(match.groups())
            name = key
        yield Place(
            kind=kind,
            name=name,
            key=key,
            county=row.get("county", ""),
            latitude=_float(row["latitude"], line, "latitude"),
            longitude=_float(row["longitude"], line, "longitude"),
        )


def _postcode_rows(reader: csv.DictReader) -> Iterator[Place]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for line, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        match = POSTCODE_RE.match(normalise(row["postcode"]))
        if not match or not row["latitude"] or not row["longitude"]:
            continue  # terminated postcodes have no coordinates
        lat = _float(row["latitude"], line, "latitude")
        lng = _float(row["longitude"], line, "longitude")
        if lat > 90 or abs(lng) > 180:
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
    """Insert or update every row of the file; returns how many rows it had."""
    count = 0
    batch: list[Place] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for place in read_rows(handle):
            batch.append(place)
            if len(batch) >= BATCH:
                count += _upsert(batch)
                batch = []
        count += _upsert(batch)
    return count


def _upsert(batch: list[Place]) -> int:
    if batch:
        Place.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["kind", "key"],
            update_fields=["name", "county", "latitude", "longitude"],
        )
    return len(batch)
