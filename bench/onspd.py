"""A synthetic file in the ONS Postcode Directory's layout, as large as the real one.

The real ONSPD (about 2.7 million rows, a third of them terminated postcodes) is
not shipped: it is large and released quarterly. To measure `load_gazetteer` on a
file of its size, and to give the benchmark a full-size gazetteer, this writes one
with the same header, the same kinds of rows (live, terminated, without a grid
reference) in about the same proportions, and postcodes spread over the UK's 121
postcode areas around their main towns. Seeded: the same arguments give the same
file.

    python -m bench.onspd --rows 2700000 /tmp/onspd.csv
"""

import argparse
import csv
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path

HEADER_LINE = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,"
    "osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,"
    "statsward,oa01,casward,park,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,"
    "wz11,sicbl,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,"
    "oa21,lsoa21,msoa21"
)
HEADER = HEADER_LINE.split(",")
# Letters the inward code's last two characters use (Royal Mail leaves out
# C, I, K, M, O and V).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
TERMINATED = 0.33
NO_GRID = 0.004
FULL_SIZE = 2_700_000


def _areas() -> list[tuple[str, float, float]]:
    """(area, latitude, longitude) of each postcode area's main town, from the
    lists the gazetteer ships (no database needed)."""
    from directory.gazetteer import builtin

    anchors = builtin._anchors(builtin.geonames_places())
    from directory import names

    found = []
    for area in builtin.postcode_areas():
        town = anchors[names.place_key(area["anchor"]), area["nation"]]
        found.append((area["area"], town.latitude, town.longitude))
    return found


def postcodes(rows: int, seed: int = 7) -> Iterator[tuple[str, float, float]]:
    """`rows` distinct postcodes, (postcode, latitude, longitude), area by area."""
    rng = random.Random(seed)
    areas = _areas()
    per_area = math.ceil(rows / len(areas))
    units = [a + b for a in UNIT_LETTERS for b in UNIT_LETTERS]
    produced = 0
    for area, latitude, longitude in areas:
        districts = max(1, min(99, math.ceil(per_area / 3800)))
        per_district = math.ceil(per_area / districts)
        for district in range(1, districts + 1):
            centre = (latitude + rng.gauss(0, 0.08), longitude + rng.gauss(0, 0.12))
            made = 0
            for sector in range(10):
                for unit in units:
                    if made >= per_district or produced >= rows:
                        break
                    yield (
                        f"{area}{district} {sector}{unit}",
                        centre[0] + rng.gauss(0, 0.02),
                        centre[1] + rng.gauss(0, 0.03),
                    )
                    made += 1
                    produced += 1
            if produced >= rows:
                return


def write(path: Path, rows: int = FULL_SIZE, seed: int = 7) -> int:
    rng = random.Random(seed + 1)
    codes = [f"E0{n:07d}" for n in range(1000)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER)
        for count, (pcds, latitude, longitude) in enumerate(
            postcodes(rows, seed), start=1
        ):
            values = dict.fromkeys(HEADER, "")
            for column in HEADER:
                values[column] = codes[(count + len(column)) % len(codes)]
            draw = rng.random()
            terminated = draw < TERMINATED
            no_grid = not terminated and draw < TERMINATED + NO_GRID
            values.update(
                pcd=pcds.replace(" ", "").ljust(7),
                pcd2=pcds.ljust(8),
                pcds=pcds,
                dointr="198001",
                doterm="201912" if terminated else "",
                usertype="0",
                oseast1m="" if no_grid else str(400000 + count % 200000),
                osnrth1m="" if no_grid else str(100000 + count % 900000),
                osgrdind="9" if no_grid else "1",
                lat="99.999999" if no_grid else f"{latitude:.6f}",
                long="0.000000" if no_grid else f"{longitude:.6f}",
            )
            writer.writerow(values.values())
    return count


def main() -> int:
    import os

    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=FULL_SIZE)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    count = write(args.path, args.rows, args.seed)
    size = args.path.stat().st_size / 1024 / 1024
    print(f"Wrote {count:,} rows ({size:,.0f} MiB) to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
