"""`make bench`: scale data, in-process timings, load over HTTP, and a report.

Run as `python -m bench.run` with DJANGO_SETTINGS_MODULE=config.settings.bench.
It reports figures against the budgets in docs/architecture.md and never fails
because the machine is slow: the exit code is non-zero only when the benchmark could
not run.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("BENCH_PORT", "8799"))


class LoadError(Exception):
    """The load runs could not be made; the reason goes into the report."""


def main() -> int:
    # Before anything runs: the code measured is the code of this moment, and the
    # load average says whether other work was already running.
    git = git_state()
    load_at_start = os.getloadavg()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="rebuild the scale data even if it is there",
    )
    parser.add_argument(
        "--seconds", type=int, default=20, help="length of each load run"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=60,
        help="repetitions of each in-process measurement",
    )
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--practitioners",
        type=int,
        default=None,
        help="size of the scale data (default 10,000)",
    )
    parser.add_argument(
        "--skip-scale",
        action="store_true",
        help="(scripts/bench.sh) leave out the run at 100,000 practitioners",
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="measure the directory only, and add the figures to latest.json as "
        "the comparison at this size (make bench runs it at 100,000)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the scale data (default 42)"
    )
    parser.add_argument(
        "--max-age-days",
        type=int,
        default=None,
        help="regenerate scale data older than this (default 7)",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import booking_load, figures, scale, scenarios, signed_in

    started = time.monotonic()
    phases = {}
    print("Preparing the benchmark database ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    # Left by a run that was cut short, they would count as changed scale data.
    booking_load.remove()
    signed_in.remove()
    sizes = scale.Sizes()
    if args.practitioners:
        sizes = scale.Sizes(practitioners=args.practitioners)
    seed = scale.DEFAULT_SEED if args.seed is None else args.seed
    max_age = scale.MAX_AGE_DAYS if args.max_age_days is None else args.max_age_days
    reason = "asked for (--regenerate)" if args.regenerate else None
    reason = reason or scale.stale_because(seed=seed, sizes=sizes, max_age_days=max_age)
    if reason:
        print(f"Generating the scale data: {reason} ...", flush=True)
        call_command(
            "generate_scale_data", seed=seed, practitioners=sizes.practitioners
        )
    call_command("collectstatic", verbosity=0, interactive=False)
    # Fresh planner statistics and no dead rows from the last run's booking mix:
    # where autovacuum is off or behind, the figures would otherwise drift from
    # one run to the next (search at 100,000 practitioners: 114 req/s before a
    # VACUUM ANALYZE, 131-147 after).
    print("VACUUM ANALYZE ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    phases["data_s"] = round(time.monotonic() - started)
    if args.scale_only:
        return scale_only(args, git, load_at_start, started, phases, max_age)

    # Enough distinct slots for the booking mix to book at 150 requests a second.
    wanted = 50 if args.skip_load else max(1000, args.seconds * 150)
    try:
        posts = booking_load.prepare(wanted)
        cookie = signed_in.prepare()
        print("Measuring in process ...", flush=True)
        in_process = [
            r.as_dict() for r in scenarios.in_process(runs=args.runs, bookings=posts)
        ]
        load_scenarios = scenarios.load_scenarios(posts, signed_in_cookie=cookie)
        queries = scenarios.scenario_queries(load_scenarios)
        index_use = scenarios.location_index_use()
        phases["in_process_s"] = round(time.monotonic() - started) - sum(
            phases.values()
        )

        load_before_http = os.getloadavg()
        load, load_error = [], None
        if args.skip_load:
            load_error = "skipped (--skip-load)"
        else:
            print("Load over HTTP (gunicorn, 8 connections) ...", flush=True)
            load, load_error = run_load(load_scenarios, args.seconds)
            load = figures.with_floor_fractions(load)
        phases["load_s"] = round(time.monotonic() - started) - sum(phases.values())
    finally:
        booking_load.remove()
        signed_in.remove()
        booking_load.purge_broker_queue()

    machine = machine_info()
    machine["load_average"] = {
        "start": _rounded(load_at_start),
        "before_http": _rounded(load_before_http),
        "end": _rounded(os.getloadavg()),
    }
    data = {**scenarios.data_counts(), "generated": data_meta(max_age)}
    data["postcodes"] = _postcodes()
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git["describe"],
        "git": git,
        "machine": machine,
        "warnings": warnings(git, machine),
        "data": data,
        "in_process": in_process,
        "queries": queries,
        "index_use": index_use,
        "load": load,
        "load_error": load_error,
        "budgets": scenarios.budgets(in_process, load, queries),
        "phases_s": phases,
        "elapsed_s": round(time.monotonic() - started),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"\nWrote {RESULTS / 'latest.json'} in {report['elapsed_s']} s.")
    if load_error and not args.skip_load:
        print(f"\nThe load runs could not be made: {load_error}", file=sys.stderr)
        return 1
    return 0


def scale_only(args, git, load_at_start, started, phases, max_age) -> int:
    """The directory, a profile, the slots and the booking mix at another size:
    the figures go into latest.json beside the full run's, with the growth from
    one size to the other and the budgets comparing the two."""
    from bench import booking_load, scenarios
    from bench import figures as bench_figures

    # The booking mix too, on slots prepared as for the full run.
    wanted = 50 if args.skip_load else max(1000, args.seconds * 150)
    try:
        posts = booking_load.prepare(wanted)
        print("Measuring in process ...", flush=True)
        in_process = [
            r.as_dict() for r in scenarios.scale_in_process(args.runs, bookings=posts)
        ]
        load_scenarios = scenarios.scale_load_scenarios(posts)
        queries = scenarios.scenario_queries(load_scenarios)
        phases["in_process_s"] = round(time.monotonic() - started) - sum(
            phases.values()
        )
        load_before_http = os.getloadavg()
        load, load_error = [], None
        if args.skip_load:
            load_error = "skipped (--skip-load)"
        else:
            print("Load over HTTP (gunicorn, 8 connections) ...", flush=True)
            load, load_error = run_load(load_scenarios, args.seconds)
            load = bench_figures.with_floor_fractions(load)
        phases["load_s"] = round(time.monotonic() - started) - sum(phases.values())
    finally:
        booking_load.remove()
        booking_load.purge_broker_queue()
    data = {**scenarios.data_counts(), "generated": data_meta(max_age)}
    data["postcodes"] = _postcodes()
    figures = {
        "practitioners": data["practitioners"],
        "git_commit": git["describe"],
        "load_average": {
            "start": _rounded(load_at_start),
            "before_http": _rounded(load_before_http),
            "end": _rounded(os.getloadavg()),
        },
        "data": data,
        "in_process": in_process,
        "queries": queries,
        "load": load,
        "load_error": load_error,
        "phases_s": phases,
        "elapsed_s": round(time.monotonic() - started),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    report = json.loads(latest.read_text()) if latest.exists() else {}
    small = {
        "practitioners": (report.get("data") or {}).get("practitioners"),
        "in_process": report.get("in_process"),
        # A report from before the floor was measured has no fractions.
        "load": bench_figures.with_floor_fractions(report.get("load") or []),
    }
    budgets = scenarios.scale_budgets(small, figures)
    figures["growth"] = bench_figures.growth(small, figures, scenarios.SCALE_GROWTH)
    report["scale"] = figures
    report["budgets"] = [
        row
        for row in report.get("budgets") or []
        if " within 1.5x of " not in row["budget"]
    ] + budgets
    latest.write_text(json.dumps(report, indent=2) + "\n")
    print("\nAt this size (median / p95 ms, most queries)")
    for row in in_process:
        print(f"  {row['name']:<68} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f}"
              f" {row['queries']:>4}")  # fmt: skip
    for row in load:
        if row.get("measured"):
            print(f"  {row['name']:<50} {row['rps']:>8.1f} req/s, "
                  f"p95 {row['p95_ms']:.1f} ms, "
                  f"{_of_floor(row)} of the floor")  # fmt: skip
    sizes = f"{_count(small['practitioners'])} to {_count(figures['practitioners'])}"
    print(f"\nGrowth from {sizes} practitioners (at the large size / the small)")
    for row in figures["growth"]:
        shown = _of_floor if row["figure"] == "of_floor" else _num
        print(f"  {_growth_label(row):<80} {shown(row['small']):>8} "
              f"{shown(row['large']):>8} {_num(row['ratio'], 'x'):>8}")  # fmt: skip
    for row in budgets:
        verdict = {True: "met", False: "NOT met", None: "-"}[row["met"]]
        print(f"  {row['budget']:<90} {row['measured']:<28} {verdict}")
    print(f"\nAdded the figures at this size to {latest}.")
    if load_error and not args.skip_load:
        print(f"\nThe load runs could not be made: {load_error}", file=sys.stderr)
        return 1
    return 0


def _of_floor(row: dict | float | None) -> str:
    fraction = row.get("of_floor") if isinstance(row, dict) else row
    return "-" if fraction is None else f"{fraction:.1%}"


def _growth_label(row: dict) -> str:
    where = "over HTTP" if row["part"] == "load" else "in process"
    figure = {"rps": "req/s", "of_floor": "of the floor"}.get(
        row["figure"], row["figure"].replace("_ms", " ms")
    )
    return f"{row['name']} {where}, {figure}"


def _num(value, unit: str = "") -> str:
    return "-" if value is None else f"{value:.2f}{unit}"


def _count(value) -> str:
    return "-" if value is None else f"{value:,}"


def _postcodes() -> int:
    from directory.models import Place

    return Place.objects.filter(kind=Place.Kind.POSTCODE).count()


def _rounded(values) -> list[float]:
    return [round(value, 2) for value in values]


def warnings(git: dict, machine: dict) -> list[str]:
    found = []
    if git["dirty"]:
        found.append(
            f"uncommitted changes beside commit {git['commit']}: "
            + ", ".join(git["changed"])
        )
    cpus = machine["cpus"] or 1
    # The end figure includes this run's own gunicorn workers and wrk, so it is
    # recorded but not judged; before the HTTP runs only this process was busy.
    averages = machine["load_average"]
    busiest = max(averages["start"][0], averages["before_http"][0])
    if busiest > cpus:
        found.append(
            f"the machine was busy: load average {averages['start'][0]} at the start "
            f"and {averages['before_http'][0]} before the HTTP runs, on {cpus} CPUs; "
            "other work was running, and these figures are depressed"
        )
    return found


def _not_measured(scenario: dict, reason: str) -> dict:
    return {
        "name": scenario["name"],
        "connections": scenario.get("connections", 8),
        "measured": False,
        "reason": reason,
    }


def run_load(load_scenarios: list[dict], seconds: int) -> tuple[list[dict], str | None]:
    """Figures of each scenario over HTTP, and why any are missing (or None).

    A failure never loses the rest of the report: scenarios not run are marked
    "not measured" with the reason.
    """
    results = []
    try:
        if not shutil.which("wrk"):
            raise LoadError("wrk is not installed (apt-get install -y wrk)")
        check_port_free(PORT)
        with gunicorn(PORT) as server:
            wait_until_up(server, f"http://127.0.0.1:{PORT}/healthz")
            for scenario in load_scenarios:
                if "visits" in scenario and not scenario["visits"]:
                    results.append(_not_measured(scenario, "no free slot to book"))
                    continue
                encoding = scenario.get("accept_encoding")
                if encoding and not served_encoded(scenario["paths"][0], encoding):
                    results.append(
                        _not_measured(scenario, f"the page came without {encoding}")
                    )
                    continue
                if scenario.get("warm"):
                    # Pages served from the page cache: each fetched once first, so
                    # the run measures what visitors get once a page is stored, not
                    # its first rendering (200 of them outlast a 2 s warm-up).
                    warm_up(scenario["paths"])
                # A short warm-up so every worker has its connections and templates.
                connections = scenario.get("connections", 8)
                cookie = scenario.get("cookie")
                wrk(
                    scenario["paths"],
                    seconds=2,
                    connections=connections,
                    cookie=cookie,
                    accept_encoding=encoding,
                )
                figures = wrk(
                    scenario["paths"],
                    seconds=seconds,
                    connections=connections,
                    visits=scenario.get("visits"),
                    cookie=cookie,
                    accept_encoding=encoding,
                )
                ensure_running(server)
                results.append(_figures(scenario, figures))
                print(
                    f"  {scenario['name']}: {figures['rps']} req/s, "
                    f"p95 {figures['p95_ms']} ms",
                    flush=True,
                )
    except LoadError as error:
        reason = str(error)
        print(f"  not measured: {reason}", file=sys.stderr, flush=True)
        done = {row["name"] for row in results}
        results += [
            _not_measured(s, reason) for s in load_scenarios if s["name"] not in done
        ]
        return results, reason
    return results, None


def served_encoded(path: str, encoding: str) -> bool:
    """Whether the site answers `path` with Content-Encoding `encoding` when asked
    for it (a scenario measuring compressed pages must get compressed pages)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"Accept-Encoding": encoding}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers.get("Content-Encoding") == encoding


