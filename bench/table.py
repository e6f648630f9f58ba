"""The figures tables of docs/benchmarks.md, generated from a benchmark report.

    python -m bench.table            # rewrite the tables from bench/results/latest.json
    python -m bench.table --check    # exit 1 when docs/benchmarks.md is out of date

The Lighthouse table comes the same way from bench/results/lighthouse.json
(`make lighthouse`), between markers of its own.

`scripts/bench.sh` (`make bench`) runs it after every run, so the figures in the
docs are never copied by hand. It rewrites only the lines between the two markers
below and needs neither Django nor a database.
"""

import argparse
import json
import sys
from pathlib import Path

from bench.figures import FLOOR, ratio, with_floor_fractions
from bench.figures import find as _find
from bench.lighthouse import is_failing

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOCS = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench-table:start -->"
END = "<!-- bench-table:end -->"
LIGHTHOUSE_RESULTS = ROOT / "bench" / "results" / "lighthouse.json"
LIGHTHOUSE_START = "<!-- lighthouse-table:start -->"
LIGHTHOUSE_END = "<!-- lighthouse-table:end -->"
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
DASH = "-"


class MarkersMissing(Exception):
    """The document has no place for the tables."""


def render(report: dict) -> str:
    """The tables and their notes, as Markdown, for the lines between the markers."""
    parts = [
        _measured_when(report),
        *_warnings(report),
        _budgets(report.get("budgets") or []),
        _over_http(report),
        *_booking_posts(report.get("load") or []),
        _in_process(report.get("in_process") or []),
        _queries(report.get("queries") or []),
        _index_use(report.get("index_use") or {}),
        _scale(report),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def replace_between(text: str, block: str, start_mark=START, end_mark=END) -> str:
    """`text` with everything between the markers replaced by `block`."""
    start = text.find(start_mark)
    end = text.find(end_mark, start + 1) if start != -1 else -1
    if start == -1 or end == -1:
        raise MarkersMissing(
            f"the document needs the lines {start_mark} and {end_mark} "
            "around the tables"
        )
    head = text[: start + len(start_mark)]
    return f"{head}\n{block}{text[end:]}"


def render_lighthouse(report: dict) -> str:
    """The Lighthouse scores and the audits left to fix, as Markdown."""
    git = report.get("git") or {}
    tree = {True: "uncommitted changes", False: "clean tree"}.get(git.get("dirty"))
    versions = report.get("versions") or {}
    lines = [
        f"Measured {_text(str(report.get('date') or '')[:10])} at commit "
        f"{_code(git.get('commit'))}{f' ({tree})' if tree else ''}: "
        f"Lighthouse {_text(versions.get('lighthouse'))}, "
        f"{_text(versions.get('chromium'))}, {_text(report.get('preset'))}; "
        f"{_text(report.get('serving'))}.",
        *_lighthouse_machine(report.get("machine") or {}),
        "",
        "| page | performance | accessibility | best practices | SEO "
        "| FCP ms | LCP ms | TBT ms | CLS | KiB sent | failing in the report "
        "| audits below 1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in report.get("pages") or []:
        scores = page.get("scores") or {}
        metrics = page.get("metrics") or {}
        below = page.get("failing") or []
        judged = [is_failing(audit) for audit in below]
        if None in judged:
            in_report = DASH
        else:
            in_report = ", ".join(
                str(audit.get("id"))
                for audit, fails in zip(below, judged, strict=True)
                if fails
            )
        failing = ", ".join(_below_one(audit) for audit in below)
        cls = metrics.get("cls")
        lines.append(
            _row(
                f"{page.get('name')} (`{page.get('path')}`)",
                *(_text(scores.get(category)) for category in LIGHTHOUSE_CATEGORIES),
                _whole(metrics.get("fcp_ms")),
                _whole(metrics.get("lcp_ms")),
                _whole(metrics.get("tbt_ms")),
                DASH if cls is None else f"{cls:.3f}",
                _number(page.get("transfer_kib")),
                in_report or "none",
                failing or "none",
            )
        )
    return "\n".join(lines) + "\n"


def _below_one(audit: dict) -> str:
    """An audit scored below 1: its id, figure and score, and "not shown" when the
    report hides it."""
    details = [_text(audit.get("display"))] if audit.get("display") else []
    if audit.get("score") is not None:
        details.append(f"{audit['score']:.2f}")
    if audit.get("shown") is False:
        details.append("not shown")
    return (
        f"{audit.get('id')} ({', '.join(details)})" if details else str(audit.get("id"))
    )


def _lighthouse_machine(machine: dict) -> list[str]:
    load = machine.get("load_average")
    if not load:
        return []
    return [
        f"{_text(machine.get('cpus'))} CPUs; 1-minute load average {_text(load[0])} "
        f"at the start, {_text(load[-1])} at the end (a busy machine lowers the "
        "performance score through Total Blocking Time)."
    ]


def _whole(value) -> str:
    return DASH if value is None else f"{value:,.0f}"


def _measured_when(report: dict) -> str:
    git = report.get("git") or {}
    tree = {True: "uncommitted changes", False: "clean tree"}.get(git.get("dirty"))
    commit = report.get("git_commit") or git.get("commit")
    machine = report.get("machine") or {}
    postgres = str(machine.get("postgresql") or "").split(" ")[0]
    data = report.get("data") or {}
    load = (machine.get("load_average") or {}).get("start")
    return (
        f"Measured {_text(str(report.get('date') or '')[:10])} at commit "
        f"{_code(commit)}{f' ({tree})' if tree else ''}: "
        f"{_text(machine.get('cpus'))} CPUs, {_text(machine.get('memory'))}, "
        f"PostgreSQL {_text(postgres)}, Python {_text(machine.get('python'))}, "
        f"Django {_text(machine.get('django'))}; "
        f"1-minute load average {_text(load[0] if load else None)} at the start.\n"
        f"Data: {_count(data.get('practitioners'))} practitioners, "
        f"{_count(data.get('bookings'))} bookings, {_count(data.get('posts'))} posts, "
        f"{_count(data.get('course_dates'))} course dates.\n"
        f"The run took {_text(report.get('elapsed_s'))} s."
    )


def _warnings(report: dict) -> list[str]:
    return [f"**Warning:** {warning}" for warning in report.get("warnings") or []]


def _budgets(rows: list[dict]) -> str:
    verdicts = {True: "met", False: "**not met**"}
    lines = ["| budget | measured | |", "|---|---|---|"]
    for row in rows:
        lines.append(
            _row(
                row.get("budget"),
                row.get("measured"),
                verdicts.get(row.get("met"), DASH),
            )
        )
    return "\n".join(lines)


def _over_http(report: dict) -> str:
    load = report.get("load") or []
    # Reports from before the floor was measured keep their table as it was.
    with_floor = any(row.get("name") == FLOOR for row in load)
    header = "| over HTTP | connections | req/s | p50 ms | p95 ms | p99 ms | errors |"
    lines = [
        header + (" of floor |" if with_floor else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if with_floor else ""),
    ]
    reasons = []
    for row in with_floor_fractions(load) if with_floor else load:
        figures = [DASH] * (6 if with_floor else 5)
        if row.get("measured"):
            errors = (row.get("errors") or {}).get("total")
            figures = [
                _number(row.get("rps")),
                _number(row.get("p50_ms")),
                _number(row.get("p95_ms")),
                _number(row.get("p99_ms")),
                _text(errors),
            ]
            if with_floor:
                figures.append(_percent(row.get("of_floor")))
        elif row.get("reason"):
            reasons.append(f"{row.get('name')}: {row.get('reason')}")
        lines.append(_row(row.get("name"), row.get("connections"), *figures))
    if report.get("load_error"):
        lines.append(f"\nNot measured over HTTP: {_flat(report['load_error'])}.")
    elif reasons:
        lines.append("\nNot measured: " + "; ".join(_flat(r) for r in reasons) + ".")
    return "\n".join(lines)


def _booking_posts(load: list[dict]) -> list[str]:
    notes = []
    for row in load:
        posts = row.get("booking_posts")
        if not posts:
            continue
        refused = posts.get("refused")
        notes.append(
            f"The booking mix booked {_count(posts.get('booked'))} of its "
            f"{_count(posts.get('prepared'))} prepared slots "
            f"({_count(posts.get('in_database'))} in the database), "
            f"{'none' if refused == 0 else _count(refused)} refused"
            + (", and ran out of slots." if posts.get("ran_out") else ".")
        )
    return notes


def _in_process(rows: list[dict]) -> str:
    lines = ["| in process | median ms | p95 ms | queries |", "|---|---|---|---|"]
    for row in rows:
        lines.append(
            _row(
                row.get("name"),
                _number(row.get("median_ms")),
                _number(row.get("p95_ms")),
                row.get("queries"),
            )
        )
    return "\n".join(lines)


def _queries(rows: list[dict]) -> str:
    lines = [
        "| queries per request | URLs | fewest | most | most at |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        url = row.get("max_url")
        lines.append(
            _row(
                row.get("name"),
                row.get("urls"),
                row.get("min"),
                row.get("max"),
                _code(url) if url else None,
            )
        )
    return "\n".join(lines)


def _index_use(index: dict) -> str:
    if not index:
        return ""
    verdict = {True: "yes", False: "**no**"}.get(index.get("uses_index"), DASH)
    return (
        f"Index use: {_text(index.get('query'))} reads {_code(index.get('index'))}: "
        f"{verdict}."
    )


SCALE_IN_PROCESS = [
    "directory search: rotating 8 searches",
    "town page: rotating 8 towns",
    "place suggestions for a typo (trigram index)",
    "next free time worked out for a page of 12 practitioners",
    "practitioner profile",
    "slots JSON over the test client (14 days)",
    "booking POST through the flow (CSRF, session, rolled back)",
]
SCALE_OVER_HTTP = [
    "directory search",
    "town page",
    "practitioner profile",
    "slots JSON (14 days)",
    "booking mix (profile, times, slots, booking POST)",
]


def _scale(report: dict) -> str:
    """The directory at the full run's size and at the scale run's, side by side."""
    large = report.get("scale")
    if not large:
        return "Scale: the run at 100,000 practitioners was not made."
    small_data = report.get("data") or {}
    large_data = large.get("data") or {}
    small_size = _count(small_data.get("practitioners"))
    large_size = _count(large_data.get("practitioners"))
    lines = [
        f"Scale: the directory at {small_size} and at {large_size} practitioners, "
        f"each with every UK place and {_count(large_data.get('postcodes'))} "
        f"postcodes (commit {_code(large.get('git_commit'))}, 1-minute load "
        f"average {_text((large.get('load_average') or {}).get('start', [None])[0])}"
        " at its start).",
        "",
        f"| at each size | {small_size} | {large_size} | ratio |",
        "|---|---|---|---|",
    ]
    # A row for each figure the scale run has (measured or not): a report from
    # before profile, slots and booking mix were measured at scale shows none.
    for name in SCALE_IN_PROCESS:
        if not _named(large.get("in_process"), name):
            continue
        before = _find(report.get("in_process"), name)
        after = _find(large.get("in_process"), name)
        for figure, label in (("median_ms", "median ms"), ("p95_ms", "p95 ms")):
            lines.append(_compared(f"{name}, {label}", before, after, figure))
        if before or after:
            lines.append(
                _row(
                    f"{name}, queries",
                    (before or {}).get("queries"),
                    (after or {}).get("queries"),
                    None,
                )
            )
    small_load = report.get("load") or []
    large_load = large.get("load") or []
    with_floor = _find(large_load, FLOOR) is not None
    if with_floor:
        small_load = with_floor_fractions(small_load)
        large_load = with_floor_fractions(large_load)
    compared = [("rps", "req/s"), ("p95_ms", "p95 ms")]
    if with_floor:
        compared.append(("of_floor", "of floor"))
    for name in SCALE_OVER_HTTP:
        if not _named(large_load, name):
            continue
        before = _find(small_load, name)
        after = _find(large_load, name)
        for figure, label in compared:
            lines.append(_compared(f"{name} over HTTP, {label}", before, after, figure))
    if with_floor:
        lines.append(
            _compared(
                f"{FLOOR} over HTTP, req/s",
                _find(small_load, FLOOR),
                _find(large_load, FLOOR),
                "rps",
            )
        )
    return "\n".join(lines)


def _named(rows, name: str) -> bool:
    return any(row.get("name") == name for row in rows or [])


def _compared(label: str, before: dict | None, after: dict | None, figure: str):
    first = (before or {}).get(figure)
    second = (after or {}).get(figure)
    value = ratio(first, second)
    show = _percent if figure == "of_floor" else _number
    return _row(
        label, show(first), show(second), None if value is None else f"{value:.2f}"
    )


def _row(*cells) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(value) -> str:
    return _text(value).replace("|", "\\|")


def _flat(value: str) -> str:
    return " ".join(str(value).split())


def _text(value) -> str:
    if value is None or value == "":
        return DASH
    return _flat(value)


def _number(value) -> str:
    return DASH if value is None else f"{value:.1f}"


def _percent(value) -> str:
    return DASH if value is None else f"{value:.1%}"


def _count(value) -> str:
    return DASH if value is None else f"{value:,}"


def _code(value) -> str:
    return DASH if not value else f"`{value}`"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rewrite the figures tables of docs/benchmarks.md from a report."
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--lighthouse", type=Path, default=LIGHTHOUSE_RESULTS)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when the document's tables are out of date",
    )
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.results.read_text())
        current = args.docs.read_text()
        wanted = replace_between(current, render(report))
        # A page with the Lighthouse markers gets that table too.
        if LIGHTHOUSE_START in current:
            lighthouse = json.loads(args.lighthouse.read_text())
            wanted = replace_between(
                wanted, render_lighthouse(lighthouse), LIGHTHOUSE_START, LIGHTHOUSE_END
            )
    except (OSError, ValueError, MarkersMissing) as error:
        print(f"bench.table: {error}", file=sys.stderr)
        return 2
    if args.check:
        if wanted != current:
            sources = str(args.results)
            if LIGHTHOUSE_START in current:
                sources += f" and {args.lighthouse}"
            print(
                f"{args.docs} does not match {sources}: run `python -m bench.table`.",
                file=sys.stderr,
            )
            return 1
        return 0
    if wanted != current:
        args.docs.write_text(wanted)
        print(f"Rewrote the figures in {args.docs} from {args.results}.")
    else:
        print(f"The figures in {args.docs} already match {args.results}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
