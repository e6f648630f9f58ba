"""The figures in docs/benchmarks.md are generated from bench/results/latest.json."""

import json

import pytest

from bench import table

SAMPLE = {
    "date": "2027-01-02T03:04:05+00:00",
    "git_commit": "abc1234-dirty",
    "git": {"commit": "abc1234", "dirty": True, "changed": ["bench/run.py"]},
    "machine": {"cpus": 2, "python": "3.13.0", "postgresql": "15.20 (Debian)"},
    "warnings": ["uncommitted changes beside commit abc1234: bench/run.py"],
    "data": {"practitioners": 10000, "bookings": 100000},
    "in_process": [
        {"name": "blog list", "median_ms": 9.44, "p95_ms": 10.55, "queries": 4},
        {"name": "a | b", "median_ms": None, "p95_ms": 1.0},
    ],
    "queries": [{"name": "blog post", "urls": 200, "min": 6, "max": 6}],
    "load": [
        {
            "name": "directory search",
            "connections": 8,
            "measured": True,
            "rps": 103.44,
            "p50_ms": 76.48,
            "p95_ms": 100.56,
            "p99_ms": 117.04,
            "errors": {"total": 0},
        },
        {
            "name": "booking mix",
            "connections": 8,
            "measured": True,
            "rps": 139.4,
            "p50_ms": 51.48,
            "p95_ms": None,
            "p99_ms": 114.11,
            "errors": {"total": 3},
            "booking_posts": {
                "prepared": 3000,
                "booked": 697,
                "refused": 2,
                "ran_out": True,
                "in_database": 698,
            },
        },
        {
            "name": "blog post",
            "connections": 8,
            "measured": False,
            "reason": "port 8799 on 127.0.0.1 is taken",
        },
    ],
    "load_error": "port 8799 on 127.0.0.1 is taken",
    "budgets": [
        {"budget": "search >= 100 req/s", "measured": "103.44 req/s", "met": True},
        {"budget": "slots p95 <= 50 ms", "measured": "61 ms", "met": False},
        {"budget": "blog p95 <= 50 ms", "measured": "not measured", "met": None},
    ],
}


def test_the_committed_figures_are_those_the_command_generates():
    report = json.loads(table.RESULTS.read_text())
    document = table.DOCS.read_text()
    assert table.replace_between(document, table.render(report)) == document, (
        "docs/benchmarks.md differs from bench/results/latest.json: "
        "run `python -m bench.table` and commit the page"
    )


def test_the_check_option_agrees_with_the_committed_files():
    assert table.main(["--check"]) == 0


def test_figures_are_rounded_and_missing_ones_print_a_dash():
    text = table.render(SAMPLE)
    lines = text.splitlines()
    assert "| directory search | 8 | 103.4 | 76.5 | 100.6 | 117.0 | 0 |" in lines
    assert "| booking mix | 8 | 139.4 | 51.5 | - | 114.1 | 3 |" in lines
    assert "| blog post | 8 | - | - | - | - | - |" in lines
    assert "| blog list | 9.4 | 10.6 | 4 |" in lines
    # A cell holding the table's separator is escaped, not split.
    assert "| a \\| b | - | 1.0 | - |" in lines
    assert "| blog post | 200 | 6 | 6 | - |" in lines


def test_budgets_say_met_not_met_or_a_dash():
    lines = table.render(SAMPLE).splitlines()
    assert "| search >= 100 req/s | 103.44 req/s | met |" in lines
    assert "| slots p95 <= 50 ms | 61 ms | **not met** |" in lines
    assert "| blog p95 <= 50 ms | not measured | - |" in lines


def test_the_run_is_described_with_its_warnings_and_gaps():
    text = table.render(SAMPLE)
    assert "Measured 2027-01-02 at commit `abc1234-dirty` (uncommitted changes)" in text
    # Memory, Django, the load average and some counts are missing from the sample.
    assert "2 CPUs, -, PostgreSQL 15.20, Python 3.13.0, Django -;" in text
    assert "1-minute load average - at the start." in text
    assert "10,000 practitioners, 100,000 bookings, - posts, - course dates." in text
    assert "**Warning:** uncommitted changes beside commit abc1234" in text
    assert "Not measured over HTTP: port 8799 on 127.0.0.1 is taken." in text
    assert (
        "The booking mix booked 697 of its 3,000 prepared slots (698 in the "
        "database), 2 refused, and ran out of slots." in text
    )


def test_an_empty_report_still_renders_every_table():
    text = table.render({})
    for header in ("| budget |", "| over HTTP |", "| in process |"):
        assert header in text
    assert "Index use" not in text


def test_only_the_lines_between_the_markers_change():
    document = f"# Title\n\nBefore.\n\n{table.START}\nold\n{table.END}\n\nAfter.\n"
    rewritten = table.replace_between(document, "new\n")
    assert (
        rewritten
        == f"# Title\n\nBefore.\n\n{table.START}\nnew\n{table.END}\n\nAfter.\n"
    )
    assert table.replace_between(rewritten, "new\n") == rewritten


@pytest.mark.parametrize(
    "document",
    ["no markers", f"{table.START} only the start", f"{table.END} {table.START}"],
)
def test_a_document_without_both_markers_is_refused(document):
    with pytest.raises(table.MarkersMissing):
        table.replace_between(document, "new\n")


def test_the_command_rewrites_a_stale_page_and_check_reports_it(tmp_path, capsys):
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(SAMPLE))
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"Intro\n{table.START}\nold figures\n{table.END}\nOutro\n")
    options = ["--results", str(results), "--docs", str(docs)]

    assert table.main([*options, "--check"]) == 1
    assert "old figures" in docs.read_text()
    assert table.main(options) == 0
    assert docs.read_text() == (
        f"Intro\n{table.START}\n{table.render(SAMPLE)}{table.END}\nOutro\n"
    )
    assert table.main([*options, "--check"]) == 0
    assert "already match" not in capsys.readouterr().out
    assert table.main(options) == 0
    assert "already match" in capsys.readouterr().out


def test_the_command_explains_a_missing_file_or_markers(tmp_path, capsys):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("no markers here\n")
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(SAMPLE))

    assert (
        table.main(["--results", str(tmp_path / "none.json"), "--docs", str(docs)]) == 2
    )
    assert "none.json" in capsys.readouterr().err
    assert table.main(["--results", str(results), "--docs", str(docs)]) == 2
    assert "needs the lines" in capsys.readouterr().err
    assert docs.read_text() == "no markers here\n"