def warm_up(paths: list[str]) -> None:
    for path in dict.fromkeys(paths):
        with urllib.request.urlopen(
            f"http://127.0.0.1:{PORT}{path}", timeout=60
        ) as answer:
            answer.read()


def _figures(scenario: dict, figures: dict) -> dict:
    from bench import booking_load

    booking_posts = {
        "prepared": len(scenario.get("visits") or []),
        "booked": figures.pop("booked"),
        "refused": figures.pop("refused"),
        "ran_out": figures.pop("ran_out"),
    }
    figures["name"] = scenario["name"]
    figures["connections"] = scenario.get("connections", 8)
    figures["paths"] = len(scenario["paths"])
    figures["measured"] = True
    if scenario.get("visits"):
        # What the responses said, and what the database holds.
        booking_posts["in_database"] = booking_load.booked()
        figures["booking_posts"] = booking_posts
    return figures


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise LoadError(
                f"port {port} on 127.0.0.1 is taken ({error.strerror}); stop what "
                "listens there or choose another port with BENCH_PORT "
                f"(now {port})"
            ) from error


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: IO[str]

    def output(self, lines: int = 15) -> str:
        self.log.flush()
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-lines:])


@contextlib.contextmanager
def gunicorn(port: int, extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """The site served as in production, on 127.0.0.1:port, for the load runs."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    workers = str(max(2, (os.cpu_count() or 2) * 2))
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    workers,
                    "--worker-class",
                    "sync",
                    "--log-level",
                    "warning",
                    *extra_args,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        except OSError as error:
            raise LoadError(f"gunicorn could not be started: {error}") from error
        try:
            yield Server(process, port, log)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def ensure_running(server: Server) -> None:
    code = server.process.poll()
    if code is not None:
        raise LoadError(
            f"gunicorn (port {server.port}) exited with code {code}:\n{server.output()}"
        )


def wait_until_up(server: Server, url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ensure_running(server)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    # Ours, not another server that took the port meanwhile.
                    ensure_running(server)
                    return
        except OSError:
            time.sleep(0.3)
    raise LoadError(
        f"the benchmark server did not answer {url} within {seconds:.0f} s:\n"
        f"{server.output()}"
    )


def wrk(
    paths: list[str],
    seconds: int,
    connections: int = 8,
    visits: list[list[tuple]] | None = None,
    cookie: str | None = None,
    accept_encoding: str | None = None,
) -> dict:
    """One wrk run rotating over `paths`; with `visits` (lists of requests, POSTs
    among them), each wrk thread goes through its share of the visits instead.
    `cookie` is sent with every GET (a signed-in session), and `accept_encoding`
    too (without it the pages come uncompressed, as wrk asks for none)."""
    threads = min(2, connections)  # wrk refuses more threads than connections
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        arguments = paths
        if visits:
            prefix = Path(folder) / "requests"
            for thread in range(threads):
                lines = [
                    "\t".join(request)
                    for visit in visits[thread::threads]
                    for request in visit
                ]
                Path(f"{prefix}.{thread}").write_text("\n".join(lines) + "\n")
            arguments = [f"@{prefix}"]
        return _wrk(arguments, seconds, connections, threads, cookie, accept_encoding)


def wrk_command(
    arguments: list[str],
    seconds: int,
    connections: int,
    threads: int,
    cookie: str | None = None,
    accept_encoding: str | None = None,
) -> list[str]:
    # report.lua formats GETs without headers of their own, so wrk adds these.
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    if accept_encoding:
        headers += ["-H", f"Accept-Encoding: {accept_encoding}"]
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        *headers,
        "-s",
        str(ROOT / "bench" / "report.lua"),
        f"http://127.0.0.1:{PORT}",
        "--",
        *arguments,
    ]


def _wrk(
    arguments: list[str],
    seconds: int,
    connections: int,
    threads: int,
    cookie: str | None = None,
    accept_encoding: str | None = None,
) -> dict:
    command = wrk_command(
        arguments, seconds, connections, threads, cookie, accept_encoding
    )
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60
        )
    except subprocess.TimeoutExpired as error:
        raise LoadError(f"wrk did not finish within {seconds + 60} s") from error
    except OSError as error:
        raise LoadError(f"wrk could not be run: {error}") from error
    match = re.search(r"^WRK_JSON (.*)$", finished.stdout, re.M)
    if finished.returncode != 0 or not match:
        raise LoadError(
            f"wrk exited with code {finished.returncode} and no result:\n"
            f"{(finished.stdout + finished.stderr).strip()[-2000:]}"
        )
    figures = json.loads(match.group(1))
    figures["errors"]["total"] = sum(figures["errors"].values())
    return figures


def git_state() -> dict:
    """The commit, and whether tracked files differ from it (like `git describe
    --always --dirty`, but the benchmark's own results file does not count)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        status = git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)bench/results",
        )
    except (OSError, subprocess.SubprocessError):
        return {
            "commit": "unknown",
            "dirty": None,
            "describe": "unknown",
            "changed": [],
        }
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {
        "commit": commit,
        "dirty": bool(changed),
        "describe": f"{commit}-dirty" if changed else commit,
        "changed": changed[:20],
    }


def machine_info() -> dict:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "django": django.get_version(),
    }


