"""`make lighthouse`: what it keeps of Lighthouse's report, and the docs table made
from bench/results/lighthouse.json."""

import http.server
import json
import threading

import pytest

from bench import lighthouse, table

LHR = {
    "finalDisplayedUrl": "http://127.0.0.1:8798/",
    "categories": {
        "performance": {
            "score": 0.97,
            "auditRefs": [
                {"id": "first-contentful-paint", "group": "metrics"},
                {"id": "largest-contentful-paint", "group": "metrics"},
                {"id": "total-blocking-time", "group": "metrics"},
                {"id": "max-potential-fid", "group": "hidden"},
                {"id": "unused-css-rules", "group": "diagnostics"},
            ],
        },
        "accessibility": {"score": 1},
        "best-practices": {"score": 1},
        "seo": {"score": 1},
    },
    "audits": {
        "first-contentful-paint": {"score": 1, "numericValue": 926.76},
        "largest-contentful-paint": {"score": 0.99, "numericValue": 1412.7},
        "total-blocking-time": {
            "score": 0.9,
            "numericValue": 194.6,
            "title": "Total Blocking Time",
            "displayValue": "190 ms",
            "scoreDisplayMode": "numeric",
        },
        "cumulative-layout-shift": {"score": 1, "numericValue": 0},
        "max-potential-fid": {
            "score": 0.5,
            "numericValue": 250,
            "displayValue": "250 ms",
            "scoreDisplayMode": "numeric",
        },
        "unused-css-rules": {
            "score": 0.5,
            "displayValue": "Est savings of 28 KiB",
            "scoreDisplayMode": "metricSavings",
        },
        "color-contrast": {"score": 1, "scoreDisplayMode": "binary"},
        "diagnostics": {"score": None, "scoreDisplayMode": "informative"},
        "font-size": {"score": 0, "scoreDisplayMode": "notApplicable"},
        "resource-summary": {
            "details": {
                "items": [
                    {"resourceType": "total", "transferSize": 63385, "requestCount": 6}
                ]
            }
        },
    },
}


def test_a_page_keeps_its_scores_metrics_and_the_audits_that_did_not_pass():
    page = lighthouse.summary("home", "/", LHR)
    assert page["scores"] == {
        "performance": 97,
        "accessibility": 100,
        "best-practices": 100,
        "seo": 100,
    }
    assert page["metrics"]["tbt_ms"] == pytest.approx(194.6)
    assert page["transfer_kib"] == 61.9
    assert page["requests"] == 6
    # Scores of 1, informative and not-applicable audits are not findings.
    assert [audit["id"] for audit in page["failing"]] == [
        "max-potential-fid",
        "unused-css-rules",
        "total-blocking-time",
        "largest-contentful-paint",
    ]
    # Whether the report shows each: a category's "hidden" group is not shown.
    assert {audit["id"]: audit["shown"] for audit in page["failing"]} == {
        "max-potential-fid": False,
        "unused-css-rules": True,
        "total-blocking-time": True,
        "largest-contentful-paint": True,
    }


def test_failing_is_what_the_report_marks_to_fix_shown_and_below_its_pass_mark():
    shown = {"id": "a", "shown": True}
    assert lighthouse.is_failing({**shown, "score": 0.89}) is True
    assert lighthouse.is_failing({**shown, "score": 0.9}) is False
    assert lighthouse.is_failing({**shown, "score": 0.99}) is False
    assert lighthouse.is_failing({"id": "b", "shown": False, "score": 0}) is False
    # Kept before `shown` was recorded: not known.
    assert lighthouse.is_failing({"id": "c", "score": 0}) is None


REPORT = {
    "date": "2027-01-02T03:04:05+00:00",
    "git": {"commit": "abc1234", "dirty": False},
    "preset": "mobile",
    "serving": "gunicorn",
    "versions": {"lighthouse": "12.2.3", "chromium": "Chromium 156"},
    "machine": {"cpus": 2, "load_average": [13.5, 12.25]},
    "pages": [
        lighthouse.summary("home", "/", LHR),
        {"name": "blog post", "path": "/blog/a/", "scores": {}, "failing": []},
    ],
}


