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
        "performance": {"score": 0.97},
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
        "total-blocking-time",
        "largest-contentful-paint",
    ]


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
        "| home (`/`) | 97 | 100 | 100 | 100 | 927 | 1,413 | 195 | 0.000 | 61.9 |"
        in text
    )
    assert "total-blocking-time (190 ms)" in text
    assert "2 CPUs; 1-minute load average 13.5 at the start, 12.25 at the end" in text
    # A page without figures prints dashes and says nothing failed.
    assert (
        "| blog post (`/blog/a/`) | - | - | - | - | - | - | - | - | - | none |" in text
    )


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
