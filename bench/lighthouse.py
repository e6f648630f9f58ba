"""`make lighthouse`: Lighthouse (mobile) over the key pages, served as in production.

Run as `python -m bench.lighthouse` with DJANGO_SETTINGS_MODULE=config.settings.bench
(scripts/lighthouse.sh sets it and loads the demo data into a database of its own).
It collects the static files, starts gunicorn (DEBUG off, whitenoise, the hashed and
compressed files) on LIGHTHOUSE_PORT, and runs the npm `lighthouse` command with
Debian's Chromium headless over home, search, a profile, the time picker, a blog
post, the course list, a town and a technique page. The scores, the audits that did
not pass and the main metrics go to bench/results/lighthouse.json; docs/benchmarks.md
shows them through `python -m bench.table`.

Each page is fetched once before it is audited (`--no-warm-up` leaves this out),
as `make bench` does before its load runs: Lighthouse loads a page once, and
counts the server's answer time in First Contentful Paint; the first request for
a page after gunicorn starts renders it (an anonymous page then comes from the
page cache), and that cold answer (up to 0.4 s for a town page on a busy machine)
is not what visitors wait for.

`--runs N` audits each page N times and keeps the run whose performance score is the
median (the others' scores are listed as `performance_runs`): a busy machine moves
that score from one run to the next.

The exit code is 0 when every page could be audited, whatever the scores: a score
below 100 is a finding to read in the report, never a failed run.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "lighthouse.json"
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "8798"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "fcp_ms",
    "largest-contentful-paint": "lcp_ms",
    "total-blocking-time": "tbt_ms",
    "cumulative-layout-shift": "cls",
    "speed-index": "speed_index_ms",
    "max-potential-fid": "max_potential_fid_ms",
    "server-response-time": "server_response_ms",
}
ATTEMPTS = 3
# Audits whose score says nothing passed or failed.
NOT_JUDGED = {"informative", "notApplicable", "manual", "error"}
# Lighthouse's report shows an audit as passed from this score up (green); below it
# the audit is listed to fix (orange, red).
PASS_MARK = 0.9


class LighthouseError(Exception):
    """A page could not be audited."""


def pages() -> list[tuple[str, str]]:
    """(name, path) of each key page, found in the demo data."""
    from django.urls import reverse

    from blog.models import Post
    from bookings.models import Service
    from directory.models import Place, Practitioner

    service = (
        Service.objects.filter(practitioner__in=Practitioner.objects.listed())
        .select_related("practitioner")
        .order_by("practitioner__pk", "pk")
        .first()
    )
    if service is None:
        raise LighthouseError("no listed practitioner with a service: run seed_demo")
    practitioner = service.practitioner
    technique = practitioner.techniques.order_by("pk").first()
    town = Place.objects.filter(kind=Place.Kind.TOWN, slug="brighton").first()
    post = Post.objects.live().order_by("pk").first()
    if technique is None or town is None or post is None:
        raise LighthouseError("the demo data lacks a technique, Brighton or a post")
    return [
        ("home", reverse("home")),
        ("search", reverse("directory:search") + "?where=Brighton"),
        ("profile", practitioner.get_absolute_url()),
        (
            "time picker",
            reverse("bookings:choose-time", args=[practitioner.slug, service.pk]),
        ),
        ("blog post", post.get_absolute_url()),
        ("course list", reverse("courses:list")),
        ("town", town.get_absolute_url()),
        ("technique", technique.get_absolute_url()),
    ]


def audit(url: str, workdir: Path) -> dict:
    """One Lighthouse run (the mobile preset, Lighthouse's default) over url."""
    output = workdir / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    # On a busy machine Chromium sometimes fails to record the trace (NO_NAVSTART);
    # Lighthouse's own advice is to run it again.
    for attempt in range(1, ATTEMPTS + 1):
        output.unlink(missing_ok=True)
        run = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if run.returncode == 0 and output.exists():
            return json.loads(output.read_text())
        if attempt < ATTEMPTS:
            print(f"  again: {run.stderr.strip().splitlines()[-1:]}", flush=True)
    raise LighthouseError(f"lighthouse failed on {url}: {run.stderr[-2000:]}")


def warm_up(url: str) -> float:
    """Fetch url once, as a visitor before Lighthouse would; milliseconds taken."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    return round((time.perf_counter() - started) * 1000, 1)


def shown_audits(lhr: dict) -> set[str]:
    """Ids of the audits Lighthouse's report shows: those a category lists outside
    its "hidden" group. Hidden ones (max-potential-fid, weight 0, among them) are
    kept in the JSON only."""
    return {
        ref["id"]
        for category in lhr.get("categories", {}).values()
        for ref in category.get("auditRefs") or []
        if ref.get("group") != "hidden"
    }


def is_failing(audit: dict) -> bool | None:
    """Whether Lighthouse's report marks the audit as one to fix: shown, and scored
    below its pass mark. None for results kept before `shown` was recorded."""
    if "shown" not in audit:
        return None
    return audit["shown"] and audit["score"] < PASS_MARK


def summary(name: str, path: str, lhr: dict) -> dict:
    """What the results file keeps of one page's Lighthouse report."""
    audits = lhr["audits"]
    shown = shown_audits(lhr)
    failing = []
    for audit_id, result in audits.items():
        score = result.get("score")
        if result.get("scoreDisplayMode") in NOT_JUDGED or score is None:
            continue
        if score < 1:
            failing.append(
                {
                    "id": audit_id,
                    "title": result.get("title"),
                    "score": score,
                    "display": result.get("displayValue"),
                    "shown": audit_id in shown,
                }
            )
    resources = audits.get("resource-summary", {}).get("details", {}).get("items", [])
    total = next((r for r in resources if r.get("resourceType") == "total"), {})
    return {
        "name": name,
        "path": path,
        "final_url": lhr.get("finalDisplayedUrl") or lhr.get("finalUrl"),
        "scores": {
            category: round(lhr["categories"][category]["score"] * 100)
            for category in CATEGORIES
        },
        "metrics": {
            key: audits[audit_id].get("numericValue")
            for audit_id, key in METRICS.items()
            if audit_id in audits
        },
        "transfer_kib": round(total.get("transferSize", 0) / 1024, 1),
        "requests": total.get("requestCount"),
        "failing": sorted(failing, key=lambda row: (row["score"], row["id"])),
        "warnings": lhr.get("runWarnings") or [],
    }


def median_run(runs: list[dict]) -> tuple[dict, list[int]]:
    """The report whose performance score is the median of the runs (the lower
    middle one for an even count), and every run's score, lowest first."""
    ordered = sorted(runs, key=lambda lhr: lhr["categories"]["performance"]["score"])
    scores = [round(lhr["categories"]["performance"]["score"] * 100) for lhr in ordered]
    return ordered[(len(ordered) - 1) // 2], scores


def versions() -> dict:
    def output(*command: str) -> str:
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
        except OSError:
            return ""

    return {
        "lighthouse": output(str(LIGHTHOUSE), "--version"),
        "chromium": output(CHROMIUM, "--version"),
        "node": output("node", "--version"),
    }


def git_commit() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument(
        "--only", action="append", help="audit only the page of this name (repeatable)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="audit each page this many times and keep the run of median "
        "performance (the machine's load moves the score)",
    )
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="audit each page without fetching it once first (its first rendering "
        "then counts in First Contentful Paint)",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        help="also keep Lighthouse's full JSON report of each page in this folder",
    )
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        print("lighthouse is not installed: run `make deps`", file=sys.stderr)
        return 2
    if not shutil.which(CHROMIUM):
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2

    django.setup()
    from django.core.management import call_command

    from bench.run import LoadError, check_port_free, gunicorn, wait_until_up

    try:
        targets = pages()
    except LighthouseError as error:
        print(error, file=sys.stderr)
        return 2
    if args.only:
        targets = [(name, path) for name, path in targets if name in args.only]
    call_command("collectstatic", verbosity=0, interactive=False)
    base = f"http://127.0.0.1:{args.port}"
    load_at_start = os.getloadavg()[0]
    rows = []
    try:
        check_port_free(args.port)
        with gunicorn(args.port) as server, tempfile.TemporaryDirectory() as tmp:
            wait_until_up(server, f"{base}/robots.txt")
            for name, path in targets:
                print(f"Lighthouse: {name} ({path}) ...", flush=True)
                first_fetch_ms = warm_up(base + path) if args.warm_up else None
                runs = [audit(base + path, Path(tmp)) for _ in range(args.runs)]
                lhr, scores = median_run(runs)
                row = summary(name, path, lhr)
                row["warm_up_ms"] = first_fetch_ms
                if len(runs) > 1:
                    row["performance_runs"] = scores
                rows.append(row)
                if args.reports:
                    args.reports.mkdir(parents=True, exist_ok=True)
                    kept = args.reports / f"{name.replace(' ', '-')}.json"
                    kept.write_text(json.dumps(lhr))
    except (
        LoadError,
        LighthouseError,
        subprocess.TimeoutExpired,
        urllib.error.URLError,
    ) as error:
        print(f"bench.lighthouse: {error}", file=sys.stderr)
        return 1
    if args.only and args.results.exists():
        # The other pages keep the figures of their last run.
        audited = {row["name"]: row for row in rows}
        earlier = json.loads(args.results.read_text()).get("pages") or []
        rows = [audited.pop(row["name"], row) for row in earlier] + list(
            audited.values()
        )
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git_commit(),
        "preset": "mobile (Lighthouse's default: Moto G Power, simulated slow 4G)",
        "serving": "gunicorn, DEBUG off, whitenoise (config.settings.bench), demo data",
        "versions": versions(),
        # Lighthouse scales the main-thread time it observes: a busy machine lowers
        # the performance score (Total Blocking Time) of a page that did not change.
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(load_at_start, 2), round(os.getloadavg()[0], 2)],
        },
        "pages": rows,
    }
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"Wrote {args.results}.")
    return 0


def print_report(report: dict) -> None:
    """Each page's scores, the audits its report marks to fix (shown, scored below
    the pass mark) and, after a slash, the others scored below 1."""
    print(
        f"{'page':<12} {'perf':>4} {'a11y':>4} {'best':>4} {'seo':>4}  "
        "failing audits / below 1"
    )
    for row in report["pages"]:
        scores = [row["scores"][category] for category in CATEGORIES]
        failing = [audit["id"] for audit in row["failing"] if is_failing(audit)]
        below = [audit["id"] for audit in row["failing"] if not is_failing(audit)]
        figures = " ".join(f"{score:>4}" for score in scores)
        print(
            f"{row['name']:<12} {figures}  {', '.join(failing) or 'none'}"
            f" / {', '.join(below) or 'none'}"
        )


if __name__ == "__main__":
    sys.exit(main())
