"""Figures derived from the measured ones: each HTTP scenario as a fraction of the
floor, and the growth from one data size to the other.

Plain arithmetic on report rows, without Django, so that `bench.table` can use it.
"""

# A trivial page through every middleware (no query, a tiny template): what this
# stack serves at best on the machine, measured with the same server and wrk.
FLOOR = "floor: /robots.txt through every middleware"
FLOOR_PATH = "/robots.txt"


def _measured(row: dict) -> bool:
    return bool(row.get("measured", True))


def floor_rps(load: list[dict]) -> float | None:
    """The floor's req/s in these load rows, or None when it was not measured."""
    for row in load or []:
        if row.get("name") == FLOOR and _measured(row) and row.get("rps"):
            return row["rps"]
    return None


def with_floor_fractions(load: list[dict]) -> list[dict]:
    """The rows, each measured one with `of_floor`: its req/s divided by the
    floor's (the floor itself 1.0). Without a measured floor, None everywhere."""
    floor = floor_rps(load)
    rows = []
    for row in load or []:
        row = dict(row)
        if _measured(row) and "rps" in row:
            rps = row.get("rps")
            row["of_floor"] = (
                round(rps / floor, 4) if floor and rps is not None else None
            )
        rows.append(row)
    return rows


def ratio(before: float | None, after: float | None) -> float | None:
    """after / before: above 1 a time grew or a throughput rose."""
    if before is None or after is None or not before:
        return None
    return after / before


def growth(small: dict, large: dict, compared: list[tuple[str, str, str]]) -> list:
    """For each (part, name, figure), the figure at both sizes and the ratio
    large / small (None when either is missing)."""
    rows = []
    for part, name, figure in compared:
        before = find(small.get(part), name)
        after = find(large.get(part), name)
        first = (before or {}).get(figure)
        second = (after or {}).get(figure)
        value = ratio(first, second)
        rows.append(
            {
                "part": part,
                "name": name,
                "figure": figure,
                "small": first,
                "large": second,
                "ratio": None if value is None else round(value, 2),
            }
        )
    return rows


def find(rows, name: str) -> dict | None:
    for row in rows or []:
        if row.get("name") == name and _measured(row):
            return row
    return None
