"""`make bench`: scale data, in-process timings, load over HTTP, and a report.

Run as `python -m bench.run` with DJANGO_SETTINGS_MODULE=config.settings.bench.
It reports figures against the budgets in DESIGN.md and never fails because the
machine is slow: the exit code is non-zero only when the benchmark could not run.
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("BENCH_PORT", "8799"))


def main() -> int:
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

    from bench import scale, scenarios

    started = time.monotonic()
    print("Preparing the benchmark database ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    sizes = scale.Sizes()
    seed = scale.DEFAULT_SEED if args.seed is None else args.seed
    max_age = scale.MAX_AGE_DAYS if args.max_age_days is None else args.max_age_days
    reason = "asked for (--regenerate)" if args.regenerate else None
    reason = reason or scale.stale_because(seed=seed, sizes=sizes, max_age_days=max_age)
    if reason:
        print(f"Generating the scale data: {reason} ...", flush=True)
        call_command("generate_scale_data", seed=seed)
    call_command("collectstatic", verbosity=0, interactive=False)

    print("Measuring in process ...", flush=True)
    in_process = [r.as_dict() for r in scenarios.in_process(runs=args.runs)]

    load = []
    if not args.skip_load:
        if not shutil.which("wrk"):
            print(
                "wrk is not installed (apt-get install -y wrk): skipping the load "
                "runs.",
                file=sys.stderr,
            )
        else:
            print("Load over HTTP (gunicorn, 8 connections) ...", flush=True)
            load = run_load(scenarios.load_scenarios(), args.seconds)

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine_info(),
        "data": {**scenarios.data_counts(), "generated": data_meta(max_age)},
        "in_process": in_process,
        "load": load,
        "budgets": scenarios.budgets(in_process, load),
        "elapsed_s": round(time.monotonic() - started),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"\nWrote {RESULTS / 'latest.json'} in {report['elapsed_s']} s.")
    return 0


def run_load(load_scenarios: list[dict], seconds: int) -> list[dict]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    workers = str(max(2, (os.cpu_count() or 2) * 2))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{PORT}/healthz")
        results = []
        for scenario in load_scenarios:
            # A short warm-up so every worker has its connections and templates.
            connections = scenario.get("connections", 8)
            wrk(scenario["paths"], seconds=2, connections=connections)
            figures = wrk(scenario["paths"], seconds=seconds, connections=connections)
            figures["name"] = scenario["name"]
            figures["connections"] = connections
            figures["paths"] = len(scenario["paths"])
            results.append(figures)
            print(
                f"  {scenario['name']}: {figures['rps']} req/s, "
                f"p95 {figures['p95_ms']} ms",
                flush=True,
            )
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The benchmark server did not answer at {url}.")


def wrk(paths: list[str], seconds: int, connections: int = 8) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",  # wrk refuses more threads than connections
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
        f"http://127.0.0.1:{PORT}",
        "--",
        *paths,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    match = re.search(r"^WRK_JSON (.*)$", output, re.M)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{output}")
    figures = json.loads(match.group(1))
    figures["errors"]["total"] = sum(figures["errors"].values())
    return figures


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"


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
    print("\nIn process (median / p95 ms, queries)")
    for row in report["in_process"]:
        print(
            f"  {row['name']:<58} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f}"
            f" {row['queries']:>4}"
        )
    if report["load"]:
        print("\nOver HTTP (connections, req/s, p50 / p95 / p99 ms, errors)")
        for row in report["load"]:
            print(
                f"  {row['name']:<38} {row['connections']:>3} {row['rps']:>8.1f}"
                f" {row['p50_ms']:>8.1f}"
                f" {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}"
                f" {row['errors']['total']:>6}"
            )
    print("\nBudgets (DESIGN.md)")
    for row in report["budgets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[row["met"]]
        print(f"  {row['budget']:<62} {row['measured']:<24} {verdict}")


if __name__ == "__main__":
    sys.exit(main())