def data_meta(max_age_days: int) -> dict:
    from django.utils import timezone

    from bench import scale

    meta = scale.read_meta() or {}
    generated_on = meta.get("generated_on")
    age = None
    if generated_on:
        age = (timezone.localdate() - dt.date.fromisoformat(generated_on)).days
    return {
        "on": generated_on,
        "age_days": age,
        "max_age_days": max_age_days,
        "seed": meta.get("seed"),
        "version": meta.get("version"),
    }


def print_report(report: dict) -> None:
    print(f"\nCommit {report['git_commit']}, {report['date']}")
    _print_warnings(report)
    print("\nIn process (median / p95 ms, most queries of any variant)")
    for row in report["in_process"]:
        print(
            f"  {row['name']:<68} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f}"
            f" {row['queries']:>4}"
        )
    print("\nQueries per request, every distinct URL of each load scenario")
    for row in report["queries"]:
        print(
            f"  {row['name']:<50} {row['urls']:>4} URLs, {row['min']}-{row['max']}"
            f" queries (most: {row['max_url']})"
        )
    index = report["index_use"]
    verdict = {True: "yes", False: "NO", None: "not checked"}[index["uses_index"]]
    print(
        f"\nIndex use: {index.get('query', 'directory radius search')} "
        f"uses {index['index']}: {verdict}"
    )
    print("\nOver HTTP (connections, req/s, p50 / p95 / p99 ms, errors, of the floor)")
    if report["load_error"]:
        print(f"  not measured: {report['load_error']}")
    for row in report["load"]:
        if not row["measured"]:
            print(f"  {row['name']:<50} {row['connections']:>3}     not measured")
            continue
        print(
            f"  {row['name']:<50} {row['connections']:>3} {row['rps']:>8.1f}"
            f" {row['p50_ms']:>8.1f}"
            f" {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {row['errors']['total']:>6} {_of_floor(row):>7}"
        )
        if "booking_posts" in row:
            posts = row["booking_posts"]
            print(
                f"  {'':<50}     booked {posts['booked']} of {posts['prepared']} "
                f"prepared slots ({posts['in_database']} in the database), "
                f"{posts['refused']} refused"
                + (", ran out of slots" if posts["ran_out"] else "")
            )
    print("\nBudgets (docs/architecture.md)")
    for row in report["budgets"]:
        verdict = {True: "met", False: "NOT met", None: "-"}[row["met"]]
        print(f"  {row['budget']:<62} {row['measured']:<24} {verdict}")
    _print_warnings(report)


def _print_warnings(report: dict) -> None:
    for warning in report["warnings"]:
        print(f"  WARNING: {warning}")


if __name__ == "__main__":
    sys.exit(main())
