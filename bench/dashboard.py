"""Benchmark: the dashboard's and the progress API's figures recomputed, as after any change, at 20,000 products.

Usage (SQLite by default, a separate file built once and reused; PostgreSQL with DATABASE_URL, a throw-away
database that exists already):

    .venv/bin/python bench/dashboard.py [--products 20000] [--runs 9] [--as-of 2025-12-31]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ocop_bench_dashboard .venv/bin/python bench/dashboard.py

Builds the data when the database has fewer products than asked (migrate, load_communes, generate_scale), then
times ``dashboard_on`` and ``progress_on`` called directly (never the cached wrappers: this is the cost of the
first request after a write), the first page of the expiring list included, and prints the median and best of
``--runs`` runs and the number of queries. Targets (issue 10): dashboard < 300 ms, progress API < 100 ms.
Without ``--as-of`` the figures are today's; ``--as-of`` times the same figures for a past date.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_registry.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/ocop_bench_dashboard.sqlite3")

import django  # noqa: E402

django.setup()

from fresh_database import ensure_data  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

TARGETS_MS = {"dashboard": 300, "progress API": 100}




def compute_dashboard(day):
    from evaluations.selectors import dashboard_on
    from evaluations.views import EXPIRING_SHOWN

    dashboard = dashboard_on(day=day)
    list(dashboard.expiring[:EXPIRING_SHOWN])  # the page shows the first rows of the list (the CSV has them all)
    return dashboard


def compute_progress(day):
    from evaluations.selectors import progress_on

    return progress_on(day=day)


def timed(compute, day, runs):
    compute(day)  # warm up (imports, connection, the database's page cache)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        compute(day)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        compute(day)
    return statistics.median(times), min(times), len(queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today)")
    args = parser.parse_args()
    count = ensure_data(args.products)
    day = datetime.date.fromisoformat(args.as_of) if args.as_of else timezone.localdate()
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}), {count} products, as of {day}")
    for label, compute in (("dashboard", compute_dashboard), ("progress API", compute_progress)):
        median, best, queries = timed(compute, day, args.runs)
        target = TARGETS_MS[label]
        verdict = "OK" if median < target else "OVER TARGET"
        print(f"{label:13s} median {median:7.1f} ms  best {best:7.1f} ms  queries {queries:2d}  "
              f"(target < {target} ms: {verdict})")


if __name__ == "__main__":
    main()