def test_the_table_shows_each_page_with_what_is_left_to_fix():
    text = table.render_lighthouse(REPORT)
    assert "at commit `abc1234` (clean tree): Lighthouse 12.2.3" in text
    assert (
        "| home (`/`) | 97 | 100 | 100 | 100 | 927 | 1,413 | 195 | 0.000 | 61.9 "
        "| unused-css-rules | max-potential-fid (250 ms, 0.50, not shown), "
        "unused-css-rules (Est savings of 28 KiB, 0.50), "
        "total-blocking-time (190 ms, 0.90), largest-contentful-paint (0.99) |"
    ) in text
    assert "2 CPUs; 1-minute load average 13.5 at the start, 12.25 at the end" in text
    # A page without figures prints dashes and says nothing failed.
    assert (
        "| blog post (`/blog/a/`) | - | - | - | - | - | - | - | - | - | none | none |"
        in text
    )


def test_results_kept_before_shown_was_recorded_say_failing_is_not_known():
    old = {
        "name": "home",
        "path": "/",
        "failing": [{"id": "max-potential-fid", "score": 0.87, "display": "140 ms"}],
    }
    text = table.render_lighthouse({**REPORT, "pages": [old]})
    assert "| - | max-potential-fid (140 ms, 0.87) |" in text


def test_the_command_rewrites_the_lighthouse_table_and_check_reports_it(tmp_path):
    results = tmp_path / "latest.json"
    results.write_text(json.dumps({}))
    found = tmp_path / "lighthouse.json"
    found.write_text(json.dumps(REPORT))
    docs = tmp_path / "benchmarks.md"
    docs.write_text(
        f"{table.START}\n{table.END}\n"
        f"{table.LIGHTHOUSE_START}\nold scores\n{table.LIGHTHOUSE_END}\nOutro\n"
    )
    options = [
        "--results",
        str(results),
        "--docs",
        str(docs),
        "--lighthouse",
        str(found),
    ]
    assert table.main([*options, "--check"]) == 1
    assert table.main(options) == 0
    text = docs.read_text()
    assert "old scores" not in text
    assert f"{table.render_lighthouse(REPORT)}{table.LIGHTHOUSE_END}\nOutro\n" in text
    assert table.main([*options, "--check"]) == 0
    # The markers are there but the results file is not: said, nothing changed.
    missing = ["--results", str(results), "--docs", str(docs)]
    assert table.main([*missing, "--lighthouse", str(tmp_path / "none.json")]) == 2
    assert docs.read_text() == text


def test_several_runs_keep_the_one_of_median_performance():
    def run(score: float) -> dict:
        return {"categories": {"performance": {"score": score}}, "id": score}

    kept, scores = lighthouse.median_run([run(0.97), run(0.88), run(1.0)])
    assert kept["id"] == 0.97
    assert scores == [88, 97, 100]
    kept, scores = lighthouse.median_run([run(1.0), run(0.9)])
    assert kept["id"] == 0.9
    assert lighthouse.median_run([run(0.5)])[1] == [50]


def test_a_page_is_fetched_once_before_it_is_audited():
    """Lighthouse counts the server's answer in First Contentful Paint: the warm-up
    makes the first rendering of a page (then kept by the page cache) come before."""
    paths = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            paths.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!doctype html>")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        took = lighthouse.warm_up(f"http://127.0.0.1:{server.server_port}/massage/x/")
    finally:
        server.shutdown()
        server.server_close()
    assert paths == ["/massage/x/"]
    assert took > 0


def test_a_page_keeps_its_max_potential_fid_and_server_answer_time():
    lhr = json.loads(json.dumps(LHR))
    lhr["audits"]["max-potential-fid"] = {"score": 0.97, "numericValue": 96.0}
    lhr["audits"]["server-response-time"] = {"score": 1, "numericValue": 41.5}
    metrics = lighthouse.summary("time picker", "/book/x/1/", lhr)["metrics"]
    assert metrics["max_potential_fid_ms"] == 96.0
    assert metrics["server_response_ms"] == 41.5


def test_the_console_summary_separates_failing_audits_from_the_rest_below_1(capsys):
    lighthouse.print_report({"pages": [lighthouse.summary("home", "/", LHR)]})
    line = capsys.readouterr().out.splitlines()[1]
    assert line.endswith(
        "unused-css-rules / max-potential-fid, total-blocking-time, "
        "largest-contentful-paint"
    )
