"""Benchmark driver: runs each scenario several times, each run in a fresh process on a fresh copy of the
benchmark database, and prints medians, min-max, queries per item, peak memory and ratios.

Usage (through tests/benchmarks/run, which prepares the database):
    bench.py --database DB --addons-path PATHS [--repeat 3] [--scale 1.0] [SCENARIO ...]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from autoanalyze import AutoAnalyze, server_runs_autovacuum
from processes import admin_sql
from scenarios import RATIOS, SCENARIOS


def run_once(template, addons_path, scenario, scale, profile_dir=None, autoanalyze=False):
    """One run of a scenario in its own process on its own database copy; returns its measurements.
    With profile_dir, the scenario writes a cProfile of each measurement there (see scenarios.measure).
    With autoanalyze, planner statistics are kept up to date during the run as autovacuum would."""
    database = f"{template}_run_{uuid.uuid4().hex[:6]}"
    environment = dict(os.environ)
    if profile_dir:
        environment["BENCH_PROFILE"] = str(profile_dir)
    if autoanalyze:
        # For the scenarios that copy their database again (AutoAnalyze only watches this copy).
        environment["BENCH_AUTOANALYZE"] = "1"
    admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    keeper = AutoAnalyze(database) if autoanalyze else None
    if keeper:
        keeper.start()
    try:
        completed = subprocess.run(
            [
                sys.executable,
                str(HERE / "scenarios.py"),
                "--database",
                database,
                "--addons-path",
                addons_path,
                "--scenario",
                scenario,
                "--scale",
                str(scale),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"scenario {scenario} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
            )
        return json.loads(completed.stdout.strip().splitlines()[-1])
    finally:
        if keeper:
            keeper.stop()
        admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def summarize(name, runs):
    rates = [run["items"] / run["seconds"] for run in runs]
    seconds = [run["seconds"] for run in runs]
    first = runs[0]
    return {
        "name": name,
        "items": first["items"],
        "unit": first["unit"],
        "rate": statistics.median(rates),
        "rate_min": min(rates),
        "rate_max": max(rates),
        "seconds": statistics.median(seconds),
        "queries_per_item": statistics.median(run["queries"] / max(run["items"], 1) for run in runs),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "extra": first.get("extra", {}),
    }


def print_table(results):
    header = (
        f"{'measurement':<44} {'items':>8} {'median/s':>10} {'min-max /s':>19} "
        f"{'median s':>9} {'q/item':>7} {'RSS MB':>7}"
    )
    print(header)
    print("-" * len(header))
    for result in results.values():
        spread = f"{result['rate_min']:.0f}-{result['rate_max']:.0f}"
        print(
            f"{result['name']:<44} {result['items']:>8} {result['rate']:>10.1f} {spread:>19} "
            f"{result['seconds']:>9.2f} {result['queries_per_item']:>7.3g} {result['peak_rss_mb']:>7.0f}"
        )
        for key, value in result["extra"].items():
            print(f"    {key}: {value}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="the prepared benchmark template database")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies every data size (0.1 for a quick try)"
    )
    parser.add_argument("--json", help="also write the summarized results to this file")
    parser.add_argument(
        "--profile", help="write a cProfile of every measurement of every run under this folder"
    )
    parser.add_argument(
        "--no-autoanalyze",
        action="store_true",
        help="without autovacuum on the server, keep the statistics of the seeding (see autoanalyze.py)",
    )
    parser.add_argument("scenarios", nargs="*", help=f"default: all of {', '.join(SCENARIOS)}")
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}")

    autoanalyze = not args.no_autoanalyze and not server_runs_autovacuum()
    if autoanalyze:
        print(
            "  the server runs without autovacuum: grown tables are analyzed as it would (autoanalyze.py)",
            file=sys.stderr,
            flush=True,
        )
    measurements = {}
    for scenario in args.scenarios or list(SCENARIOS):
        started = time.monotonic()
        for repetition in range(args.repeat):
            profile_dir = args.profile and Path(args.profile) / f"{scenario}-run{repetition + 1}"
            for measurement in run_once(
                args.database, args.addons_path, scenario, args.scale, profile_dir, autoanalyze
            ):
                measurements.setdefault(measurement["name"], []).append(measurement)
            print(f"  {scenario}: run {repetition + 1}/{args.repeat} done", file=sys.stderr, flush=True)
        print(f"  {scenario}: {time.monotonic() - started:.0f} s in all", file=sys.stderr, flush=True)

    results = {name: summarize(name, runs) for name, runs in measurements.items()}
    print()
    print_table(results)
    print()
    for label, numerator, denominator, target in RATIOS:
        if numerator in results and denominator in results:
            ratio = results[numerator]["rate"] / results[denominator]["rate"]
            print(f"{label:<60} {ratio:6.2f}x   (target {target})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
