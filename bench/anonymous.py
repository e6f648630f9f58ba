"""The anonymous pages against the floor, interleaved: `python -m bench.anonymous`.

On a shared machine the load of other work moves every figure, so one run of each
page after the floor compares figures taken minutes apart. This runs rounds of
[floor, page, floor, page, ...] on one gunicorn, each figure next to a floor
measured seconds before it, and reports each page as a fraction of the floor
of its own round (the median over the rounds), with the load average before
each round. It uses the bench database and settings like `make bench`
(scripts/bench.sh sets them; run it after a `make bench` that generated the
data):

    DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.anonymous \\
        --rounds 3 --seconds 10 [--max-requests-0]

`--max-requests-0` starts gunicorn with `--max-requests 0`: gunicorn.conf.py
replaces each worker after about 1,000 requests, and without preloading the
application a new worker spends its first requests importing Django, which
depresses the figures of pages served in well under a millisecond. The results
go to bench/results/anonymous.json.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import urllib.request

import django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-requests-0", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()

    from django.core.management import call_command

    from . import run, scenarios
    from .figures import FLOOR

    # As `make bench`: gunicorn serves the collected files through whitenoise.
    call_command("collectstatic", verbosity=0, interactive=False)

    pages = [
        {"name": "town page", "paths": scenarios.TOWN_PAGES},
        {"name": "practitioner profile", "paths": scenarios._profiles(200)},
        {"name": "blog post", "paths": scenarios._posts(200)},
        *scenarios.anonymous_scenarios(),
    ]
    floor = scenarios.floor_scenario()
    extra = ["--max-requests", "0"] if args.max_requests_0 else []
    rounds = []
    run.check_port_free(run.PORT)
    with run.gunicorn(run.PORT, extra) as server:
        run.wait_until_up(server, f"http://127.0.0.1:{run.PORT}/healthz")
        # Every page fetched once, so the rounds measure the cache warm (a page is
        # rendered at its first request), then a short wrk warm-up of each.
        for path in sorted({path for scenario in pages for path in scenario["paths"]}):
            with urllib.request.urlopen(f"http://127.0.0.1:{run.PORT}{path}") as answer:
                answer.read()
        for scenario in [floor, *pages]:
            run.wrk(scenario["paths"], seconds=2, connections=args.connections)
        for number in range(1, args.rounds + 1):
            load = os.getloadavg()
            figures = {}
            for scenario in pages:
                floor_figures = run.wrk(
                    floor["paths"], seconds=args.seconds, connections=args.connections
                )
                page_figures = run.wrk(
                    scenario["paths"],
                    seconds=args.seconds,
                    connections=args.connections,
                )
                run.ensure_running(server)
                figures[scenario["name"]] = {
                    "rps": page_figures["rps"],
                    "p95_ms": page_figures["p95_ms"],
                    "errors": page_figures["errors"]["total"],
                    "floor_rps": floor_figures["rps"],
                    "of_floor": round(page_figures["rps"] / floor_figures["rps"], 3),
                }
                print(
                    f"round {number}: {scenario['name']}: {page_figures['rps']} req/s"
                    f" against {FLOOR} {floor_figures['rps']} req/s"
                    f" ({figures[scenario['name']]['of_floor']:.0%})",
                    flush=True,
                )
            rounds.append(
                {"round": number, "load_average": list(load), "pages": figures}
            )
    summary = {
        scenario["name"]: {
            "median_of_floor": statistics.median(
                r["pages"][scenario["name"]]["of_floor"] for r in rounds
            ),
            "median_rps": statistics.median(
                r["pages"][scenario["name"]]["rps"] for r in rounds
            ),
            "median_floor_rps": statistics.median(
                r["pages"][scenario["name"]]["floor_rps"] for r in rounds
            ),
        }
        for scenario in pages
    }
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": run.git_state(),
        "cpus": os.cpu_count(),
        "connections": args.connections,
        "seconds": args.seconds,
        "max_requests_0": args.max_requests_0,
        "load_average_end": list(os.getloadavg()),
        "rounds": rounds,
        "summary": summary,
    }
    run.RESULTS.mkdir(exist_ok=True)
    (run.RESULTS / "anonymous.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print("| page | req/s (median) | floor req/s (median) | of floor (median) |")
    print("|---|---|---|---|")
    for name, row in summary.items():
        print(
            f"| {name} | {row['median_rps']:.0f} | {row['median_floor_rps']:.0f} |"
            f" {row['median_of_floor']:.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
